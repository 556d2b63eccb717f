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

/** Ids of up to this many characters are kept as characters, longer ones (rare) as strings. */
const KEY_CHARS = 48;
/** Slots at the first connection; doubled as needed up to twice the limit. */
const FIRST_SLOTS = 64;
/** A slot without a connection. */
const FREE = -1;

/**
 * Remembers connections across lines, the way fail2ban's multi-line id (`<F-MLFID>`, e.g. the
 * `sshd[pid]` prefix) ties "Disconnecting: Too many authentication failures" to the address an
 * earlier or later line of the same connection gave. Bounded: at most twice `limit` connections,
 * in a ring of slots reused oldest first, so a flood of new connections costs O(1) each; a
 * connection seen again once `limit` newer ones came is moved to the front, so one that keeps
 * logging is kept.
 *
 * Held in typed arrays (an open-addressed index, each id's characters) and reused state objects,
 * not a Map of strings: a flood opens connections by the hundred thousand, and a Map entry, a
 * copy of the id and a state made for each outlived enough young collections to be copied into
 * the old generation and collected there again (a tenth of `portcullis regex` on the
 * million-line sshd bench).
 */
export class ConnectionMemory {
  private readonly most: number;
  private slots = 0;
  /** The slot a new connection takes next: the oldest. */
  private next = 0;
  private live = 0;
  /** Connections taken so far, which tells a slot's age. */
  private taken = 0;
  /** Per slot: the id's hash, its length (FREE when none), when it was taken, its state. */
  private hashes = new Int32Array(0);
  private lengths = new Int32Array(0);
  private takenAt = new Float64Array(0);
  private states: ConnectionState[] = [];
  private chars = new Uint16Array(0);
  private longIds: (string | undefined)[] = [];
  /** Open addressing with linear probing: slot + 1 per entry, 0 for none; at most a quarter full. */
  private index = new Int32Array(0);
  /** A seed per memory: which ids share a place in the index differs from one run to the next. */
  private readonly seed = (Math.random() * 0x100000000) | 0;

  /**
   * sshd itself drops unauthenticated connections beyond `MaxStartups` (100 by default), so a
   * few thousand open connections per filter is plenty.
   */
  constructor(private readonly limit = 2_000) {
    this.most = 2 * limit;
  }

  /** The state of a connection, created empty when unknown. */
  get(id: string): ConnectionState {
    const hash = this.hashOf(id);
    const slot = this.find(id, hash);
    // (add() may grow the arrays: they are read after it.)
    if (slot === FREE) {
      const added = this.add(id, hash);
      return this.states[added]!;
    }
    if (this.taken - this.takenAt[slot]! <= this.limit) return this.states[slot]!;
    // Among the older half: moved to the front with what is known about it (rare: a connection
    // that still logs after `limit` newer ones).
    const state = this.states[slot]!;
    this.states[slot] = emptyState();
    this.forget(slot);
    const front = this.add(id, hash);
    this.states[front] = state;
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
    return this.live;
  }

  private hashOf(id: string): number {
    let hash = this.seed;
    for (let i = 0; i < id.length; i++) hash = Math.imul(hash ^ id.charCodeAt(i), 0x01000193);
    return hash;
  }

  /** The slot holding the id, or FREE. */
  private find(id: string, hash: number): number {
    if (this.slots === 0) return FREE;
    const mask = this.index.length - 1;
    for (let at = hash & mask, entry = this.index[at]!; entry !== 0; at = (at + 1) & mask, entry = this.index[at]!) {
      const slot = entry - 1;
      if (this.hashes[slot] === hash && this.holds(slot, id)) return slot;
    }
    return FREE;
  }

  private holds(slot: number, id: string): boolean {
    const length = id.length;
    if (this.lengths[slot] !== length) return false;
    if (length > KEY_CHARS) return this.longIds[slot] === id;
    const base = slot * KEY_CHARS;
    for (let i = 0; i < length; i++) if (this.chars[base + i] !== id.charCodeAt(i)) return false;
    return true;
  }

  /** Takes the oldest slot (forgetting its connection) for a new one; returns the slot. */
  private add(id: string, hash: number): number {
    if (this.slots === 0 || (this.lengths[this.next] !== FREE && this.slots < this.most)) this.grow();
    const slot = this.next;
    this.next = (slot + 1) % this.slots;
    if (this.lengths[slot] !== FREE) this.forget(slot);
    this.hashes[slot] = hash;
    this.lengths[slot] = id.length;
    this.takenAt[slot] = ++this.taken;
    if (id.length > KEY_CHARS) {
      // The id is a slice of a read chunk; keeping the slice would keep the whole chunk.
      this.longIds[slot] = detach(id);
    } else {
      const base = slot * KEY_CHARS;
      for (let i = 0; i < id.length; i++) this.chars[base + i] = id.charCodeAt(i);
    }
    this.states[slot] ??= emptyState();
    this.link(slot);
    this.live++;
    return slot;
  }

  private link(slot: number): void {
    const mask = this.index.length - 1;
    let at = this.hashes[slot]! & mask;
    while (this.index[at] !== 0) at = (at + 1) & mask;
    this.index[at] = slot + 1;
  }

  /** Frees a slot: out of the index (entries after it shifted back), its state emptied. */
  private forget(slot: number): void {
    const mask = this.index.length - 1;
    let hole = this.hashes[slot]! & mask;
    while (this.index[hole] !== slot + 1) hole = (hole + 1) & mask;
    for (let at = (hole + 1) & mask, entry = this.index[at]!; entry !== 0; at = (at + 1) & mask, entry = this.index[at]!) {
      // An entry may fill the hole when the hole lies on its way from its own place.
      const home = this.hashes[entry - 1]! & mask;
      if (((at - home) & mask) >= ((at - hole) & mask)) {
        this.index[hole] = entry;
        hole = at;
      }
    }
    this.index[hole] = 0;
    this.lengths[slot] = FREE;
    this.longIds[slot] = undefined;
    const state = this.states[slot]!;
    state.host = state.user = state.pending = state.users = undefined;
    this.live--;
  }

  /** More slots, the connections kept oldest first, then the new slots. */
  private grow(): void {
    const old = this.slots;
    const slots = old === 0 ? Math.min(FIRST_SLOTS, this.most) : Math.min(old * 2, this.most);
    const hashes = new Int32Array(slots);
    const lengths = new Int32Array(slots).fill(FREE);
    const takenAt = new Float64Array(slots);
    const chars = new Uint16Array(slots * KEY_CHARS);
    const states: ConnectionState[] = new Array<ConnectionState>(slots);
    const longIds: (string | undefined)[] = new Array<string | undefined>(slots);
    for (let k = 0; k < old; k++) {
      const from = (this.next + k) % old;
      hashes[k] = this.hashes[from]!;
      lengths[k] = this.lengths[from]!;
      takenAt[k] = this.takenAt[from]!;
      states[k] = this.states[from]!;
      longIds[k] = this.longIds[from];
      chars.set(this.chars.subarray(from * KEY_CHARS, (from + 1) * KEY_CHARS), k * KEY_CHARS);
    }
    this.slots = slots;
    this.next = old;
    this.hashes = hashes;
    this.lengths = lengths;
    this.takenAt = takenAt;
    this.chars = chars;
    this.states = states;
    this.longIds = longIds;
    let size = 1;
    while (size < slots * 4) size *= 2;
    this.index = new Int32Array(size);
    for (let slot = 0; slot < old; slot++) if (lengths[slot] !== FREE) this.link(slot);
  }
}

/** Every field present from the start: all states share one shape. */
function emptyState(): ConnectionState {
  return { host: undefined, user: undefined, pending: undefined, users: undefined };
}
