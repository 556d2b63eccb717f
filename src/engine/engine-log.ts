import { appendFileSync, fstatSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { HeldBytes } from '../domain/held-bytes.js';
import { printable } from '../domain/printable.js';

/** Severity, as fail2ban names them. */
export type LogLevel = 'DEBUG' | 'INFO' | 'NOTICE' | 'WARNING' | 'ERROR';

/** One engine log entry. */
export interface LogEntry {
  /** Epoch ms. */
  time: number;
  level: LogLevel;
  /** The jail it concerns, or null for the engine itself. */
  jail: string | null;
  message: string;
  /** The process that wrote it (the daemon's, when a client prints it). */
  pid?: number;
  /** The address (or network) the entry is about: a ban, an unban, a failure, a refusal. */
  ip?: string;
}

/** Options of the engine log. */
export interface EngineLogOptions {
  /** File to append to; none: memory (and `echo`) only. */
  file?: string;
  /** Entries kept for the console. */
  keep?: number;
  /** Also called for each entry (stderr for the daemon, the console's live pane). */
  echo?: (line: string, entry: LogEntry) => void;
  now?: () => number;
}

/**
 * The engine's log: what matched, who was banned and why, who was unbanned, config reloads,
 * errors. One line per entry in fail2ban's spirit (the recidive filter reads it):
 * `2026-11-24T10:00:00.123Z portcullis[1234]: NOTICE [sshd] Ban 198.18.0.1 (5 failures, 10m, ban #1)`.
 * Each append opens the file by name, so log rotation (rename or truncate) needs no signal.
 * The newest entries are also kept in a ring buffer for the console's Logs pane.
 */
export class EngineLog {
  private readonly ring: LogEntry[] = [];
  private head = 0;
  private readonly keep: number;
  private readonly now: () => number;
  private readonly unwritten = new HeldBytes();
  /** Appends that failed (disk full, permissions): counted, not thrown. */
  writeErrors = 0;

  constructor(private readonly options: EngineLogOptions = {}) {
    this.keep = options.keep ?? 5000;
    this.now = options.now ?? Date.now;
    if (options.file) mkdirSync(dirname(options.file), { recursive: true });
  }

  /**
   * Adds an entry. Messages quote log text an attacker wrote, so they are made printable here,
   * once, for every reader (the file, `portcullis logs`, the console, the socket): a newline
   * cannot forge a second entry (`\\n`), nor an escape sequence reach a terminal that shows the
   * file with `tail` or `less -R` (`\\x1b`).
   */
  write(level: LogLevel, jail: string | null, message: string, ip?: string): LogEntry {
    const entry: LogEntry = {
      time: this.now(), level, jail: jail === null ? null : printable(jail), message: printable(message), pid: process.pid, ...(ip === undefined ? {} : { ip }),
    };
    if (this.ring.length < this.keep) this.ring.push(entry);
    else this.ring[this.head] = entry;
    this.head = (this.head + 1) % this.keep;
    const line = formatEntry(entry);
    if (this.options.file) {
      // Entries written in one go (a burst of failures from one read of a log) reach the file in
      // one append, after the code that wrote them (and its store transaction) is done.
      if (this.unwritten.empty) queueMicrotask(() => this.flush());
      this.unwritten.addLine(line);
    }
    this.options.echo?.(line, entry);
    return entry;
  }

  /** Appends the entries not yet in the file (done on its own right after they are written). */
  flush(): void {
    if (!this.options.file || this.unwritten.empty) return;
    const file = this.options.file;
    // appendFileSync is done with the bytes when it returns.
    this.unwritten.drain((text) => {
      try {
        appendFileSync(file, text, { mode: 0o640 });
      } catch {
        this.writeErrors++;
      }
    });
  }

  info(jail: string | null, message: string, ip?: string): LogEntry {
    return this.write('INFO', jail, message, ip);
  }

  notice(jail: string | null, message: string, ip?: string): LogEntry {
    return this.write('NOTICE', jail, message, ip);
  }

  warning(jail: string | null, message: string, ip?: string): LogEntry {
    return this.write('WARNING', jail, message, ip);
  }

  error(jail: string | null, message: string, ip?: string): LogEntry {
    return this.write('ERROR', jail, message, ip);
  }

  /** The kept entries, oldest first. */
  entries(): LogEntry[] {
    return this.ring.length < this.keep ? [...this.ring] : [...this.ring.slice(this.head), ...this.ring.slice(0, this.head)];
  }
}

/** The last time formatted, and its text: a burst of entries shares one millisecond. */
let isoCache = { time: NaN, text: '' };

/** The text form of an entry, as written to the file. */
export function formatEntry(entry: LogEntry): string {
  const jail = entry.jail === null ? '' : `[${entry.jail}] `;
  if (entry.time !== isoCache.time) isoCache = { time: entry.time, text: new Date(entry.time).toISOString() };
  return `${isoCache.text} portcullis[${entry.pid ?? process.pid}]: ${entry.level} ${jail}${entry.message}`;
}

/** syslog priorities of the levels (sd-daemon(3)), for journald. */
const PRIORITY: Record<LogLevel, number> = { DEBUG: 7, INFO: 6, NOTICE: 5, WARNING: 4, ERROR: 3 };

/**
 * The line for journald: a `<N>` priority prefix (so `journalctl -p warning` filters), and no
 * timestamp or pid of its own, as journald records both.
 */
export function journalLine(entry: LogEntry): string {
  const jail = entry.jail === null ? '' : `[${entry.jail}] `;
  return `<${PRIORITY[entry.level]}>${entry.level} ${jail}${entry.message}`;
}

/**
 * Whether file descriptor `fd` (stderr) is the journal: systemd sets JOURNAL_STREAM to the
 * `device:inode` of the stream it connected (systemd.exec(5)); a stderr redirected elsewhere by
 * a child or a wrapper no longer matches, and gets the plain lines.
 */
export function isJournalStream(env: NodeJS.ProcessEnv = process.env, fd = 2): boolean {
  const match = /^(\d+):(\d+)$/.exec(env['JOURNAL_STREAM'] ?? '');
  if (!match) return false;
  try {
    const stat = fstatSync(fd, { bigint: true });
    return stat.dev === BigInt(match[1]!) && stat.ino === BigInt(match[2]!);
  } catch {
    return false;
  }
}

/**
 * The daemon's stderr form of an entry, without its newline: journald's when stderr is the
 * journal, else the file's line itself (the same string, no copy).
 */
export function stderrFormatter(toJournal = isJournalStream()): (line: string, entry: LogEntry) => string {
  return toJournal ? (_line, entry) => journalLine(entry) : (line) => line;
}

/**
 * A writer that gathers the lines it is given (each then ends with a newline) and writes them in
 * one call once the code running now is done (and at exit): a burst of entries from one read of
 * a log costs one write to stderr, not one per line, with the same bytes in the same order. The
 * newline is added as bytes, not to the line: a line and its newline joined as a new string was
 * copied once more, three million times in a flood of a million bans. `write` returns true when it
 * keeps the bytes after it returns (see HeldBytes.drain).
 */
export function gatheredWriter(write: (bytes: Buffer) => boolean): (line: string) => void {
  const held = new HeldBytes();
  const flush = (): void => {
    if (!held.empty) held.drain(write);
  };
  process.on('exit', flush);
  return (line) => {
    if (held.empty) queueMicrotask(flush);
    held.addLine(line);
  };
}
