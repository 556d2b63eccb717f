/**
 * The control socket: the typed command/event protocol, the daemon's server and the client the
 * console and command line use to reach it (or the in-process channel when no daemon runs).
 */
export {
  COMMAND_NAMES,
  DROPPED_EVENT,
  FILTER_NAME,
  FIREWALL_ACTIONS,
  MAX_FILTER_TEXT,
  MAX_TEST_LINES,
  MAX_REQUEST_BYTES,
  MAX_RESPONSE_BYTES,
  encodeMessage,
  isRequestError,
  parseRequest,
  parseServerMessage,
  validateRequest,
} from './protocol.js';
export type {
  ActivityResult,
  BlocklistInfo,
  BlocklistSummary,
  CommandInput,
  CommandName,
  CommandResults,
  ConnectionCommandName,
  ConfigJail,
  ConfigResult,
  EventMessage,
  FilterChoice,
  FilterInfo,
  FilterListResult,
  FilterTestLine,
  FilterTestResult,
  FirewallApplied,
  FirewallResult,
  FirewallShow,
  HandledCommandName,
  Request,
  RequestError,
  RequestOf,
  Response,
  ServerMessage,
  StatusResult,
  TrustResult,
  WhyResult,
} from './protocol.js';
export type { CommandHandlers, ControlChannel, EventListener } from './channel.js';
export { ControlServer } from './server.js';
export type { ControlServerOptions, ControlServerStats } from './server.js';
export { connectIfListening, ControlClient, ControlRequestError, daemonAnswers } from './client.js';
export type { ConnectOptions } from './client.js';
export { changesState } from './read-only.js';
export { defaultPeerPolicy } from './peer-credentials.js';
export type { PeerPolicy, PeerVerdict } from './peer-credentials.js';
export { resolveSocketGroup } from './socket-group.js';
export { ControlConnectError, connectError } from './socket-errors.js';
export { InProcessControl } from './in-process.js';
export { AnswerInParts } from './answer-in-parts.js';
export { isUnknownRequest } from './unknown-request.js';
export { banColumnsAnswer, eachPackedBan, packBanColumns, packedParts, packEachBan, PackedBanCursor, unpackBanColumns, type BanColumns, type PackedBan } from './ban-columns.js';
export type { InProcessOptions } from './in-process.js';
export { engineEvent, type ConfigEventData, type EventMap, type EventName, type FirewallEventData, type ServiceEvent } from './events.js';
