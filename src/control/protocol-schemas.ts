import { z } from 'zod';
import { ACTION_NAMES, checkDuration, FIELD_MINIMUM, FILTER_FILE, FILTER_NAME, isPrefixLength, JAIL_NAME, prefixLimits, SUBNET_THRESHOLD_MINIMUM, type IpFamily } from '../domain/index.js';
import { isIpOrCidr } from '../net/index.js';
import { BLOCKLIST_NAME } from '../config/schema-blocklists.js';

// One strict zod schema per command. Unknown fields are refused, so a misspelt option is not
// silently ignored; every error names the field and says what it must be.

/** What `firewall` can do. */
export const FIREWALL_ACTIONS = ['show', 'apply', 'confirm', 'rollback', 'draft'] as const;
const TRUST_ACTIONS = ['add', 'rm', 'list'] as const;

export { FILTER_NAME };
/** Longest filter text `filter-test` and `filter-save` take (characters). */
export const MAX_FILTER_TEXT = 256 * 1024;
/** Most lines `filter-test` runs, given or read from a log's end. */
export const MAX_TEST_LINES = 5000;

/** A short JSON rendering of a bad value for an error message. */
export function shown(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** A zod error option: "is missing" or "must be <what>, got <value>". */
function must(what: string) {
  return {
    error: (issue: { input?: unknown }) => (issue.input === undefined ? 'is missing' : `must be ${what}, got ${shown(issue.input)}`),
  };
}

const ipOrRange = z.string(must('an IP address or CIDR range')).refine(isIpOrCidr, must('an IP address or CIDR range'));
const jailName = z.string(must('a jail name')).regex(JAIL_NAME, must('a jail name (letters, digits, "_", "." or "-")'));
const flag = z.boolean(must('true or false'));
/** The caller's SSH session (from its SSH_CONNECTION): a ban must not hold it, an apply must not cut it. */
const session = z.strictObject(
  {
    address: z.string(must('an IP address')).refine(isIpOrCidr, must('an IP address')),
    port: z.number(must('a port 1-65535')).refine((n) => Number.isSafeInteger(n) && n >= 1 && n <= 65535, must('a port 1-65535')),
  },
  must('a table with "address" and "port"'),
);
const filterName = z
  .string(must('a filter name'))
  .regex(FILTER_NAME, must('a filter name (letters, digits, "_", "." or "-", not starting with "." or "-")'))
  .refine((name) => !/\.(conf|local)$/.test(name), must('a filter name without ".conf" or ".local"'));
/** A jail's filter: a name, or a filter file's absolute path (the handler checks it is in a filter folder). */
const jailFilter = z
  .string(must('a filter name or a filter file path'))
  .refine((value) => (FILTER_NAME.test(value) && !/\.(conf|local)$/.test(value)) || FILTER_FILE.test(value), must('a filter name, or the absolute path of a .conf or .local filter file'));
const wholeAtLeast = (min: number, what = `a whole number >= ${min}`) =>
  z.number(must(what)).refine((n) => Number.isSafeInteger(n) && n >= min, must(what));
const text = (what: string, max: number) => z.string(must(what)).refine((s) => s.length <= max, must(`${what} of at most ${max} characters`));

/** A duration as the config takes it: whole seconds, or text such as "10m", "1h30m" (and -1 / "permanent" for a ban time). */
function duration(allowPermanent = false) {
  const what = allowPermanent ? 'a duration (600, "10m", "1h", "1d", "1w" or "permanent")' : 'a duration (600, "10m", "1h", "1d" or "1w")';
  return z.union([z.number(), z.string()], must(what)).refine((value) => checkDuration(value, { allowPermanent }).ok, must(what));
}

const escalationPatch = z.strictObject(
  {
    enabled: flag.optional(),
    factor: z.number(must(`a number >= ${FIELD_MINIMUM.factor}`)).refine((n) => Number.isFinite(n) && n >= FIELD_MINIMUM.factor, must(`a number >= ${FIELD_MINIMUM.factor}`)).optional(),
    multipliers: z
      .array(z.number(must('a number > 0')).refine((n) => Number.isFinite(n) && n > 0, must('a number > 0')), must('a list of numbers > 0'))
      .min(1, must('a list of at least one number > 0'))
      .optional(),
    maxtime: duration().optional(),
    permanent_after: wholeAtLeast(FIELD_MINIMUM.permanent_after, `an integer >= ${FIELD_MINIMUM.permanent_after}`).optional(),
    scope: z.enum(['jail', 'all'], must('"jail" or "all"')).optional(),
  },
  must('a table of escalation settings'),
);

/** A prefix length key, with the config file's limits (whether subnets are wider than bans is the whole config's check). */
function prefixLength(family: IpFamily, kind: 'ban' | 'subnet') {
  const { min, max, what } = prefixLimits(family, kind);
  return z.number(must(`a whole number from ${min} to ${max} (${what})`)).refine((n) => isPrefixLength(n, family, kind), must(`a whole number from ${min} to ${max} (${what})`));
}

const subnetsPatch = z.strictObject(
  {
    enabled: flag.optional(),
    ipv4_prefix: prefixLength(4, 'subnet').optional(),
    ipv6_prefix: prefixLength(6, 'subnet').optional(),
    threshold: wholeAtLeast(SUBNET_THRESHOLD_MINIMUM, `an integer >= ${SUBNET_THRESHOLD_MINIMUM}`).optional(),
    window: duration().optional(),
    bantime: duration(true).optional(),
  },
  must('a table of subnet settings'),
);

const settingsPatch = z
  .strictObject(
    {
      enabled: flag.optional(),
      bantime: duration(true).optional(),
      findtime: duration().optional(),
      maxretry: wholeAtLeast(FIELD_MINIMUM.maxretry, `an integer >= ${FIELD_MINIMUM.maxretry}`).optional(),
      escalation: escalationPatch.optional(),
      ipv4_prefix: prefixLength(4, 'ban').optional(),
      ipv6_prefix: prefixLength(6, 'ban').optional(),
      subnets: subnetsPatch.optional(),
    },
    must('a table of settings'),
  )
  .refine((patch) => Object.keys(patch).length > 0, { message: 'changes nothing: give at least one setting' });

const firewallRule = z.strictObject(
  {
    name: z.string(must('a rule name')).regex(JAIL_NAME, must('a rule name (letters, digits, "_", "." or "-")')),
    direction: z.literal('in', must('"in"')).optional(),
    action: z.enum(['allow', 'deny'], must('"allow" or "deny"')),
    protocol: z.enum(['tcp', 'udp', 'icmp', 'any'], must('"tcp", "udp", "icmp" or "any"')).optional(),
    ports: z.array(z.union([z.number(), z.string()], must('a port or a range "LOW-HIGH"')), must('a list of ports')).optional(),
    sources: z.array(ipOrRange, must('a list of IPs or CIDR ranges')).optional(),
    comment: z.string(must('a string')).optional(),
  },
  must('a rule table'),
);

function head<N extends string>(name: N) {
  return { id: z.number(), command: z.literal(name) };
}

/** One strict schema per command. */
export const REQUEST_SCHEMAS = {
  /** Jails with failure and ban counts, the firewall backend, uptime. */
  status: z.strictObject({
    ...head('status'),
    /** false: every jail's `bannedIps` comes back empty (the console polls status, and a million addresses every 2 s cost both sides). */
    bannedIps: z.boolean(must('true or false')).optional(),
  }),
  /** The bans in force. */
  bans: z.strictObject(head('bans')),
  /** The bans in force as `bans` lists them, packed in columns (see BanColumns). */
  'ban-columns': z.strictObject({
    ...head('ban-columns'),
    /**
     * Answer in parts of this many bans (over the socket each a BanColumns line of its own; in
     * process each handed to the caller's `onPart`), the last as the result, so neither side holds
     * the whole list as one answer.
     */
    part: z
      .number(must('a whole number of bans from 1000 to 1048576'))
      .refine((n) => Number.isSafeInteger(n) && n >= 1000 && n <= 1_048_576, must('a whole number of bans from 1000 to 1048576'))
      .optional(),
  }),
  /** Bans an address or range by hand; `seconds` -1 is permanent, none is the configured bantime. */
  ban: z.strictObject({
    ...head('ban'),
    ip: ipOrRange,
    seconds: z
      .number(must('a whole number of seconds >= 1, or -1 (permanent)'))
      .refine((s) => Number.isSafeInteger(s) && (s === -1 || s >= 1), must('a whole number of seconds >= 1, or -1 (permanent)'))
      .optional(),
    jail: jailName.optional(),
    session: session.optional(),
  }),
  /** Lifts one ban (`ip`) or every ban (`all`). */
  unban: z
    .strictObject({ ...head('unban'), ip: ipOrRange.optional(), all: flag.optional() })
    .superRefine((request, ctx) => {
      if (request.ip !== undefined && request.all) ctx.addIssue({ code: 'custom', message: 'give either "ip" or "all", not both' });
      if (request.ip === undefined && !request.all) ctx.addIssue({ code: 'custom', message: 'needs "ip" or "all": true' });
    }),
  /** Adds, removes or lists trusted ranges added at run time (`note` says why, for `add`). */
  trust: z
    .strictObject({
      ...head('trust'),
      action: z.enum(TRUST_ACTIONS, must(`one of ${TRUST_ACTIONS.join(', ')}`)),
      range: ipOrRange.optional(),
      note: z.string(must('a string')).optional(),
    })
    .superRefine((request, ctx) => {
      if (request.action !== 'list' && request.range === undefined) {
        ctx.addIssue({ code: 'custom', path: ['range'], message: `is missing (needed by "trust ${request.action}")` });
      }
      if (request.action === 'list' && request.range !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['range'], message: 'is not used by "trust list"' });
      }
    }),
  /** Every configured jail with its counts. */
  jails: z.strictObject(head('jails')),
  /** Turns a jail on or off. */
  jail: z.strictObject({ ...head('jail'), name: jailName, enabled: flag }),
  /** Reads the configuration again. */
  reload: z.strictObject(head('reload')),
  /** The latest engine log entries (`limit` of them); `follow` is the client's cue to subscribe to `log`. */
  logs: z.strictObject({ ...head('logs'), follow: flag.optional(), limit: wholeAtLeast(1).optional() }),
  /**
   * The packet-filter rules: show them, write a draft (`rules` and/or `default_policy`, to the
   * overlay), apply the draft, confirm the applied set, or roll it back.
   */
  firewall: z
    .strictObject({
      ...head('firewall'),
      action: z.enum(FIREWALL_ACTIONS, must(`one of ${FIREWALL_ACTIONS.join(', ')}`)),
      force: flag.optional(),
      session: session.optional(),
      rules: z.array(firewallRule, must('a list of rule tables')).optional(),
      default_policy: z.enum(['accept', 'drop'], must('"accept" or "drop"')).optional(),
    })
    .superRefine((request, ctx) => {
      for (const field of ['rules', 'default_policy'] as const) {
        if (request.action !== 'draft' && request[field] !== undefined) {
          ctx.addIssue({ code: 'custom', path: [field], message: `is only used by "firewall draft", not "firewall ${request.action}"` });
        }
      }
      if (request.action === 'draft' && request.rules === undefined && request.default_policy === undefined) {
        ctx.addIssue({ code: 'custom', message: '"draft" needs "rules", "default_policy" or both' });
      }
    }),
  /** Failures and bans per minute over the last hour, the top addresses and jails. */
  activity: z.strictObject(head('activity')),
  /** The configuration in force, with where each jail comes from and the filters available. */
  config: z.strictObject(head('config')),
  /** Changes `[settings]` (in the overlay file) and reloads. */
  settings: z.strictObject({ ...head('settings'), patch: settingsPatch }),
  /** Adds a jail (to the overlay file) and reloads. */
  'jail-add': z.strictObject({
    ...head('jail-add'),
    name: jailName,
    filter: jailFilter,
    logpath: z.array(z.string(must('a log file path')).min(1, must('a log file path')), must('a list of log file paths')).min(1, must('a list of at least one log file')),
    maxretry: wholeAtLeast(FIELD_MINIMUM.maxretry, `an integer >= ${FIELD_MINIMUM.maxretry}`).optional(),
    findtime: duration().optional(),
    bantime: duration(true).optional(),
    actions: z.array(z.enum(ACTION_NAMES, must(`one of ${ACTION_NAMES.join(', ')}`)), must('a list of actions')).optional(),
    enabled: flag.optional(),
  }),
  /** Removes a jail that was added at run time (only in the overlay file). */
  'jail-remove': z.strictObject({ ...head('jail-remove'), name: jailName }),
  /** Runs a filter (by name, by text, or a jail's) over given lines or the end of a jail's log. */
  'filter-test': z
    .strictObject({
      ...head('filter-test'),
      filter: filterName.optional(),
      text: text('filter text', MAX_FILTER_TEXT).optional(),
      lines: z.array(z.string(must('a log line')), must('a list of log lines')).max(MAX_TEST_LINES, must(`a list of at most ${MAX_TEST_LINES} lines`)).optional(),
      jail: jailName.optional(),
      tail: z.number(must(`a whole number 1-${MAX_TEST_LINES}`)).refine((n) => Number.isSafeInteger(n) && n >= 1 && n <= MAX_TEST_LINES, must(`a whole number 1-${MAX_TEST_LINES}`)).optional(),
    })
    .superRefine((request, ctx) => {
      if (request.filter !== undefined && request.text !== undefined) ctx.addIssue({ code: 'custom', message: 'give either "filter" or "text", not both' });
      if (request.filter === undefined && request.text === undefined && request.jail === undefined) {
        ctx.addIssue({ code: 'custom', message: 'needs "filter", "text" or "jail"' });
      }
      if (request.lines === undefined && request.jail === undefined) ctx.addIssue({ code: 'custom', message: 'needs "lines", or "jail" to read the end of its log' });
      if (request.tail !== undefined && request.lines !== undefined) ctx.addIssue({ code: 'custom', path: ['tail'], message: 'is only used when reading a jail\'s log, not with "lines"' });
    }),
  /** Saves a filter to the user's filter.d (after it compiles). */
  'filter-save': z.strictObject({ ...head('filter-save'), name: filterName, text: text('filter text', MAX_FILTER_TEXT) }),
  /** A filter's file and text. */
  'filter-show': z.strictObject({ ...head('filter-show'), name: filterName }),
  /** The filters a jail can use: the user's, the shipped ones, and fail2ban's stock filter.d when there. */
  'filter-list': z.strictObject(head('filter-list')),
  /** Whether an address is banned, why, and its past bans. */
  why: z.strictObject({ ...head('why'), ip: ipOrRange }),
  /** The configured blocklists: entries, last refresh, last error, packets dropped. */
  blocklists: z.strictObject(head('blocklists')),
  /** Downloads one blocklist (`name`) or all now, and loads each good one into the kernel. */
  'blocklist-update': z.strictObject({
    ...head('blocklist-update'),
    name: z.string(must('a blocklist name')).regex(BLOCKLIST_NAME, must('a blocklist name (1-16 of a-z, 0-9, "_" and "-", starting with a letter)')).optional(),
  }),
  /** Starts pushing events to this connection; only the named ones if `events` is given. */
  subscribe: z.strictObject({
    ...head('subscribe'),
    events: z.array(z.string(must('an event name')), must('a list of event names')).optional(),
  }),
  /** Stops pushing events to this connection. */
  unsubscribe: z.strictObject(head('unsubscribe')),
  /**
   * Makes this connection read-only for as long as it lasts (there is no way back): the daemon
   * refuses every command that would change state. What `--read-only` attaches with.
   */
  'read-only': z.strictObject(head('read-only')),
};
