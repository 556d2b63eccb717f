import { createConnection, type Socket } from 'node:net';

/** A control socket that cannot be reached, with a message the operator can act on. */
export class ControlConnectError extends Error {
  override readonly name = 'ControlConnectError';

  constructor(
    message: string,
    /** The system error code (`ENOENT`, `ECONNREFUSED`, `EACCES`, ...) or `ETIMEDOUT`. */
    readonly code: string | undefined,
    readonly socketPath: string,
  ) {
    super(message);
  }
}

/** Turns a failed connect into the error an operator reads. */
export function connectError(error: unknown, socketPath: string): ControlConnectError {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOENT':
    case 'ECONNREFUSED':
      return new ControlConnectError(`no portcullis daemon is listening on ${socketPath}`, code, socketPath);
    case 'EACCES':
    case 'EPERM':
      return new ControlConnectError(`permission denied on ${socketPath}: run as root or as the daemon's user`, code, socketPath);
    case 'ENOTSOCK':
      return new ControlConnectError(`${socketPath} is not a socket`, code, socketPath);
    case 'EAGAIN':
      return new ControlConnectError(`the portcullis daemon on ${socketPath} is busy (its queue of new connections is full); try again`, code, socketPath);
    case 'ETIMEDOUT':
      return new ControlConnectError(`the portcullis daemon on ${socketPath} did not accept the connection in time`, code, socketPath);
    default: {
      const reason = error instanceof Error ? error.message : String(error);
      return new ControlConnectError(`cannot connect to ${socketPath}: ${reason}`, code, socketPath);
    }
  }
}

/** True for a connect error that means "nothing listens there" (as opposed to "you may not"). */
export function isNotListening(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ECONNREFUSED';
}

/** Opens a connection to the socket; fails with a {@link ControlConnectError} an operator can read. */
export function openSocket(socketPath: string, timeoutMs: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(socketPath);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(connectError(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' }), socketPath));
    }, timeoutMs);
    const failed = (err: Error): void => {
      clearTimeout(timer);
      socket.destroy();
      reject(connectError(err, socketPath));
    };
    socket.once('error', failed);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.off('error', failed);
      resolve(socket);
    });
  });
}

/**
 * Connects and hangs up at once: true when a server accepted, false when nothing listens (no
 * file, or a stale one). Anything else, a permission error included, throws a
 * {@link ControlConnectError}: a daemon we may not talk to is still running.
 */
export async function probeSocket(socketPath: string, timeoutMs = 1000): Promise<boolean> {
  try {
    (await openSocket(socketPath, timeoutMs)).destroy();
    return true;
  } catch (err) {
    if (isNotListening(err)) return false;
    throw err;
  }
}
