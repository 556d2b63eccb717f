/**
 * The control socket: the typed command/event protocol, the daemon's server and the client the
 * console and command line use to reach it (or the in-process channel when no daemon runs).
 */
export {
  COMMAND_NAMES,
  DROPPED_EVENT,
  MAX_REQUEST_BYTES,
  MAX_RESPONSE_BYTES,
  encodeMessage,
  isRequestError,
  parseRequest,
  parseServerMessage,
  validateRequest,
} from './protocol.js';
export type {
  CommandInput,
  CommandName,
  CommandResults,
  EventMessage,
  FirewallResult,
  HandledCommandName,
  Request,
  RequestError,
  RequestOf,
  Response,
  ServerMessage,
  StatusResult,
  TrustResult,
} from './protocol.js';
export type { CommandHandlers, ControlChannel, EventListener } from './channel.js';
export { ControlServer } from './server.js';
export type { ControlServerOptions, ControlServerStats } from './server.js';
export { connectIfListening, ControlClient, ControlRequestError, daemonAnswers } from './client.js';
export { ControlConnectError, connectError } from './socket-errors.js';
export { InProcessControl } from './in-process.js';
