import type { UiActions } from '../contexts.js';
import type { ConsoleModel } from '../model/console-model.js';
import { banByHand, setJailEnabled, settleApply, trustRange, unban, unbanAllQuestion, untrustRange } from '../model/engine-actions.js';
import { COMMAND_USAGE, parseCommand } from './command-parser.js';

/** What running a command line needs from the shell. */
export interface CommandContext {
  model: ConsoleModel;
  actions: UiActions;
  readOnly: boolean;
  openHelp(): void;
}

/** Commands that change anything, refused in read-only mode. */
const EDITS = new Set(['ban', 'unban', 'unban-all', 'trust', 'untrust', 'jail', 'reload', 'confirm', 'rollback']);

/** Runs one `:` command line and says what happened. */
export function executeCommand(line: string, ctx: CommandContext): void {
  const { model, actions } = ctx;
  const command = parseCommand(line);
  if ('error' in command) {
    actions.say(command.error, 'bad');
    return;
  }
  if (ctx.readOnly && EDITS.has(command.kind)) {
    actions.say(`read-only console: "${command.kind}" is not allowed`, 'bad');
    return;
  }
  switch (command.kind) {
    case 'ban':
      banByHand(model, actions, command.ip, command.seconds);
      return;
    case 'unban':
      void unban(model, actions, command.ip);
      return;
    case 'unban-all':
      actions.confirm(unbanAllQuestion(model), () => void unban(model, actions, 'all'));
      return;
    case 'trust':
      trustRange(model, actions, command.range, command.note);
      return;
    case 'untrust':
      void untrustRange(model, actions, command.range);
      return;
    case 'jail':
      void setJailEnabled(model, actions, command.name, command.enabled);
      return;
    case 'reload':
      void actions.run(model.request({ command: 'reload' }), (r) => r.message);
      return;
    case 'confirm':
    case 'rollback':
      void settleApply(model, actions, command.kind);
      return;
    case 'pane':
      actions.showPane(command.pane);
      return;
    case 'help':
      ctx.openHelp();
      actions.say(`commands: ${COMMAND_USAGE.join(' · ')}`, 'muted');
      return;
    case 'quit':
      actions.quit();
      return;
  }
}
