import type { HandledCommandName, Request, RequestOf } from './protocol.js';

/**
 * Which requests change state (bans, trust, jails, settings, filters, firewall rules, the
 * running configuration). A typed record, so a new command cannot be added without saying
 * whether a read-only client may run it.
 */
const CHANGES_STATE: { [C in HandledCommandName]: boolean | ((request: RequestOf<C>) => boolean) } = {
  status: false,
  bans: false,
  'ban-columns': false,
  ban: true,
  unban: true,
  trust: (request) => request.action !== 'list',
  jails: false,
  jail: true,
  reload: true,
  logs: false,
  firewall: (request) => request.action !== 'show',
  activity: false,
  config: false,
  settings: true,
  'jail-add': true,
  'jail-remove': true,
  // Runs a filter over lines in memory (or a log's end); writes nothing.
  'filter-test': false,
  'filter-save': true,
  'filter-show': false,
  'filter-list': false,
  why: false,
  blocklists: false,
  // Downloads and replaces kernel sets.
  'blocklist-update': true,
};

/** True for a request a read-only client must not run. */
export function changesState(request: Request): boolean {
  if (request.command === 'subscribe' || request.command === 'unsubscribe' || request.command === 'read-only') return false;
  const rule = CHANGES_STATE[request.command] as boolean | ((request: Request) => boolean);
  return typeof rule === 'function' ? rule(request) : rule;
}

/** The error a read-only client reads for a request that would change state. */
export function readOnlyRefusal(request: Request): string {
  const action = 'action' in request && typeof request.action === 'string' ? ` ${request.action}` : '';
  return `read-only connection: "${request.command}${action}" changes state and is refused`;
}
