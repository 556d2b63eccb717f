import { z } from 'zod';
import { isIpOrCidr, JAIL_NAME } from '../config/index.js';
import type { JailStatus } from '../engine/engine.js';
import type { LogEntry } from '../engine/engine-log.js';
import type { TrustedRange } from '../engine/trusted.js';
import type { BanRecord } from '../engine/types.js';

// The control socket speaks newline-delimited JSON: one request per line from the client, one
// response per request (same id, in any order) and, once subscribed, pushed events without an id.

/** Longest request line the daemon reads (bytes, newline excluded); a longer one ends the connection. */
export const MAX_REQUEST_BYTES = 1024 * 1024;

/**
 * Longest response or event line a client reads. Far above any real answer (20,000 bans with
 * their matched lines fit) and only there so a confused peer cannot exhaust the client's memory.
 */
export const MAX_RESPONSE_BYTES = 256 * 1024 * 1024;

/** The event the server sends in place of events it dropped for a subscriber that read too slowly. */
export const DROPPED_EVENT = 'dropped';

const FIREWALL_ACTIONS = ['show', 'apply', 'confirm', 'rollback'] as const;
const TRUST_ACTIONS = ['add', 'rm', 'list'] as const;

/** A short JSON rendering of a bad value for an error message. */
function shown(value: unknown): string {
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

function head<N extends string>(name: N) {
  return { id: z.number(), command: z.literal(name) };
}

/** One strict schema per command: unknown fields are refused, so a misspelt option is not ignored. */
const REQUEST_SCHEMAS = {
  /** Jails with failure and ban counts, the firewall backend, uptime. */
  status: z.strictObject(head('status')),
  /** The bans in force. */
  bans: z.strictObject(head('bans')),
  /** Bans an address or range by hand; `seconds` -1 is permanent, none is the configured bantime. */
  ban: z.strictObject({
    ...head('ban'),
    ip: ipOrRange,
    seconds: z
      .number(must('a whole number of seconds >= 1, or -1 (permanent)'))
      .refine((s) => Number.isSafeInteger(s) && (s === -1 || s >= 1), must('a whole number of seconds >= 1, or -1 (permanent)'))
      .optional(),
    jail: jailName.optional(),
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
  logs: z.strictObject({
    ...head('logs'),
    follow: flag.optional(),
    limit: z
      .number(must('a whole number >= 1'))
      .refine((n) => Number.isSafeInteger(n) && n >= 1, must('a whole number >= 1'))
      .optional(),
  }),
  /** The packet-filter rules: show them, apply the draft, confirm the applied set, or roll it back. */
  firewall: z.strictObject({
    ...head('firewall'),
    action: z.enum(FIREWALL_ACTIONS, must(`one of ${FIREWALL_ACTIONS.join(', ')}`)),
    force: flag.optional(),
  }),
  /** Starts pushing events to this connection; only the named ones if `events` is given. */
  subscribe: z.strictObject({
    ...head('subscribe'),
    events: z.array(z.string(must('an event name')), must('a list of event names')).optional(),
  }),
  /** Stops pushing events to this connection. */
  unsubscribe: z.strictObject(head('unsubscribe')),
};

type Schemas = typeof REQUEST_SCHEMAS;

/** Every command name, in the order the protocol lists them. */
export type CommandName = keyof Schemas;

/** The request of one command, id included. */
export type RequestOf<C extends CommandName> = z.infer<Schemas[C]>;

/** Any request: a union discriminated on `command`. */
export type Request = { [C in CommandName]: RequestOf<C> }[CommandName];

/** The commands the daemon's handlers answer; subscriptions belong to the connection, so the server keeps them. */
export type HandledCommandName = Exclude<CommandName, 'subscribe' | 'unsubscribe'>;

/** A request without its id, as a caller writes it: `{ command: 'ban', ip: '192.0.2.1' }`. */
export type CommandInput<C extends CommandName> = C extends CommandName ? Omit<RequestOf<C>, 'id'> : never;

/** Every command name, for messages and tests. */
export const COMMAND_NAMES = Object.keys(REQUEST_SCHEMAS) as CommandName[];

/** `status`: what the console header and `portcullis status` show. */
export interface StatusResult {
  uptimeMs: number;
  /** The firewall backend in use (`nftables`, `iptables`, `dry-run`). */
  backend: string;
  jails: JailStatus[];
  /** Addresses banned now. */
  banned: number;
  /** E-mail notices: queued, sent and suppressed in the last hour, the last error; null when off. */
  mail: { queued: number; sentLastHour: number; suppressedLastHour: number; lastError: string | null; failing: boolean } | null;
}

/** `trust`: what each action gives back. */
export type TrustResult =
  | { action: 'add'; range: string; /** Bans lifted because the range now covers them. */ unbanned: string[] }
  | { action: 'rm'; range: string; /** False when the range was not trusted at run time. */ removed: boolean }
  | { action: 'list'; ranges: TrustedRange[] };

/** `firewall`: a line for the operator, plus the action's details (rule sets, pending apply). */
export interface FirewallResult {
  action: (typeof FIREWALL_ACTIONS)[number];
  message: string;
  data?: unknown;
}

/** What each command answers with (as JSON: epoch-ms numbers, never Date objects). */
export interface CommandResults {
  status: StatusResult;
  bans: BanRecord[];
  ban: BanRecord;
  /** How many bans were lifted (0 or 1 for one address). */
  unban: { unbanned: number };
  trust: TrustResult;
  jails: JailStatus[];
  jail: { name: string; enabled: boolean };
  reload: { message: string };
  logs: LogEntry[];
  firewall: FirewallResult;
  subscribe: { subscribed: true; events: string[] | null };
  unsubscribe: { subscribed: false };
}

/** The answer to one request; `id` is null only when the request's own id could not be read. */
export type Response = { id: number | null; ok: true; result: unknown } | { id: number | null; ok: false; error: string };

/** Something the daemon pushes to subscribers: a ban, an unban, a failure, a log line, ... */
export interface EventMessage {
  event: string;
  data: unknown;
}

/** Any line the daemon writes. */
export type ServerMessage = Response | EventMessage;

/** A request that could not be used: why, and its id when one could be read (so the answer finds its caller). */
export interface RequestError {
  error: string;
  id: number | null;
}

/** True for what {@link parseRequest} returns on a bad request. */
export function isRequestError(value: Request | RequestError): value is RequestError {
  return 'error' in value;
}

/** Reads one request line; a bad one gives an error naming the field at fault. */
export function parseRequest(line: string): Request | RequestError {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (err) {
    return { error: `invalid JSON: ${(err as Error).message}`, id: null };
  }
  return validateRequest(value);
}

/** Checks an already-decoded request (what {@link parseRequest} does after `JSON.parse`). */
export function validateRequest(value: unknown): Request | RequestError {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { error: `a request must be a JSON object, got ${shown(value)}`, id: null };
  }
  const fields = value as Record<string, unknown>;
  const id = fields['id'];
  if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 0) {
    return { error: `"id" ${id === undefined ? 'is missing' : `must be a whole number >= 0, got ${shown(id)}`}`, id: null };
  }
  const command = fields['command'];
  if (typeof command !== 'string') {
    return { error: `"command" ${command === undefined ? 'is missing' : `must be a string, got ${shown(command)}`}`, id };
  }
  if (!Object.hasOwn(REQUEST_SCHEMAS, command)) {
    return { error: `unknown command ${shown(command)} (known: ${COMMAND_NAMES.join(', ')})`, id };
  }
  const parsed = REQUEST_SCHEMAS[command as CommandName].safeParse(value);
  if (parsed.success) return parsed.data as Request;
  return { error: `${command}: ${parsed.error.issues.map(describeIssue).join('; ')}`, id };
}

function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => `unknown field ${shown(key)}`).join('; ');
  }
  if (issue.path.length === 0) return issue.message;
  const field = issue.path.map((part, i) => (typeof part === 'number' ? `[${part}]` : i === 0 ? part.toString() : `.${part.toString()}`)).join('');
  return `"${field}" ${issue.message}`;
}

/** Reads one line from the daemon (client side); anything that is neither a response nor an event is an error. */
export function parseServerMessage(line: string): ServerMessage | { error: string } {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (err) {
    return { error: `invalid JSON from the daemon: ${(err as Error).message}` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { error: `unexpected line from the daemon: ${shown(value)}` };
  const message = value as Record<string, unknown>;
  if (typeof message['event'] === 'string' && !('id' in message)) return { event: message['event'], data: message['data'] };
  const id = message['id'];
  if (id !== null && !(typeof id === 'number' && Number.isSafeInteger(id))) return { error: `unexpected line from the daemon: ${shown(value)}` };
  if (message['ok'] === true) return { id, ok: true, result: message['result'] };
  if (message['ok'] === false && typeof message['error'] === 'string') return { id, ok: false, error: message['error'] };
  return { error: `unexpected line from the daemon: ${shown(value)}` };
}

/** A response or event as one line, newline included. */
export function encodeMessage(message: ServerMessage | Request): string {
  return `${JSON.stringify(message)}\n`;
}
