import { detach } from '../detach.js';

/** What is known about one connection, keyed by a filter's `<F-MLFID>` capture. */
export interface ConnectionState {
  /** The address a line of this connection named, and the user if one was named too. */
  host?: string;
  user?: string;
  /** A failure seen before any line named the address: it counts once one does. */
  pending?: { regexIndex: number; user?: string };
  /** The users named by this connection's no-failure and success lines, each once. */
  users?: string[];
}

/**
 * How many users one connection keeps: two tell "several users tried" already, a few more only
 * make the captured user of the failure better; an attacker's connection gets no more than that.
 */
const USERS_KEPT = 8;

/**
 * Remembers connections across lines, the way fail2ban's multi-line id (`<F-MLFID>`, e.g. the
 * `sshd[pid]` prefix) ties "Disconnecting: Too many authentication failures" to the address an
 * earlier or later line of the same connection gave. Bounded by two generations of `limit`
 * entries: when the current one fills up, the older one is dropped whole (O(1), no scan).
 */
export class ConnectionMemory {
  private current = new Map<string, ConnectionState>();
  private previous = new Map<string, ConnectionState>();

  /**
   * sshd itself drops unauthenticated connections beyond `MaxStartups` (100 by default), so a
   * few thousand open connections per filter is plenty.
   */
  constructor(private readonly limit = 2_000) {}

  /** The state of a connection, created empty when unknown. */
  get(id: string): ConnectionState {
    let state = this.current.get(id);
    if (state) return state;
    state = this.previous.get(id);
    if (state) {
      this.previous.delete(id);
    } else {
      state = {};
      // The id is a slice of a read chunk; keeping the slice would keep the whole chunk.
      id = detach(id);
    }
    if (this.current.size >= this.limit) {
      this.previous = this.current;
      this.current = new Map();
    }
    this.current.set(id, state);
    return state;
  }

  /** Remembers the address (and user) a line of this connection named. */
  remember(state: ConnectionState, host: string, user: string | undefined): void {
    if (state.host !== host) state.host = detach(host);
    if (user !== undefined && state.user !== user) state.user = detach(user);
  }

  /**
   * Notes a user named by a line of this connection that is no failure by itself (a PAM note, a
   * successful login) and answers whether the connection has now named more than one: a second
   * user on one connection is an attacker going through a list, and a login after failures of
   * other users must not wipe them out (fail2ban's rule for its sshd samples).
   */
  addUser(state: ConnectionState, user: string): boolean {
    const users = (state.users ??= []);
    if (!users.includes(user) && users.length < USERS_KEPT) users.push(detach(user));
    return users.length > 1;
  }

  /** Connections remembered now. */
  get size(): number {
    return this.current.size + this.previous.size;
  }
}
