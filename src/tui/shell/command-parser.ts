import { checkDuration, JAIL_NAME } from '../../domain/index.js';
import { isIpOrCidr } from '../../net/index.js';
import { PANE_IDS, type PaneId } from '../contexts.js';

/** A `:` command line, understood. */
export type ConsoleCommand =
  | { kind: 'ban'; ip: string; seconds?: number }
  | { kind: 'unban'; ip: string }
  | { kind: 'unban-all' }
  | { kind: 'trust'; range: string; note: string }
  | { kind: 'untrust'; range: string }
  | { kind: 'jail'; name: string; enabled: boolean }
  | { kind: 'reload' }
  | { kind: 'confirm' }
  | { kind: 'rollback' }
  | { kind: 'pane'; pane: PaneId }
  | { kind: 'help' }
  | { kind: 'quit' };

/** What `:help` and an unknown command list. */
export const COMMAND_USAGE = [
  'ban <ip|cidr> [duration|permanent]',
  'unban <ip|cidr>',
  'unban all',
  'trust <ip|cidr> [note]',
  'untrust <ip|cidr>',
  'jail <name> on|off',
  'reload',
  'confirm | rollback (a pending firewall apply)',
  `${PANE_IDS.join(' | ')}`,
  'help',
  'q | quit',
];

/** Reads a `:` command line; a mistake gives a message saying what was expected. */
export function parseCommand(line: string): ConsoleCommand | { error: string } {
  const words = line.trim().replace(/^:/, '').trim().split(/\s+/).filter(Boolean);
  const [verb = '', ...args] = words;
  const address = (what: string, value: string | undefined): string | { error: string } => {
    if (!value) return { error: `${verb} needs ${what}` };
    return isIpOrCidr(value) ? value : { error: `"${value}" is not an IP address or CIDR range` };
  };
  switch (verb.toLowerCase()) {
    case '':
      return { error: 'type a command, e.g. ban 198.51.100.7 1h (:help lists them)' };
    case 'ban': {
      const ip = address('an IP address or CIDR range', args[0]);
      if (typeof ip !== 'string') return ip;
      if (args.length > 2) return { error: 'ban takes an address and at most one duration' };
      if (args[1] === undefined) return { kind: 'ban', ip };
      const raw = args[1];
      const checked = checkDuration(/^-?\d+$/.test(raw) ? Number(raw) : raw, { allowPermanent: true });
      if (!checked.ok) return { error: `duration: ${checked.message}` };
      return { kind: 'ban', ip, seconds: checked.seconds };
    }
    case 'unban': {
      if (args[0] === 'all' && args.length === 1) return { kind: 'unban-all' };
      const ip = address('an IP address, a CIDR range or "all"', args[0]);
      if (typeof ip !== 'string') return ip;
      return args.length > 1 ? { error: 'unban takes one address' } : { kind: 'unban', ip };
    }
    case 'trust': {
      const range = address('an IP address or CIDR range', args[0]);
      if (typeof range !== 'string') return range;
      return { kind: 'trust', range, note: args.slice(1).join(' ') };
    }
    case 'untrust': {
      const range = address('an IP address or CIDR range', args[0]);
      if (typeof range !== 'string') return range;
      return args.length > 1 ? { error: 'untrust takes one range' } : { kind: 'untrust', range };
    }
    case 'jail': {
      // `jail sshd off`, or the command line's `jail disable sshd`.
      const verbFirst = args.length === 2 && /^(enable|disable)$/i.test(args[0]!);
      const [name, state] = verbFirst ? [args[1], args[0]] : args;
      if (!name || !state || args.length !== 2) return { error: 'usage: jail <name> on|off' };
      if (!JAIL_NAME.test(name)) return { error: `"${name}" is not a jail name` };
      const on = ['on', 'enable', 'enabled', 'true'].includes(state.toLowerCase());
      const off = ['off', 'disable', 'disabled', 'false'].includes(state.toLowerCase());
      if (!on && !off) return { error: `jail ${name}: say "on" or "off", not "${state}"` };
      return { kind: 'jail', name, enabled: on };
    }
    case 'reload':
      return args.length ? { error: 'reload takes nothing' } : { kind: 'reload' };
    case 'confirm':
    case 'rollback':
      return args.length ? { error: `${verb} takes nothing` } : { kind: verb.toLowerCase() as 'confirm' | 'rollback' };
    case 'help':
    case '?':
      return { kind: 'help' };
    case 'q':
    case 'quit':
    case 'exit':
      return { kind: 'quit' };
    default: {
      const pane = PANE_IDS.find((id) => id === verb.toLowerCase());
      if (pane && args.length === 0) return { kind: 'pane', pane };
      return { error: `unknown command "${verb}" (try: ${COMMAND_USAGE.slice(0, 6).join(', ')}, ...)` };
    }
  }
}
