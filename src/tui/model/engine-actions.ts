import { banLengthAfterVerb } from '../../domain/index.js';
import { checkAddress, ownSessionConflict, sshSession } from '../../net/index.js';
import type { UiActions } from '../contexts.js';
import type { ConsoleModel } from './console-model.js';

/** Ranges wider than these ask first: a typo here bans or trusts a whole network. */
const WIDE_BITS = { 4: 24, 6: 48 } as const;

/** "Ban 10.0.0.0/8 (16,777,216 addresses)?" for a range wider than /24 or /48, else null. */
export function wideRangeQuestion(verb: string, range: string): string | null {
  const { family, prefix } = checkAddress(range);
  if (prefix >= WIDE_BITS[family]) return null;
  const size = family === 4 ? (2 ** (32 - prefix)).toLocaleString('en-US') : `2^${128 - prefix}`;
  return `${verb} ${range} (${size} addresses)?`;
}

/**
 * Bans by hand, from the `:ban` command or the Banned pane's form: refuses the operator's own
 * session, asks before a wide range, and says what was done.
 */
export function banByHand(model: ConsoleModel, actions: UiActions, ip: string, seconds?: number): void {
  // Refused here before any question; the service checks the same session again, attached or not.
  const session = sshSession();
  const conflict = ownSessionConflict(ip, session);
  if (conflict) return actions.say(conflict, 'bad');
  const run = (): void => {
    void actions.run(model.request({ command: 'ban', ip, ...(seconds !== undefined ? { seconds } : {}), ...(session ? { session } : {}) }), (ban) =>
      `banned ${ban.ip} ${banLengthAfterVerb(ban)}`,
    );
  };
  const question = wideRangeQuestion('Ban', ip);
  if (question) actions.confirm(question, run);
  else run();
}

/** Trusts a range (lifting the bans it covers), asking first when it is wide; then reloads the list. */
export function trustRange(model: ConsoleModel, actions: UiActions, range: string, note: string, success?: string): void {
  const run = (): void => {
    void actions
      .run(model.request({ command: 'trust', action: 'add', range, note }), (r) =>
        success ?? (r.action === 'add' ? `trusted ${r.range}${r.unbanned.length ? `; lifted the bans of ${r.unbanned.length} addresses` : ''}` : ''),
      )
      .then(() => model.refreshTrusted())
      .then(() => model.changed(true))
      .catch((err: Error) => actions.say(err.message, 'bad'));
  };
  const question = wideRangeQuestion('Trust', range);
  if (question) actions.confirm(`${question} Bans inside it are lifted and none are made`, run);
  else run();
}

/** Lifts one ban, or every ban (`all`), and says how many went. */
export function unban(model: ConsoleModel, actions: UiActions, ip: string | 'all'): Promise<unknown> {
  if (ip === 'all') return actions.run(model.request({ command: 'unban', all: true }), (r) => `unbanned ${r.unbanned} addresses`);
  return actions.run(model.request({ command: 'unban', ip }), () => `unbanned ${ip}`);
}

/** The question `unban all` asks first. */
export function unbanAllQuestion(model: ConsoleModel): string {
  return `Unban all ${model.bans.size} addresses?`;
}

/** Stops trusting a range added at run time, then reloads the list. */
export function untrustRange(model: ConsoleModel, actions: UiActions, range: string): Promise<void> {
  return actions
    .run(model.request({ command: 'trust', action: 'rm', range }), (r) =>
      r.action === 'rm' && r.removed ? `no longer trusted: ${r.range}` : `${range} was not trusted at run time`,
    )
    .then(() => model.refreshTrusted())
    .then(() => model.changed(true))
    .catch((err: Error) => actions.say(err.message, 'bad'));
}

/** Turns a jail on or off (saved to the overlay file). */
export function setJailEnabled(model: ConsoleModel, actions: UiActions, name: string, enabled: boolean): Promise<unknown> {
  return actions.run(model.request({ command: 'jail', name, enabled }), (r) => `jail ${r.name} ${r.enabled ? 'enabled' : 'disabled'} (saved to the overlay file)`);
}

/** Confirms or rolls back the firewall apply waiting for confirmation, from any pane. */
export function settleApply(model: ConsoleModel, actions: UiActions, what: 'confirm' | 'rollback'): Promise<unknown> {
  if (!model.pendingApply) {
    actions.say(`nothing to ${what === 'confirm' ? 'confirm' : 'roll back'}: no firewall apply is waiting`, 'muted');
    return Promise.resolve();
  }
  return actions.run(model.request({ command: 'firewall', action: what }), (r) => r.message);
}
