import { chmodSync, chownSync, existsSync, linkSync, lstatSync, mkdirSync, renameSync, unlinkSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { dirname, join } from 'node:path';
import { AnswerInParts } from './answer-in-parts.js';
import type { CommandHandlers } from './channel.js';
import { ClientConnection, type ConnectionLimits } from './client-connection.js';
import { PeerVerifier, defaultPeerPolicy, type PeerPolicy, type SocketTableReader } from './peer-credentials.js';
import { encodeMessage, MAX_REQUEST_BYTES, type Request } from './protocol.js';
import { changesState, readOnlyRefusal } from './read-only.js';
import { probeSocket } from './socket-errors.js';

/** How a {@link ControlServer} sets up its socket and bounds its clients. */
export interface ControlServerOptions {
  /**
   * A group that may use the socket too (`[daemon] socket_group`, resolved to its gid): the
   * socket is given to that group, 0660, and its members pass the peer check.
   */
  group?: number | null;
  /** Mode of the socket file; 0600 by default (only the daemon's user may connect), 0660 with a group. */
  mode?: number;
  /** Mode of the socket's folder when the server has to create it; 0700 by default, 0750 (and the group) with a group. */
  dirMode?: number;
  /**
   * Who may talk to the server, checked on each connection from the kernel's socket table
   * (see peer-credentials.ts): root, the daemon's user and the group by default; false turns the
   * check off (the socket's mode is then the only gate).
   */
  peers?: PeerPolicy | false;
  /** Where the peer check reads the socket table (tests); `ss` by default. */
  socketTable?: SocketTableReader;
  /** Connections served at once, those being checked included; more are told so and closed. 256 by default. */
  maxConnections?: number;
  /** Told why a connection was refused (peer not allowed, too many connections), for the engine log. */
  onRefused?: (reason: string) => void;
  /** Longest request line, in bytes; {@link MAX_REQUEST_BYTES} by default. */
  maxRequestBytes?: number;
  /** Events held per slow subscriber before the oldest are dropped; 1000 by default. */
  maxQueuedEvents?: number;
  /** ... and characters of them; 4 Mi by default. */
  maxQueuedChars?: number;
}

/** Counts for the daemon's status and the tests. */
export interface ControlServerStats {
  connections: number;
  /** Connections accepted whose peer is still being checked. */
  checking: number;
  /** Connections refused so far (peer not allowed, or too many at once). */
  refused: number;
  subscribers: number;
  /** Events waiting in all subscribers' queues. */
  queuedEvents: number;
}

/**
 * The daemon's control socket: newline-delimited JSON requests answered by one handler per
 * command, and events pushed to subscribed clients. A handler that throws answers with an error;
 * nothing a client sends can stop the server.
 */
export class ControlServer {
  private server: Server | null = null;
  private readonly connections = new Set<ClientConnection>();
  /** Accepted sockets whose peer is being checked: not read until it passes. */
  private readonly checking = new Set<Socket>();
  private readonly limits: ConnectionLimits;
  private readonly mode: number;
  private readonly dirMode: number;
  private readonly group: number | null;
  private readonly verifier: PeerVerifier | null;
  private readonly maxConnections: number;
  private readonly onRefused: (reason: string) => void;
  private refused = 0;
  /** Inode of the socket this server made, so stop() never unlinks a successor's socket. */
  private socketInode: number | null = null;

  constructor(
    readonly socketPath: string,
    private readonly handlers: CommandHandlers,
    options: ControlServerOptions = {},
  ) {
    this.group = options.group ?? null;
    this.mode = options.mode ?? (this.group === null ? 0o600 : 0o660);
    this.dirMode = options.dirMode ?? (this.group === null ? 0o700 : 0o750);
    const peers = options.peers ?? defaultPeerPolicy(this.group);
    this.verifier = peers === false ? null : new PeerVerifier(peers, options.socketTable);
    this.maxConnections = options.maxConnections ?? 256;
    this.onRefused = options.onRefused ?? (() => {});
    this.limits = {
      maxRequestBytes: options.maxRequestBytes ?? MAX_REQUEST_BYTES,
      maxQueuedEvents: options.maxQueuedEvents ?? 1000,
      maxQueuedChars: options.maxQueuedChars ?? 4 * 1024 * 1024,
    };
  }

  /**
   * Creates the folder if needed, replaces a stale socket file, listens, and restricts the socket
   * to its mode. Refuses when another server answers on the path.
   */
  async start(): Promise<void> {
    if (this.server) throw new Error(`the control server is already listening on ${this.socketPath}`);
    const dir = dirname(this.socketPath);
    if (!existsSync(dir)) {
      mkdirSync(dir, { recursive: true, mode: this.dirMode });
      chmodSync(dir, this.dirMode); // mkdir's mode is cut by the umask
      if (this.group !== null) chownSync(dir, -1, this.group);
    }
    await this.removeStaleSocket();
    // Bound under a private name, restricted, then linked into place: the socket never shows at
    // its path with a wider mode, a server that won a race is not replaced (link fails), and the
    // unlink libuv does on close hits the private name, never a successor's socket at the path.
    const privatePath = join(dir, `.portcullis-${process.pid}-${++bindCount}`);
    unlinkIfSocket(privatePath);
    // Paused: nothing a client sends is read before its peer check passes.
    const server = createServer({ pauseOnConnect: true }, (socket) => this.accept(socket));
    await this.listen(server, privatePath);
    try {
      if (this.group !== null) chownSync(privatePath, -1, this.group);
      chmodSync(privatePath, this.mode);
      linkInPlace(privatePath, this.socketPath);
    } catch (err) {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new Error(`another portcullis is running on ${this.socketPath}`);
      throw err;
    } finally {
      unlinkIfSocket(privatePath);
    }
    this.socketInode = lstatSync(this.socketPath).ino;
    this.server = server;
  }

  /** Closes every connection and the socket, and removes the socket file. */
  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = null;
    for (const connection of this.connections) connection.destroy();
    this.connections.clear();
    for (const socket of this.checking) socket.destroy();
    this.checking.clear();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    try {
      if (lstatSync(this.socketPath).ino === this.socketInode) unlinkSync(this.socketPath);
    } catch {
      // Already gone.
    }
    this.socketInode = null;
  }

  /** Pushes an event to the clients subscribed to it; a slow one loses its oldest events, not memory. */
  broadcast(event: string, data: unknown): void {
    if (this.connections.size === 0) return;
    let line: string;
    try {
      line = encodeMessage({ event, data });
    } catch (err) {
      line = encodeMessage({ event, data: { error: `event could not be encoded as JSON: ${(err as Error).message}` } });
    }
    for (const connection of this.connections) connection.pushEvent(event, line);
  }

  /** True between start() and stop(). */
  get listening(): boolean {
    return this.server !== null;
  }

  stats(): ControlServerStats {
    let subscribers = 0;
    let queuedEvents = 0;
    for (const connection of this.connections) {
      if (connection.isSubscribed) subscribers++;
      queuedEvents += connection.queuedEvents;
    }
    return { connections: this.connections.size, checking: this.checking.size, refused: this.refused, subscribers, queuedEvents };
  }

  private async removeStaleSocket(): Promise<void> {
    let isSocket: boolean;
    try {
      isSocket = lstatSync(this.socketPath).isSocket();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    if (!isSocket) throw new Error(`${this.socketPath} exists and is not a socket: not replacing it`);
    if (await probeSocket(this.socketPath)) throw new Error(`another portcullis is running on ${this.socketPath}`);
    unlinkSync(this.socketPath);
  }

  private listen(server: Server, path: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const failed = (err: Error): void => reject(new Error(`cannot listen on ${path}: ${err.message}`));
      server.once('error', failed);
      // The socket is bound inside listen(); a tight umask keeps it private until the chmod.
      const umask = setUmask(0o177);
      try {
        // A burst of clients waits in the kernel's queue rather than failing with EAGAIN.
        server.listen({ path, backlog: LISTEN_BACKLOG }, () => {
          server.off('error', failed);
          resolve();
        });
      } finally {
        if (umask !== null) setUmask(umask);
      }
    });
  }

  private accept(socket: Socket): void {
    // A client that vanishes (EPIPE, ECONNRESET) only ends its own connection.
    socket.on('error', () => socket.destroy());
    if (this.connections.size + this.checking.size >= this.maxConnections) {
      this.refuse(socket, `too many connections to the control socket (${this.maxConnections} at once); try again`);
      return;
    }
    if (!this.verifier) {
      this.serve(socket);
      return;
    }
    this.checking.add(socket);
    socket.once('close', () => this.checking.delete(socket));
    void this.verifier.verify(socket).then((verdict) => {
      if (!this.checking.delete(socket) || socket.destroyed) return;
      if (verdict.allowed) this.serve(socket);
      else if (verdict.gone) socket.destroy();
      else this.refuse(socket, `permission denied: ${verdict.reason}`);
    });
  }

  private serve(socket: Socket): void {
    const connection = new ClientConnection(socket, this.limits, (from, request) => void this.dispatch(from, request));
    this.connections.add(connection);
    socket.once('close', () => this.connections.delete(connection));
    socket.resume(); // accepted paused (pauseOnConnect)
  }

  /** Tells the client why, in the protocol's words, and hangs up without reading what it sent. */
  private refuse(socket: Socket, reason: string): void {
    this.refused++;
    this.onRefused(reason);
    socket.end(encodeMessage({ id: null, ok: false, error: reason }));
    // Read and dropped: a close with unread data would reset the connection before the client
    // read why; a peer that keeps sending or does not hang up is not waited for.
    socket.resume();
    setTimeout(() => socket.destroy(), 2000).unref();
  }

  private async dispatch(connection: ClientConnection, request: Request): Promise<void> {
    const { id } = request;
    if (request.command === 'subscribe') {
      connection.respond({ id, ok: true, result: { subscribed: true, events: request.events ?? null } });
      connection.subscribe(request.events);
      return;
    }
    if (request.command === 'unsubscribe') {
      connection.unsubscribe();
      connection.respond({ id, ok: true, result: { subscribed: false } });
      return;
    }
    if (request.command === 'read-only') {
      connection.makeReadOnly();
      connection.respond({ id, ok: true, result: { readOnly: true } });
      return;
    }
    if (connection.readOnly && changesState(request)) {
      connection.respond({ id, ok: false, error: readOnlyRefusal(request) });
      return;
    }
    const handler = this.handlers[request.command] as ((request: Request) => Promise<unknown>) | undefined;
    if (typeof handler !== 'function') {
      connection.respond({ id, ok: false, error: `the daemon has no handler for "${request.command}"` });
      return;
    }
    try {
      const result = await handler.call(this.handlers, request);
      if (!(result instanceof AnswerInParts)) {
        connection.respond({ id, ok: true, result: result ?? null });
        return;
      }
      const last = await result.deliver((part) => connection.respondPart(id, part));
      if (last !== undefined) connection.respond({ id, ok: true, result: last });
    } catch (err) {
      connection.respond({ id, ok: false, error: err instanceof Error ? err.message || err.name : String(err) });
    }
  }
}

/** Connections the kernel queues before accept (capped by net.core.somaxconn). */
const LISTEN_BACKLOG = 1024;

/** Servers bound by this process so far: private names differ even for servers in one folder. */
let bindCount = 0;

/** link(2) the socket to its path; rename where the file system has no hard links (a race then goes unnoticed). */
function linkInPlace(from: string, to: string): void {
  try {
    linkSync(from, to);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP') throw err;
    if (existsSync(to)) throw Object.assign(new Error(`${to} exists`), { code: 'EEXIST' });
    renameSync(from, to);
  }
}

function unlinkIfSocket(path: string): void {
  try {
    if (lstatSync(path).isSocket()) unlinkSync(path);
  } catch {
    // Not there.
  }
}

/** process.umask, which worker threads do not have; null when it could not be set. */
function setUmask(mask: number): number | null {
  try {
    return process.umask(mask);
  } catch {
    return null;
  }
}
