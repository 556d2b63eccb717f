/** A ban in force: one per address (a second jail banning it extends or escalates the same ban). */
export interface BanRecord {
  /** Canonical IP (or CIDR for a manual ban of a range). */
  ip: string;
  /** The jail that made it, or `manual`. */
  jail: string;
  /** Epoch ms. */
  bannedAt: number;
  /** Epoch ms, or null for a permanent ban. */
  expiresAt: number | null;
  /** Which ban of this address this is (1 for the first), as escalation counted it. */
  count: number;
  /** Why: the matched log lines (or the operator's words for a manual ban). */
  reason: string[];
  /** The fleet node that sent the ban, for a ban made on another server (absent: made here). */
  origin?: string;
}

/**
 * A ban in force as the engine holds it in memory: everything but the reason lines, which stay
 * in the store (`BanStore.reasonOf`) and are read when asked for (`why`).
 */
export type BanSummary = Omit<BanRecord, 'reason'>;

/**
 * A ban as `bans` lists it: a subnet ban with its reason (why, and the bans inside it), any other
 * without its lines (`why` has them).
 */
export type BanListing = BanSummary & { reason?: string[] };

/**
 * A ban a walk of the bans hands over, in one object reused for every ban: `ipInto` writes its
 * address as UTF-8 text into `out` at `at` without making a string of it (a listing of a million
 * addresses made a million), and returns the position after it, or -1 when it does not fit.
 * `ip` may be a getter: copy the fields by name, not by spreading.
 */
export interface ListedBan extends BanListing {
  ipInto(out: Buffer, at: number): number;
}

/** A fleet link's state, for `status` and the console (see src/fleet). */
export interface FleetLinkStatus {
  /** This server's name in the fleet. */
  node: string;
  stream: string;
  link: 'connected' | 'disconnected';
  /** Disconnected and trying again (a new attempt every second at most). */
  retrying: boolean;
  /** When the link was lost (epoch ms), while it is down. */
  downSince: number | null;
  /** How old the last entry read was when it was read, or how long the link is down (seconds). */
  lagSeconds: number;
  /** Bans and unbans made here waiting to be published. */
  queued: number;
  /** Entries published since the start. */
  published: number;
  /** Other nodes' bans and unbans applied here since the start. */
  applied: number;
}

/** A past ban, kept for escalation and the recidive rule. */
export interface HistoryEntry {
  ip: string;
  jail: string;
  bannedAt: number;
  /** Seconds, or -1 for permanent. */
  duration: number;
}

/** A trusted range added at run time (the config's ranges are not stored). */
export interface StoredTrusted {
  range: string;
  addedAt: number;
  note: string;
}

/** Where reading a log source stopped, so a restart resumes there. */
export interface SourcePosition {
  /** The path as configured (after glob expansion), or `journal:<jail>`. */
  source: string;
  inode: number;
  /** Bytes of complete lines consumed. */
  offset: number;
  /** Hash of the file's first line: a new file with a reused inode is not resumed. */
  firstLineHash: string;
  /** For the journal: its cursor. */
  cursor?: string;
}

/** A failure still being counted by a jail, kept so that a restart resumes the count. */
export interface StoredFailure {
  jail: string;
  ip: string;
  /** Epoch ms. */
  time: number;
  line: string;
}

/** An e-mail waiting for the server to accept it. */
export interface StoredMail {
  id: number;
  /** Epoch ms. */
  createdAt: number;
  subject: string;
  text: string;
  /** Bans it reports. */
  bans: number;
}

/** A ban notice waiting in an e-mail digest window, kept so that a crash does not lose it. */
export interface StoredNotice {
  id: number;
  createdAt: number;
  /** The ban, as JSON. */
  json: string;
}

/**
 * E-mail not yet accepted by the server, kept across restarts: each message is removed only once
 * the server took it.
 */
export interface MailQueueStore {
  /** Queues a message; returns its id. */
  enqueueMail(mail: Omit<StoredMail, 'id'>): number;
  /** The messages not yet accepted by the server, oldest first. */
  queuedMail(): StoredMail[];
  /** Forgets a queued message (accepted by the server, or given up). */
  removeMail(id: number): void;
  /** Keeps a ban notice of an open digest window; returns its id. */
  addNotice(createdAt: number, json: string): number;
  /** The notices of digest windows not yet closed, oldest first. */
  queuedNotices(): StoredNotice[];
  /** Replaces notices by the message made of them, in one transaction; returns the message's id. */
  mailFromNotices(ids: readonly number[], mail: Omit<StoredMail, 'id'>): number;
}

/**
 * The engine's persistent state. Every write is one transaction; a write that returned is on disk
 * (SQLite WAL), so a ban reported as made survives any crash.
 */
export interface BanStore extends MailQueueStore {
  /** Bans in force (expired ones included until `removeBan`; callers check `expiresAt`). */
  activeBans(): BanRecord[];
  /**
   * The same bans without their reason lines, handed to `visit` one at a time in the order they
   * were first stored: what a restore reads, so a million bans are never all held twice. `visit`
   * must not use the store.
   */
  eachBanSummary(visit: (ban: BanSummary) => void): void;
  /** The bans in force of one jail, as `eachBanSummary` gives them (the subnet bans, read first at a restore). */
  eachBanSummaryOf(jail: string, visit: (ban: BanSummary) => void): void;
  /**
   * Up to `limit` of the bans `eachBanSummary` gives, from position `from` (0 for the first):
   * returns where the next page starts, or null after the last. A restore reads the store this way
   * as the firewall takes the entries, so the kernel gets the first while the rest are read; bans
   * stored meanwhile come in a later page, and one stored again may come twice.
   */
  banSummaryPage(from: number, limit: number, visit: (ban: BanSummary) => void): number | null;
  /** The reason lines of the ban in force of `ip` (one indexed read); undefined when not banned. */
  reasonOf(ip: string): string[] | undefined;
  /** Records a ban (replacing the address's current one) and appends it to the history. */
  putBan(ban: BanRecord): void;
  /** Appends a ban to the history only (another fleet node's ban, with `[fleet] count_remote`). */
  addHistory(ban: BanRecord): void;
  /** Ends a ban; returns what it was. */
  removeBan(ip: string): BanRecord | undefined;
  /** Ends several bans in one transaction (expiry of many at once); returns how many there were. */
  removeBans(ips: readonly string[]): number;
  /**
   * Makes the bans table hold exactly these (a checkpoint after the store failed), adding a
   * history entry for each ban that has none yet. A ban given without reason lines keeps the
   * ones stored for it (none when it has no row).
   */
  replaceAllBans(bans: readonly BanListing[]): void;
  /** Ends every ban; returns how many. */
  removeAllBans(): number;
  /** Past bans of an address since `since` (epoch ms), oldest first; only one jail's if given. */
  history(ip: string, since: number, jail?: string): HistoryEntry[];
  /** Forgets history entries of bans made before `before` (epoch ms); returns how many. */
  pruneHistory(before: number): number;
  trustedRanges(): StoredTrusted[];
  addTrusted(range: string, note: string, at: number): void;
  /** Returns whether it was there. */
  removeTrusted(range: string): boolean;
  /**
   * Runs `work` as one transaction: every write inside it reaches the disk together, with one
   * sync (a burst of bans from one read of a log, and the read position after it).
   */
  batch<T>(work: () => T): T;
  position(source: string): SourcePosition | undefined;
  savePosition(position: SourcePosition): void;
  /** Records a failure being counted (in the same transaction as the read position after it). */
  addFailure(failure: StoredFailure): void;
  /** Forgets the counted failures of these addresses in a jail (they were banned, say). */
  clearFailures(jail: string, ips: readonly string[]): void;
  /** A jail's counted failures dated after `since`, oldest first. */
  failures(jail: string, since: number): StoredFailure[];
  /** Forgets a jail's failures dated at or before `before`; returns how many. */
  pruneFailures(jail: string, before: number): number;
  /** Makes a jail's stored failures exactly these (a checkpoint of the counter in memory). */
  replaceFailures(jail: string, failures: readonly StoredFailure[]): void;
  close(): void;
}
