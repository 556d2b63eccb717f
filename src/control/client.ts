import type { Socket } from 'node:net';
import type { ControlChannel, EventListener, RequestOptions } from './channel.js';
import { LineSplitter } from './line-splitter.js';
import { MAX_REQUEST_BYTES, MAX_RESPONSE_BYTES, parseServerMessage, type CommandInput, type CommandResults, type HandledCommandName } from './protocol.js';
import { isNotListening, openSocket, probeSocket } from './socket-errors.js';

/** The daemon answered a request with an error; the message is the daemon's, for the operator. */
export class ControlRequestError extends Error {
  override readonly name = 'ControlRequestError';

  constructor(
    message: string,
    /** The command that failed, or null when the daemon could not tell which. */
    readonly command: string | null,
  ) {
    super(message);
  }
}

interface PendingRequest {
  command: string;
  resolve: (result: unknown) => void;
  reject: (error: Error) => void;
  /** Each part of an answer sent in parts, before the result (the last). */
  onPart?: ((part: unknown) => void) | undefined;
}

/**
 * True when a portcullis daemon accepts connections on the socket, false when nothing listens
 * there (no file, or a stale one). Throws a ControlConnectError when one runs but this user may
 * not connect: the console must then not start an engine of its own next to it.
 */
export function daemonAnswers(socketPath: string, timeoutMs = 1000): Promise<boolean> {
  return probeSocket(socketPath, timeoutMs);
}

/** How a {@link ControlClient} connects. */
export interface ConnectOptions {
  /**
   * Ask the daemon to make this connection read-only before anything else is sent: from then on
   * it refuses every command that changes state, whatever this process asks.
   */
  readOnly?: boolean;
}

/** A client of the daemon, or null when nothing listens on the socket (one connect, not a probe and a second one). */
export async function connectIfListening(socketPath: string, timeoutMs = 1000, options: ConnectOptions = {}): Promise<ControlClient | null> {
  try {
    return await ControlClient.connect(socketPath, timeoutMs, options);
  } catch (err) {
    if (isNotListening(err)) return null;
    throw err;
  }
}

/**
 * A connection to the daemon's control socket: requests with ids (answers may come in any
 * order), errors as rejected promises with the daemon's message, and a subscription to events.
 */
export class ControlClient implements ControlChannel {
  private nextId = 1;
  private readonly pending = new Map<number, PendingRequest>();
  private readonly splitter = new LineSplitter(MAX_RESPONSE_BYTES);
  private listener: EventListener | null = null;
  private readonly closeListeners = new Set<(error: Error | null) => void>();
  /** Why the connection ended; set once it has. */
  private ended: Error | null = null;
  /** The error that ends the connection, when it is ours or the daemon's rather than a plain close. */
  private failure: Error | null = null;
  private closedByUs = false;

  private constructor(
    private readonly socket: Socket,
    readonly socketPath: string,
  ) {
    socket.on('data', (chunk: Buffer) => this.read(chunk));
    socket.on('error', (err) => {
      this.failure ??= new Error(`connection to the portcullis daemon on ${socketPath} failed: ${err.message}`);
    });
    socket.on('close', () => this.closed());
  }

  /**
   * Connects to the daemon. Fails with a ControlConnectError whose message says what to do:
   * "no portcullis daemon is listening on <path>", "permission denied on <path>: ...".
   */
  static async connect(socketPath: string, timeoutMs = 5000, options: ConnectOptions = {}): Promise<ControlClient> {
    const client = new ControlClient(await openSocket(socketPath, timeoutMs), socketPath);
    if (options.readOnly) {
      try {
        await client.send({ command: 'read-only' });
      } catch (err) {
        client.socket.destroy();
        throw err;
      }
    }
    return client;
  }

  /** Runs a command on the daemon: `request({ command: 'ban', ip: '192.0.2.7', seconds: 600 })`. */
  request<C extends HandledCommandName>(command: { command: C } & CommandInput<C>, options: RequestOptions<C> = {}): Promise<CommandResults[C]> {
    return this.send(command, options.onPart as ((part: unknown) => void) | undefined) as Promise<CommandResults[C]>;
  }

  /** Delivers the daemon's events to `onEvent` from now on (only the named ones if `events` is given). */
  async subscribe(onEvent: EventListener, events?: string[]): Promise<void> {
    this.listener = onEvent;
    try {
      await this.send({ command: 'subscribe', ...(events ? { events } : {}) });
    } catch (err) {
      if (this.listener === onEvent) this.listener = null;
      throw err;
    }
  }

  /** Stops the events; none reaches the listener after this call. */
  async unsubscribe(): Promise<void> {
    this.listener = null;
    await this.send({ command: 'unsubscribe' });
  }

  /** Called once when the connection ends: with null after close(), with the reason otherwise. */
  onClose(listener: (error: Error | null) => void): () => void {
    this.closeListeners.add(listener);
    return () => this.closeListeners.delete(listener);
  }

  /** True once the connection has ended. */
  get isClosed(): boolean {
    return this.ended !== null;
  }

  /** Hangs up; requests still waiting are rejected. */
  close(): Promise<void> {
    if (this.ended) return Promise.resolve();
    this.closedByUs = true;
    return new Promise((resolve) => {
      this.socket.once('close', () => resolve());
      this.socket.end();
      // A daemon that does not hang up in turn is not waited for.
      setTimeout(() => this.socket.destroy(), 1000).unref();
    });
  }

  private send(body: { command: string }, onPart?: (part: unknown) => void): Promise<unknown> {
    if (this.ended) return Promise.reject(this.ended);
    const id = this.nextId++;
    const line = JSON.stringify({ ...body, id });
    // The daemon would hang up on it, failing every other request on this connection too.
    if (Buffer.byteLength(line) > MAX_REQUEST_BYTES) {
      return Promise.reject(new ControlRequestError(`${body.command}: request longer than ${MAX_REQUEST_BYTES} bytes, not sent`, body.command));
    }
    return new Promise((resolve, reject) => {
      this.pending.set(id, { command: body.command, resolve, reject, onPart });
      this.socket.write(`${line}\n`);
    });
  }

  private read(chunk: Buffer): void {
    const { lines, overflow } = this.splitter.push(chunk);
    for (const line of lines) {
      if (line.trim() !== '') this.receive(line);
    }
    if (overflow) {
      this.failure ??= new Error(`the portcullis daemon sent a line longer than ${MAX_RESPONSE_BYTES} bytes`);
      this.socket.destroy();
    }
  }

  private receive(line: string): void {
    const message = parseServerMessage(line);
    if ('event' in message) {
      (this.listener as ((event: string, data: unknown) => void) | null)?.(message.event, message.data);
      return;
    }
    if ('error' in message && !('ok' in message)) {
      this.failure ??= new Error(message.error);
      this.socket.destroy();
      return;
    }
    if (message.id === null) {
      // The daemon could not read a request of ours at all: no answer will come for any of them.
      const error = new ControlRequestError(message.ok ? 'unexpected answer without an id' : message.error, null);
      this.failure ??= error;
      this.rejectAll(error);
      return;
    }
    const waiting = this.pending.get(message.id);
    if (!waiting) return;
    if ('part' in message) {
      waiting.onPart?.(message.part);
      return;
    }
    this.pending.delete(message.id);
    if (message.ok) waiting.resolve(message.result);
    else waiting.reject(new ControlRequestError(message.error, waiting.command));
  }

  private closed(): void {
    const reason = this.failure ?? (this.closedByUs ? null : new Error(`the portcullis daemon on ${this.socketPath} closed the connection`));
    this.ended = reason ?? new Error(`the connection to the portcullis daemon on ${this.socketPath} was closed`);
    this.listener = null;
    this.rejectAll(this.ended);
    for (const listener of this.closeListeners) listener(reason);
    this.closeListeners.clear();
  }

  private rejectAll(error: Error): void {
    const waiting = [...this.pending.values()];
    this.pending.clear();
    for (const request of waiting) request.reject(error);
  }
}
