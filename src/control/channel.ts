import type { AnswerInParts } from './answer-in-parts.js';
import type { EventMap, EventName } from './events.js';
import type { CommandInput, CommandResults, HandledCommandName, RequestOf } from './protocol.js';

/**
 * The daemon's side of the protocol: exactly one async handler per command, typed so that no
 * command can be left unbound. A handler throws to answer with an error; the message is what the
 * operator reads. `subscribe` and `unsubscribe` are not here: the server keeps them per connection.
 */
export type CommandHandlers = {
  [C in HandledCommandName]: (request: RequestOf<C>) => Promise<CommandResults[C] | AnswerInParts<CommandResults[C]>>;
};

/**
 * Receives pushed events: `ban`, `unban`, `failure`, `log`, ... and `dropped` ({count}) after a
 * gap. The data's type follows the name: `if (event === 'log') data.message` needs no cast.
 */
export type EventListener = (...args: { [E in EventName]: [event: E, data: EventMap[E]] }[EventName]) => void;

/** How a request is answered. */
export interface RequestOptions<C extends HandledCommandName> {
  /**
   * Called with each part of an answer sent in parts (`ban-columns` with `part`), before the
   * promise resolves with the last.
   */
  onPart?: (part: CommandResults[C]) => void;
}

/**
 * The one typed command/event interface the console and the command line use, whether the
 * engine runs in the same process ({@link InProcessControl}) or in a daemon ({@link ControlClient}).
 */
export interface ControlChannel {
  /** Runs a command; rejects with the daemon's error message when it answers with an error. */
  request<C extends HandledCommandName>(command: { command: C } & CommandInput<C>, options?: RequestOptions<C>): Promise<CommandResults[C]>;
  /** Starts delivering events (only the named ones if `events` is given); resolves once they flow. */
  subscribe(onEvent: EventListener, events?: string[]): Promise<void>;
  /** Stops delivering events. */
  unsubscribe(): Promise<void>;
  close(): Promise<void>;
}
