import ipaddr from 'ipaddr.js';
import { z } from 'zod';
import { checkDuration, type DurationOptions } from './duration.js';
import { describeValue } from './errors.js';
import { isIpOrCidr } from '../net/index.js';
import { ACTION_NAMES, FIELD_MINIMUM, JAIL_NAME, type ActionName } from '../domain/field-rules.js';
import type { FirewallRuleConfig } from '../domain/rule-types.js';
import { fleetSchema, fleetShape, type FleetSettings } from './schema-fleet.js';
import { metricsSchema, metricsShape, type MetricsSettings } from './schema-metrics.js';

export type { FleetSettings } from './schema-fleet.js';
export type { MetricsSettings } from './schema-metrics.js';

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
  /** Filter name in `filters/`; defaults to the jail name. */
  filter: string;
  /** Log files as written; relative ones are relative to the config file (see resolveConfigPath). */
  logpath: string[];
  backend: 'file' | 'journal';
  /** journalctl match expressions, for the journal backend. */
  journalmatch: string[];
  /** Overrides of `[settings]`; absent means "use the global value". */
  maxretry?: number;
  findtime?: number;
  bantime?: number;
  actions: ActionName[];
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

/** `[firewall]`: the packet-filter backend and rule editing. */
export interface FirewallSettings {
  backend: 'auto' | 'iptables' | 'nftables' | 'dry-run';
  /** What happens to incoming traffic no rule matches. */
  default_policy: 'accept' | 'drop';
  /** The managed rules, in order: the first that matches decides. */
  rules: FirewallRuleConfig[];
  /** Seconds an applied rule set waits for confirmation before it is rolled back. */
  confirm_timeout: number;
}

/** How the connection to the mail server is secured. */
export type EmailTls = 'none' | 'starttls' | 'implicit';

/** `[notify.email]`: ban notices by e-mail, for jails whose `actions` include "email". */
export interface EmailSettings {
  /** SMTP server: a host name or an IP address. */
  host: string;
  /** 1-65535; defaults by `tls`: 25 ("none"), 587 ("starttls"), 465 ("implicit"). */
  port: number;
  /** "starttls" (default) upgrades a plain connection and refuses to go on without TLS. */
  tls: EmailTls;
  /** Verify the server's certificate (default true); false only for a self-signed test server. */
  verify_tls: boolean;
  /** SMTP AUTH user; set together with `password`, or neither. */
  user?: string;
  password?: string;
  /** Sender: `addr@host` or `Name <addr@host>`. */
  from: string;
  /** Recipients, each `addr@host` or `Name <addr@host>`; at least one. */
  to: string[];
  /** Seconds bans are gathered into one digest; 0 sends each ban at once. */
  batch: number;
  /** Messages per hour at most; bans beyond it are counted and reported, not mailed. */
  max_per_hour: number;
}

/** `[notify]`: where notifications go. */
export interface NotifySettings {
  email?: EmailSettings;
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
}

export { JAIL_NAME } from '../domain/field-rules.js';

// Every schema carries its own "expected ..." text; load.ts adds the offending value.
const bool = () => z.boolean({ error: 'expected true or false' });
const text = () => z.string({ error: 'expected a string' }).min(1, { error: 'expected a non-empty string' });
const textList = () => z.array(text(), { error: 'expected an array of strings' });
const positiveInt = () => {
  const error = 'expected an integer >= 1';
  return z.number({ error }).int({ error }).min(1, { error });
};
const oneOf = <const T extends readonly [string, ...string[]]>(values: T) => {
  const quoted = values.map((v) => JSON.stringify(v));
  const last = quoted.pop()!;
  return z.enum(values, { error: `expected ${quoted.length > 0 ? `${quoted.join(', ')} or ${last}` : last}` });
};
const table = <T extends z.core.$ZodLooseShape>(shape: T) => z.strictObject(shape, { error: 'expected a table' });

/** A duration in the config: any form checkDuration reads, out as seconds. */
function duration(opts: DurationOptions = {}) {
  return z.unknown().transform((value, ctx) => {
    const result = checkDuration(value, opts);
    if (result.ok) return result.seconds;
    ctx.addIssue({ code: 'custom', message: result.message });
    return z.NEVER;
  });
}

export { isIpOrCidr };

const ipOrCidr = () =>
  z.string({ error: 'expected a string' }).superRefine((value, ctx) => {
    if (!isIpOrCidr(value)) {
      ctx.addIssue({ code: 'custom', message: `${describeValue(value)} is not an IP address or CIDR` });
    }
  });

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
};

const trustedShape = {
  ranges: z.array(ipOrCidr(), { error: 'expected an array of strings' }).default([]),
};

const jailShape = {
  enabled: bool().default(true),
  // A name looked up in filter.d and the shipped filters, never a path out of them.
  filter: text().regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/, { error: 'expected a filter name (letters, digits, "_", "." or "-"; not a path)' }).optional(),
  logpath: z.array(text().regex(/^[^\x00-\x1f\x7f]*$/, { error: 'expected a path without control characters' }), { error: 'expected an array of strings' }).default([]),
  backend: oneOf(['file', 'journal']).default('file'),
  journalmatch: textList().default([]),
  maxretry: positiveInt().optional(),
  findtime: duration().optional(),
  bantime: duration({ allowPermanent: true }).optional(),
  actions: z.array(z.string({ error: 'expected a string' }), { error: 'expected an array of strings' }).default(['firewall']),
  ignoreregex: textList().default([]),
  start_at: oneOf(['end', 'beginning']).default('end'),
};

const jailSchema = table(jailShape).superRefine((jail, ctx) => {
  if (jail.backend === 'file' && jail.logpath.length === 0) {
    ctx.addIssue({ code: 'custom', path: ['logpath'], message: 'needs at least one log file (or backend = "journal")' });
  }
  jail.actions.forEach((action, i) => {
    if (!(ACTION_NAMES as readonly string[]).includes(action)) {
      const known = ACTION_NAMES.map((name) => JSON.stringify(name)).join(', ');
      ctx.addIssue({ code: 'custom', path: ['actions', i], input: action, message: `unknown action ${describeValue(action)} (known: ${known})` });
    }
  });
});

const jailsSchema = z
  .record(
    z.string().regex(JAIL_NAME, { error: 'jail names may only use letters, digits, "_", "." and "-"' }),
    jailSchema,
    { error: 'expected a table of jails' },
  )
  .transform((jails) => {
    const named: Record<string, JailConfig> = {};
    for (const [name, jail] of Object.entries(jails)) {
      named[name] = { ...jail, filter: jail.filter ?? name, actions: jail.actions as ActionName[] };
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

const PORT_RANGE = /^([1-9][0-9]{0,4})-([1-9][0-9]{0,4})$/;
const port = () =>
  z.union([z.number(), z.string()], { error: 'expected a port number or a range "LOW-HIGH"' }).superRefine((value, ctx) => {
    const ok = typeof value === 'number'
      ? Number.isInteger(value) && value >= 1 && value <= 65535
      : ((m) => m !== null && Number(m[1]) <= Number(m[2]) && Number(m[2]) <= 65535)(PORT_RANGE.exec(value));
    if (!ok) ctx.addIssue({ code: 'custom', message: `${describeValue(value)} is not a port (1-65535) or a range "LOW-HIGH"` });
  });

const ruleShape = {
  name: text().regex(JAIL_NAME, { error: 'expected letters, digits, "_", "." or "-"' }),
  direction: oneOf(['in']).default('in'),
  action: oneOf(['allow', 'deny']),
  protocol: oneOf(['tcp', 'udp', 'icmp', 'any']).default('tcp'),
  ports: z.array(port(), { error: 'expected an array of ports' }).default([]),
  sources: z.array(ipOrCidr(), { error: 'expected an array of IPs or CIDRs' }).default([]),
  comment: z.string({ error: 'expected a string' }).default(''),
};
const ruleSchema = table(ruleShape).superRefine((rule, ctx) => {
  if (rule.ports.length > 0 && rule.protocol !== 'tcp' && rule.protocol !== 'udp') {
    ctx.addIssue({ code: 'custom', path: ['ports'], message: `ports need protocol "tcp" or "udp", not "${rule.protocol}"` });
  }
});

const firewallShape = {
  backend: oneOf(['auto', 'iptables', 'nftables', 'dry-run']).default('auto'),
  default_policy: oneOf(['accept', 'drop']).default('accept'),
  rules: z
    .array(ruleSchema, { error: 'expected an array of tables ([[firewall.rules]])' })
    .default([])
    .superRefine((rules, ctx) => {
      const seen = new Set<string>();
      rules.forEach((rule, i) => {
        if (seen.has(rule.name)) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `duplicate rule name "${rule.name}"` });
        seen.add(rule.name);
      });
    }),
  confirm_timeout: duration().prefault('60s'),
};

// E-mail addresses as written in [notify.email]: `addr@host` or `Name <addr@host>`. Stricter than
// RFC 5322 on purpose (no quoted parts, comments or groups): an address is a key in a config file,
// and nothing odd in it should reach a mail header.
const ADDRESS_LOCAL = "[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*";
const HOST_LABEL = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?';
const HOST_NAME = new RegExp(`^${HOST_LABEL}(?:\\.${HOST_LABEL})*$`);
const PLAIN_ADDRESS = new RegExp(`^${ADDRESS_LOCAL}@${HOST_LABEL}(?:\\.${HOST_LABEL})*$`);
const NAMED_ADDRESS = /^([\p{L}\p{N} ._'-]*[\p{L}\p{N}._'-])\s*<([^<>]*)>$/u;

/** True for `addr@host` or `Name <addr@host>` (name: letters, digits, spaces, `.`, `_`, `'`, `-`). */
function isEmailAddress(value: string): boolean {
  const named = NAMED_ADDRESS.exec(value);
  const address = named ? named[2]! : value;
  return address.length <= 254 && PLAIN_ADDRESS.test(address);
}

const emailAddress = () =>
  z.string({ error: 'expected a string' }).superRefine((value, ctx) => {
    if (!isEmailAddress(value)) {
      ctx.addIssue({ code: 'custom', message: `${describeValue(value)} is not an e-mail address ("addr@host" or "Name <addr@host>")` });
    }
  });

const mailHost = () =>
  text().superRefine((value, ctx) => {
    const ip = value.includes(':') ? ipaddr.IPv6.isValid(value) && !value.includes('%') : ipaddr.IPv4.isValidFourPartDecimal(value);
    if (!ip && !(value.length <= 253 && HOST_NAME.test(value))) {
      ctx.addIssue({ code: 'custom', message: `${describeValue(value)} is not a host name or IP address` });
    }
  });

const BATCH_MAX = 24 * 3600;
/** A digest window: like duration(), and also 0 ("0s", "0m", ...), which means "no batching". */
const batchDuration = () =>
  z.unknown().transform((value, ctx) => {
    if (value === 0 || (typeof value === 'string' && /^\s*0+\s*[wdhms]?\s*$/.test(value))) return 0;
    const result = checkDuration(value);
    if (result.ok && result.seconds <= BATCH_MAX) return result.seconds;
    const message = result.ok
      ? `${describeValue(value)} is longer than 1d, which would hold ban mail back too long`
      : `bad duration ${describeValue(value)} (use "0s" to send each ban at once, or 30, "30s", "1m", "10m")`;
    ctx.addIssue({ code: 'custom', message });
    return z.NEVER;
  });

const DEFAULT_SMTP_PORT: Record<EmailTls, number> = { none: 25, starttls: 587, implicit: 465 };

const emailShape = {
  host: mailHost(),
  port: z
    .number({ error: 'expected a port number 1-65535' })
    .int({ error: 'expected a port number 1-65535' })
    .min(1, { error: 'expected a port number 1-65535' })
    .max(65535, { error: 'expected a port number 1-65535' })
    .optional(),
  tls: oneOf(['none', 'starttls', 'implicit']).default('starttls'),
  verify_tls: bool().default(true),
  user: text().optional(),
  password: z.string({ error: 'expected a string' }).optional(),
  from: emailAddress(),
  to: z.array(emailAddress(), { error: 'expected an array of e-mail addresses' }).min(1, { error: 'expected at least one address' }),
  batch: batchDuration().prefault('1m'),
  max_per_hour: positiveInt().default(20),
};

const emailSchema = table(emailShape)
  .superRefine((email, ctx) => {
    if (email.user !== undefined && email.password === undefined) {
      ctx.addIssue({ code: 'custom', path: ['password'], message: 'is needed when `user` is set' });
    }
    if (email.password !== undefined && email.user === undefined) {
      ctx.addIssue({ code: 'custom', path: ['user'], message: 'is needed when `password` is set' });
    }
  })
  .transform((email): EmailSettings => ({ ...email, port: email.port ?? DEFAULT_SMTP_PORT[email.tls] }));

const notifyShape = { email: emailSchema.optional() };

const rootShape = {
  settings: table(settingsShape).prefault({}),
  trusted: table(trustedShape).prefault({}),
  jails: jailsSchema.prefault({}),
  daemon: table(daemonShape).prefault({}),
  firewall: table(firewallShape).prefault({}),
  notify: table(notifyShape).optional(),
  metrics: metricsSchema.optional(),
  fleet: fleetSchema.optional(),
};

/** The keys allowed in the table at `keyPath`, e.g. `["jails", "sshd"]`; undefined if it is not a strict table. */
export function knownKeys(keyPath: ReadonlyArray<string | number>): string[] | undefined {
  const where = keyPath[0] === 'jails' && keyPath.length === 2
    ? 'jails.*'
    : keyPath[0] === 'firewall' && keyPath[1] === 'rules' && keyPath.length === 3 ? 'firewall.rules.*' : keyPath.join('.');
  const shape = TABLE_SHAPES[where];
  return shape ? Object.keys(shape) : undefined;
}

const TABLE_SHAPES: Record<string, object> = {
  '': rootShape,
  settings: settingsShape,
  'settings.escalation': escalationShape,
  trusted: trustedShape,
  'jails.*': jailShape,
  daemon: daemonShape,
  firewall: firewallShape,
  'firewall.rules.*': ruleShape,
  notify: notifyShape,
  'notify.email': emailShape,
  metrics: metricsShape,
  fleet: fleetShape,
};

/** The schema of a whole config file. Unknown keys are errors everywhere. */
export const configSchema: z.ZodType<Config, unknown> = table(rootShape).superRefine((config, ctx) => {
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
