import type { Socket } from 'node:net';
import { LineSplitter } from './line-splitter.js';
import { DROPPED_EVENT, encodeMessage, parseRequest, type Request, type RequestError, type Response } from './protocol.js';

/** Limits of one connection, from the server's options. */
export interface ConnectionLimits {
  maxRequestBytes: number;
  /** Events held for a subscriber that reads slowly, at most. */
  maxQueuedEvents: number;
  /** ... and at most this many characters of them. */
  maxQueuedChars: number;
}

/**
 * One client of the control server, as the server sees it: reads its requests line by line,
 * writes the answers, and holds its subscription. Events for a subscriber that does not keep up
 * wait in a bounded queue; when it overflows the oldest go, and the subscriber is told how many
 * in one `dropped` event, so a stuck console never grows the daemon's memory.
 */
export class ClientConnection {
  private readonly splitter: LineSplitter;
  private subscribed = false;
  private eventFilter: Set<string> | null = null;
  private readonly queue: string[] = [];
  private queuedChars = 0;
  private dropped = 0;
  private closing = false;
  private readOnlyMode = false;

  constructor(
    private readonly socket: Socket,
    private readonly limits: ConnectionLimits,
    private readonly onRequest: (connection: ClientConnection, request: Request) => void,
  ) {
    this.splitter = new LineSplitter(limits.maxRequestBytes);
    socket.on('data', (chunk: Buffer) => this.read(chunk));
    socket.on('drain', () => this.drained());
    // A client that vanishes mid-answer (EPIPE, ECONNRESET) only ends its own connection.
    socket.on('error', () => socket.destroy());
  }

  /** Sends one answer; answers are never dropped. */
  respond(response: Response): void {
    let line: string;
    try {
      line = encodeMessage(response);
    } catch (err) {
      line = encodeMessage({ id: response.id, ok: false, error: `the answer could not be encoded as JSON: ${(err as Error).message}` });
    }
    this.write(line);
  }

  /**
   * Sends one part of an answer in parts (see AnswerInParts) and waits until the socket has taken
   * it; false once the client is gone.
   */
  async respondPart(id: number, part: unknown): Promise<boolean> {
    this.write(encodeMessage({ id, ok: true, part }));
    if (this.socket.writableNeedDrain) await this.drainedOrClosed();
    return this.socket.writable;
  }

  private drainedOrClosed(): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        this.socket.off('drain', done);
        this.socket.off('close', done);
        resolve();
      };
      this.socket.on('drain', done);
      this.socket.on('close', done);
    });
  }

  /** Starts pushing events (all, or the named ones); the caller has already sent the answer. */
  subscribe(events: string[] | undefined): void {
    this.subscribed = true;
    this.eventFilter = events ? new Set(events) : null;
  }

  /** Stops pushing events; those still waiting are discarded. */
  unsubscribe(): void {
    this.subscribed = false;
    this.eventFilter = null;
    this.queue.length = 0;
    this.queuedChars = 0;
    this.dropped = 0;
  }

  /** From now on the server refuses this client every command that changes state; there is no way back. */
  makeReadOnly(): void {
    this.readOnlyMode = true;
  }

  get readOnly(): boolean {
    return this.readOnlyMode;
  }

  get isSubscribed(): boolean {
    return this.subscribed;
  }

  /** Events waiting for this subscriber to read. */
  get queuedEvents(): number {
    return this.queue.length;
  }

  /** Offers an event, already encoded as one line; kept only if this client subscribed to it. */
  pushEvent(event: string, line: string): void {
    if (!this.subscribed || !this.socket.writable) return;
    if (this.eventFilter && !this.eventFilter.has(event)) return;
    if (this.queue.length === 0 && this.dropped === 0 && !this.socket.writableNeedDrain) {
      this.socket.write(line);
      return;
    }
    this.queue.push(line);
    this.queuedChars += line.length;
    while (this.queue.length > this.limits.maxQueuedEvents || (this.queuedChars > this.limits.maxQueuedChars && this.queue.length > 1)) {
      this.queuedChars -= this.queue.shift()!.length;
      this.dropped++;
    }
  }

  /** Ends the connection at once. */
  destroy(): void {
    this.socket.destroy();
  }

  private read(chunk: Buffer): void {
    if (this.closing) return;
    const { lines, overflow } = this.splitter.push(chunk);
    for (const line of lines) {
      if (line.trim() === '') continue;
      const request = parseRequest(line);
      if ('error' in request) this.refuse(request);
      else this.onRequest(this, request);
    }
    if (overflow) {
      this.closing = true;
      this.subscribed = false;
      const error = `request line longer than ${this.limits.maxRequestBytes} bytes: closing the connection`;
      const line = encodeMessage({ id: null, ok: false, error });
      this.socket.pause();
      if (this.socket.writable) this.socket.end(line, () => this.socket.destroy());
      else this.socket.destroy();
    }
  }

  private refuse(problem: RequestError): void {
    this.respond({ id: problem.id, ok: false, error: problem.error });
  }

  private write(line: string): void {
    if (!this.socket.writable) return;
    // A client that sends requests but does not read the answers stops being read until it does.
    if (!this.socket.write(line)) this.socket.pause();
  }

  private drained(): void {
    while (!this.socket.writableNeedDrain && (this.dropped > 0 || this.queue.length > 0)) {
      if (this.dropped > 0) {
        this.socket.write(encodeMessage({ event: DROPPED_EVENT, data: { count: this.dropped } }));
        this.dropped = 0;
        continue;
      }
      const line = this.queue.shift()!;
      this.queuedChars -= line.length;
      this.socket.write(line);
    }
    if (!this.closing && !this.socket.writableNeedDrain && this.socket.writable && this.socket.isPaused()) this.socket.resume();
  }
}
