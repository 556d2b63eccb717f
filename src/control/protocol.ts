import type { z } from 'zod';
import { REQUEST_SCHEMAS, shown } from './protocol-schemas.js';

export { FILTER_NAME, FIREWALL_ACTIONS, MAX_FILTER_TEXT, MAX_TEST_LINES } from './protocol-schemas.js';
export type * from './protocol-results.js';

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

type Schemas = typeof REQUEST_SCHEMAS;

/** Every command name, in the order the protocol lists them. */
export type CommandName = keyof Schemas;

/** The request of one command, id included. */
export type RequestOf<C extends CommandName> = z.infer<Schemas[C]>;

/** Any request: a union discriminated on `command`. */
export type Request = { [C in CommandName]: RequestOf<C> }[CommandName];

/** The commands the daemon's handlers answer; subscriptions and read-only mode belong to the connection, so the server keeps them. */
export type HandledCommandName = Exclude<CommandName, ConnectionCommandName>;

/** The commands about the connection itself, which the server (or the in-process channel) answers. */
export type ConnectionCommandName = 'subscribe' | 'unsubscribe' | 'read-only';

/** A request without its id, as a caller writes it: `{ command: 'ban', ip: '192.0.2.1' }`. */
export type CommandInput<C extends CommandName> = C extends CommandName ? Omit<RequestOf<C>, 'id'> : never;

/** Every command name, for messages and tests. */
export const COMMAND_NAMES = Object.keys(REQUEST_SCHEMAS) as CommandName[];

/** The answer to one request; `id` is null only when the request's own id could not be read. */
export type Response = { id: number | null; ok: true; result: unknown } | { id: number | null; ok: false; error: string };

/** One part of an answer sent in parts (`ban-columns` with `part`): the parts, then the Response with the last. */
export interface ResponsePart {
  id: number;
  ok: true;
  part: unknown;
}

/** Something the daemon pushes to subscribers: a ban, an unban, a failure, a log line, ... */
export interface EventMessage {
  event: string;
  data: unknown;
}

/** Any line the daemon writes. */
export type ServerMessage = Response | ResponsePart | EventMessage;

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
  const field = (path: readonly PropertyKey[]): string =>
    path.map((part, i) => (typeof part === 'number' ? `[${part}]` : i === 0 ? part.toString() : `.${part.toString()}`)).join('');
  if (issue.code === 'unrecognized_keys') {
    // Nested keys (a settings patch, a firewall rule) are named by their whole path.
    return issue.keys.map((key) => `unknown field ${shown(field([...issue.path, key]))}`).join('; ');
  }
  if (issue.path.length === 0) return issue.message;
  return `"${field(issue.path)}" ${issue.message}`;
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
  if (message['ok'] === true && 'part' in message && id !== null) return { id, ok: true, part: message['part'] };
  if (message['ok'] === true) return { id, ok: true, result: message['result'] };
  if (message['ok'] === false && typeof message['error'] === 'string') return { id, ok: false, error: message['error'] };
  return { error: `unexpected line from the daemon: ${shown(value)}` };
}

/** A response or event as one line, newline included. */
export function encodeMessage(message: ServerMessage | Request): string {
  return `${JSON.stringify(message)}\n`;
}
