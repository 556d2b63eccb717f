import { z } from 'zod';
import { isIpOrCidr } from '../net/index.js';
import { describeValue } from './errors.js';
import { emailShape, notifyShape, type NotifySettings } from './schema-email.js';
import { firewallShape, ruleShape, type FirewallSettings } from './schema-firewall.js';
import { bool, duration, ipOrCidr, oneOf, positiveInt, table, text, textList } from './schema-parts.js';
import { ACTION_NAMES, FIELD_MINIMUM, FILTER_FILE, FILTER_NAME, FILTER_OPTION_NAME, JAIL_NAME, type ActionName } from '../domain/field-rules.js';
import { prefixLength } from './schema-prefix.js';
import { ADDRESS_BITS } from '../domain/network-rules.js';
import { fleetSchema, fleetShape, type FleetSettings } from './schema-fleet.js';
import { metricsSchema, metricsShape, type MetricsSettings } from './schema-metrics.js';
import { actionsSchema, hookShape, isKnownAction, type HookActionSettings } from './schema-actions.js';
import { checkJailNames, checkSubnetWidths, subnetsSchema, subnetsShape, type SubnetSettings } from './schema-subnets.js';
import { blocklistShape, blocklistsSchema, type BlocklistConfig } from './schema-blocklists.js';

export type { FleetSettings } from './schema-fleet.js';
export type { MetricsSettings } from './schema-metrics.js';
export type { EmailSettings, EmailTls, NotifySettings } from './schema-email.js';
export type { FirewallSettings } from './schema-firewall.js';
export type { ExecActionSettings, HookActionSettings, WebhookActionSettings } from './schema-actions.js';
export type { SubnetSettings } from './schema-subnets.js';
export type { BlocklistConfig, ListFormat } from './schema-blocklists.js';
export { isIpOrCidr };

// Durations below are in seconds; -1 (PERMANENT) appears only where a ban time allows it.

/** Ban time growth for repeat offenders. */
export interface EscalationSettings {
  /** Off by default: every ban lasts `bantime`. */
  enabled: boolean;
  /** Each further ban of the same IP lasts the previous one times this. */
  factor: number;
  /** Explicit multipliers of `bantime` for the 1st, 2nd, ... ban; the last repeats. Wins over `factor`. */
  multipliers?: number[];
  /** Cap on an escalated ban, in seconds. */
  maxtime: number;
  /** After this many bans of the same IP, the next ban is permanent. */
  permanent_after?: number;
  /** Whether earlier bans count only in the same jail or across all jails. */
  scope: 'jail' | 'all';
}

/** `[settings]`: defaults for every jail, and the engine's on/off switch. */
export interface Settings {
  /** When false the engine reads nothing and bans nobody. */
  enabled: boolean;
  /** Seconds, or -1 for permanent. */
  bantime: number;
  /** Seconds in which `maxretry` failures lead to a ban. */
  findtime: number;
  maxretry: number;
  escalation: EscalationSettings;
  /** IPv4 failures are counted, and bans made, per network of this prefix length (32: per address). */
  ipv4_prefix?: number;
  /** IPv6 failures are counted, and bans made, per network of this prefix length (128: per address). */
  ipv6_prefix?: number;
  /** `[settings.subnets]`: many bans inside one subnet become one ban of it; absent: off. */
  subnets?: SubnetSettings;
}

/** `[trusted]`: addresses that are never banned. */
export interface TrustedSettings {
  /** IPv4/IPv6 addresses and CIDR ranges, as written; each has been checked with ipaddr.js. */
  ranges: string[];
}

export { ACTION_NAMES, type ActionName } from '../domain/field-rules.js';

/** `[jails.NAME]`: one filter watching some logs, with what to do on a ban. */
export interface JailConfig {
  enabled: boolean;
  /**
   * A filter name, looked up in the filter folders (`filter.d/` next to the config, then the
   * shipped filters); or a filter file's absolute path (a stock fail2ban filter). Defaults to the jail name.
   */
  filter: string;
  /** Values handed to the filter over its own `[Init]`, as fail2ban's `filter = sshd[mode=aggressive]`. */
  filter_options?: Record<string, string>;
  /** Log files as written; relative ones are relative to the config file (see resolveConfigPath). */
  logpath: string[];
  backend: 'file' | 'journal';
  /** journalctl match expressions, for the journal backend. */
  journalmatch: string[];
  /** Overrides of `[settings]`; absent means "use the global value". */
  maxretry?: number;
  findtime?: number;
  bantime?: number;
  ipv4_prefix?: number;
  ipv6_prefix?: number;
  /** Built-in actions ({@link ActionName}) and names of `[actions]` hooks. */
  actions: string[];
  /** Extra ignore patterns, added to the filter's own. */
  ignoreregex: string[];
  /** Where to start reading a log seen for the first time. */
  start_at: 'end' | 'beginning';
}

/** `[daemon]`: where the running engine keeps its files. */
export interface DaemonSettings {
  state_dir: string;
  socket: string;
  pid_file: string;
  log_file: string;
  /**
   * A group whose members may use the control socket too: the socket becomes 0660 and owned by
   * that group. Unset: 0600, the daemon's user (and root) only.
   */
  socket_group?: string;
}

/** The whole validated configuration, with every default filled in. */
export interface Config {
  settings: Settings;
  trusted: TrustedSettings;
  /** Keyed by jail name. */
  jails: Record<string, JailConfig>;
  daemon: DaemonSettings;
  firewall: FirewallSettings;
  notify?: NotifySettings;
  /** `[metrics]`: the Prometheus endpoint, when set. */
  metrics?: MetricsSettings;
  /** `[fleet]`: bans shared through Redis, when set. */
  fleet?: FleetSettings;
  /** `[actions.NAME]`: exec and webhook hooks jails name in `actions`. */
  actions?: Record<string, HookActionSettings>;
  /** `[blocklists.NAME]`: lists of hostile networks dropped in the kernel. */
  blocklists?: Record<string, BlocklistConfig>;
}

export { JAIL_NAME } from '../domain/field-rules.js';

// Shapes are kept apart from their schemas so knownKeys() can suggest the right spelling.
const escalationShape = {
  enabled: bool().default(false),
  factor: z.number({ error: `expected a number >= ${FIELD_MINIMUM.factor}` }).min(FIELD_MINIMUM.factor, { error: `expected a number >= ${FIELD_MINIMUM.factor}` }).default(2),
  multipliers: z
    .array(z.number({ error: 'expected a number > 0' }).positive({ error: 'expected a number > 0' }), {
      error: 'expected an array of numbers',
    })
    .min(1, { error: 'expected at least one multiplier' })
    .optional(),
  maxtime: duration().prefault('1w'),
  permanent_after: positiveInt().optional(),
  scope: oneOf(['jail', 'all']).default('all'),
};

const settingsShape = {
  enabled: bool().default(true),
  bantime: duration({ allowPermanent: true }).prefault('10m'),
  findtime: duration().prefault('10m'),
  maxretry: positiveInt().default(5),
  escalation: table(escalationShape).prefault({}),
  // Per address unless set.
  ipv4_prefix: prefixLength(4).default(ADDRESS_BITS[4]),
  ipv6_prefix: prefixLength(6).default(ADDRESS_BITS[6]),
  subnets: subnetsSchema.optional(),
};

const trustedShape = {
  ranges: z.array(ipOrCidr(), { error: 'expected an array of strings' }).default([]),
};

const jailShape = {
  enabled: bool().default(true),
  // A name looked up in filter.d and the shipped filters, or an absolute path to a filter file.
  filter: text()
    .superRefine((value, ctx) => {
      if (FILTER_NAME.test(value) || FILTER_FILE.test(value)) return;
      ctx.addIssue({ code: 'custom', message: `expected a filter name (letters, digits, "_", "." or "-") or the absolute path of a .conf or .local filter file, got ${describeValue(value)}` });
    })
    .optional(),
  filter_options: z
    .record(
      z.string().regex(FILTER_OPTION_NAME, { error: 'filter option names use letters, digits, "_" and "-" (e.g. mode)' }),
      z.string({ error: 'expected a string' }),
      { error: 'expected a table of filter options, e.g. { mode = "aggressive" }' },
    )
    .optional(),
  logpath: z.array(text().regex(/^[^\x00-\x1f\x7f]*$/, { error: 'expected a path without control characters' }), { error: 'expected an array of strings' }).default([]),
  backend: oneOf(['file', 'journal']).default('file'),
  journalmatch: textList().default([]),
  maxretry: positiveInt().optional(),
  findtime: duration().optional(),
  bantime: duration({ allowPermanent: true }).optional(),
  ipv4_prefix: prefixLength(4).optional(),
  ipv6_prefix: prefixLength(6).optional(),
  actions: z.array(z.string({ error: 'expected a string' }), { error: 'expected an array of strings' }).default(['firewall']),
  ignoreregex: textList().default([]),
  start_at: oneOf(['end', 'beginning']).default('end'),
};

const jailSchema = table(jailShape).superRefine((jail, ctx) => {
  if (jail.backend === 'file' && jail.logpath.length === 0) {
    ctx.addIssue({ code: 'custom', path: ['logpath'], message: 'needs at least one log file (or backend = "journal")' });
  }
});

const jailsSchema = z
  .record(
    z.string().regex(JAIL_NAME, { error: 'jail names may only use letters, digits, "_", "." and "-"' }),
    jailSchema,
    { error: 'expected a table of jails' },
  )
  .superRefine(checkJailNames)
  .transform((jails) => {
    const named: Record<string, JailConfig> = {};
    for (const [name, jail] of Object.entries(jails)) {
      named[name] = { ...jail, filter: jail.filter ?? name };
    }
    return named;
  });

const daemonShape = {
  state_dir: text().default('/var/lib/portcullis'),
  socket: text().default('/run/portcullis/portcullis.sock'),
  pid_file: text().default('/run/portcullis/portcullis.pid'),
  log_file: text().default('/var/log/portcullis.log'),
  // Only the name's form is checked here; whether the group exists is the daemon's to find out
  // at start, with the system's own group lookup.
  socket_group: text()
    .regex(/^[A-Za-z_][A-Za-z0-9_.-]{0,31}\$?$/, { error: 'expected a group name (letters, digits, "_", "." or "-")' })
    .optional(),
};

const rootShape = {
  settings: table(settingsShape).superRefine(checkSubnetWidths).prefault({}),
  trusted: table(trustedShape).prefault({}),
  jails: jailsSchema.prefault({}),
  daemon: table(daemonShape).prefault({}),
  firewall: table(firewallShape).prefault({}),
  notify: table(notifyShape).optional(),
  metrics: metricsSchema.optional(),
  fleet: fleetSchema.optional(),
  actions: actionsSchema.optional(),
  blocklists: blocklistsSchema.optional(),
};

/** The keys allowed in the table at `keyPath`, e.g. `["jails", "sshd"]`; undefined if it is not a strict table. */
export function knownKeys(keyPath: ReadonlyArray<string | number>): string[] | undefined {
  const where = (keyPath[0] === 'jails' || keyPath[0] === 'actions' || keyPath[0] === 'blocklists') && keyPath.length === 2
    ? `${keyPath[0]}.*`
    : keyPath[0] === 'firewall' && keyPath[1] === 'rules' && keyPath.length === 3 ? 'firewall.rules.*' : keyPath.join('.');
  const shape = TABLE_SHAPES[where];
  return shape ? Object.keys(shape) : undefined;
}

const TABLE_SHAPES: Record<string, object> = {
  '': rootShape,
  settings: settingsShape,
  'settings.escalation': escalationShape,
  'settings.subnets': subnetsShape,
  trusted: trustedShape,
  'jails.*': jailShape,
  daemon: daemonShape,
  firewall: firewallShape,
  'firewall.rules.*': ruleShape,
  notify: notifyShape,
  'notify.email': emailShape,
  metrics: metricsShape,
  fleet: fleetShape,
  'actions.*': hookShape,
  'blocklists.*': blocklistShape,
};

/**
 * Every name in a jail's `actions` is built in or an `[actions]` hook. Run even when other keys
 * are wrong (so all problems come in one error), hence on a value that may be partly unchecked.
 */
function checkActionNames(config: { jails?: unknown; actions?: unknown }, ctx: z.core.$RefinementCtx): void {
  const hooks = config.actions !== null && typeof config.actions === 'object' ? (config.actions as Record<string, HookActionSettings>) : undefined;
  const jails = config.jails !== null && typeof config.jails === 'object' ? (config.jails as Record<string, { actions?: unknown }>) : {};
  for (const [name, jail] of Object.entries(jails)) {
    if (!Array.isArray(jail?.actions)) continue;
    jail.actions.forEach((action: unknown, i) => {
      if (typeof action !== 'string' || isKnownAction(action, hooks)) return;
      const known = [...ACTION_NAMES, ...Object.keys(hooks ?? {})].map((known) => JSON.stringify(known)).join(', ');
      ctx.addIssue({ code: 'custom', path: ['jails', name, 'actions', i], input: action, message: `unknown action ${describeValue(action)} (known: ${known}; hooks are defined under [actions.NAME])` });
    });
  }
}

/** The schema of a whole config file. Unknown keys are errors everywhere. */
export const configSchema: z.ZodType<Config, unknown> = table(rootShape).superRefine(checkActionNames, { when: () => true }).superRefine((config, ctx) => {
  // A jail that asks for e-mail with nowhere to send it would drop its notices silently.
  if (config.notify?.email !== undefined) return;
  for (const [name, jail] of Object.entries(config.jails)) {
    const at = jail.actions.indexOf('email');
    if (at === -1) continue;
    ctx.addIssue({
      code: 'custom',
      path: ['jails', name, 'actions', at],
      input: 'email',
      message: `jail "${name}" uses the "email" action, but there is no [notify.email] table`,
    });
  }
});
