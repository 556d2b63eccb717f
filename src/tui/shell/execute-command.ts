import type { UiActions } from '../contexts.js';
import type { ConsoleModel } from '../model/console-model.js';
import { banByHand, trustRange } from '../model/engine-actions.js';
import { COMMAND_USAGE, parseCommand } from './command-parser.js';

/** What running a command line needs from the shell. */
export interface CommandContext {
  model: ConsoleModel;
  actions: UiActions;
  readOnly: boolean;
  openHelp(): void;
}

/** Commands that change anything, refused in read-only mode. */
const EDITS = new Set(['ban', 'unban', 'unban-all', 'trust', 'untrust', 'jail', 'reload']);

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
      void actions.run(model.request({ command: 'unban', ip: command.ip }), () => `unbanned ${command.ip}`);
      return;
    case 'unban-all':
      actions.confirm(`Unban all ${model.bans.size} addresses?`, () => {
        void actions.run(model.request({ command: 'unban', all: true }), (r) => `unbanned ${r.unbanned} addresses`);
      });
      return;
    case 'trust':
      trustRange(model, actions, command.range, command.note);
      return;
    case 'untrust':
      void actions.run(model.request({ command: 'trust', action: 'rm', range: command.range }), (r) =>
        r.action === 'rm' && r.removed ? `no longer trusted: ${r.range}` : `${command.range} was not trusted at run time`,
      )
        .then(() => model.refreshTrusted())
        .then(() => model.changed(true))
        .catch((err: Error) => actions.say(err.message, 'bad'));
      return;
    case 'jail':
      void actions.run(model.request({ command: 'jail', name: command.name, enabled: command.enabled }), (r) => `jail ${r.name} ${r.enabled ? 'enabled' : 'disabled'}`);
      return;
    case 'reload':
      void actions.run(model.request({ command: 'reload' }), (r) => r.message);
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
