import { AnswerInParts } from './answer-in-parts.js';
import type { CommandHandlers, ControlChannel, EventListener, RequestOptions } from './channel.js';
import { validateRequest, type CommandInput, type CommandResults, type HandledCommandName, type Request } from './protocol.js';
import { changesState, readOnlyRefusal } from './read-only.js';

/** How an {@link InProcessControl} serves its caller. */
export interface InProcessOptions {
  /** Refuse every command that changes state, as the daemon does for a read-only connection. */
  readOnly?: boolean;
}

/**
 * The control interface without a socket, for the console when it runs the engine itself: the
 * same handlers, the same request checks and the same error messages as over the daemon's
 * socket. Results are passed by reference, not copied through JSON.
 */
export class InProcessControl implements ControlChannel {
  private nextId = 1;
  private readonly listeners = new Map<EventListener, Set<string> | null>();
  private current: EventListener | null = null;
  private closed = false;

  private readonly readOnly: boolean;

  constructor(
    private readonly handlers: CommandHandlers,
    options: InProcessOptions = {},
  ) {
    this.readOnly = options.readOnly ?? false;
  }

  async request<C extends HandledCommandName>(command: { command: C } & CommandInput<C>, options: RequestOptions<C> = {}): Promise<CommandResults[C]> {
    if (this.closed) throw new Error('the control channel is closed');
    const checked = validateRequest({ ...command, id: this.nextId++ });
    if ('error' in checked) throw new Error(checked.error);
    if (checked.command === 'subscribe' || checked.command === 'unsubscribe' || checked.command === 'read-only') {
      throw new Error(`"${checked.command}" belongs to the connection: use ${checked.command === 'read-only' ? 'the readOnly option' : `${checked.command}()`}`);
    }
    if (this.readOnly && changesState(checked)) throw new Error(readOnlyRefusal(checked));
    const handler = this.handlers[checked.command] as (request: Request) => Promise<unknown>;
    const result = await handler.call(this.handlers, checked);
    if (!(result instanceof AnswerInParts)) return result as CommandResults[C];
    return (await result.deliver((part) => options.onPart?.(part as CommandResults[C]))) as CommandResults[C];
  }

  async subscribe(onEvent: EventListener, events?: string[]): Promise<void> {
    if (this.current) this.listeners.delete(this.current);
    this.current = onEvent;
    this.listeners.set(onEvent, events ? new Set(events) : null);
  }

  async unsubscribe(): Promise<void> {
    if (this.current) this.listeners.delete(this.current);
    this.current = null;
  }

  /** Delivers an event to the subscriber, as ControlServer.broadcast does to its clients. */
  broadcast(event: string, data: unknown): void {
    for (const [listener, filter] of this.listeners) {
      if (!filter || filter.has(event)) (listener as (event: string, data: unknown) => void)(event, data);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.listeners.clear();
    this.current = null;
  }
}
