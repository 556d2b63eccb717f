import { spawn, type ChildProcess } from 'node:child_process';
import type { SourcePosition } from '../types.js';
import {

  JOURNAL_FIELDS,
  journalLine,
  journalMatchArgs,
  JsonLineSplitter,
  MAX_ENTRY_BYTES,
  type JournalChunkItem,
} from './journal-entry.js';

/** The key a jail's journal read position is stored under. */
export function journalSourceKey(jail: string): string {
  return `journal:${jail}`;
}

export { journalMatchArgs, MAX_ENTRY_BYTES } from './journal-entry.js';

/** Something that happened to the journalctl process, besides entries. */
export interface JournalEvent {
  /**
   * `started`: a journalctl was spawned (message: its arguments). `exited`: it ended without
   * being stopped and will be restarted. `error`: it could not be run, wrote to stderr, or
   * rejected the saved cursor.
   */
  type: 'error' | 'exited' | 'started';
  message?: string;
}

export interface JournalSourceOptions {
  /** The jail this source feeds; positions are saved under `journal:<jail>`. */
  jail: string;
  /**
   * fail2ban-style `journalmatch` entries, e.g. `_SYSTEMD_UNIT=ssh.service + _COMM=sshd`: `+`
   * separates OR-groups, blanks separate AND-ed terms; separate entries are OR-ed. Empty: the
   * whole journal. Invalid entries make the constructor throw.
   */
  matches: string[];
  /** A saved cursor to resume after. */
  cursor?: string;
  /** Where to begin without a cursor: new entries only, or the whole journal. */
  startAt: 'end' | 'beginning';
  /**
   * Entries in syslog form (`Mmm dd HH:MM:SS host ident[pid]: message`), in journal order, with
   * the cursor of the last entry read. `lines` may be empty when only the cursor moved (entries
   * without a MESSAGE, or too long to read).
   */
  onLines: (lines: string[], position: SourcePosition) => void;
  onEvent?: (event: JournalEvent) => void;
  /** Runs journalctl with these arguments (tests inject a fake); the default spawns it, no shell. */
  spawnJournal?: (args: string[]) => ChildProcess;
  /** Restart delays after journalctl exits: doubling from `initialMs` up to `maxMs` (1 s, 30 s). */
  backoff?: { initialMs: number; maxMs: number };
  /** Delay between attempts while journalctl is not installed (60 s). */
  missingRetryMs?: number;
  /** Longest JSON line read from journalctl; longer entries are skipped and counted (1 MiB). */
  maxEntryBytes?: number;
}

export interface JournalStats {
  /** JSON entries read. */
  entries: number;
  /** Lines delivered. */
  lines: number;
  /** Lines longer than MAX_LINE_LENGTH, skipped. */
  truncated: number;
  /** Entries longer than `maxEntryBytes`, not delivered. */
  skipped: number;
  /** Output lines that were not a JSON object. */
  invalid: number;
  /** journalctl processes started after the first. */
  restarts: number;
}

/** Where journalctl starts reading. */
export interface JournalArgsOptions {
  /** Arguments from `journalMatchArgs`. */
  matchArgs: readonly string[];
  cursor?: string;
  startAt: 'end' | 'beginning';
  /** Epoch ms: read from this time (a restart of a source that has seen no entry yet). */
  since?: number;
}

/**
 * journalctl's arguments. JSON output with `--all` (otherwise fields over 4 KiB are printed as
 * null) but only the fields a line is built from. Where it starts:
 * - after a cursor: `--after-cursor=C --no-tail`, every entry since. (`--no-tail` makes sure the
 *   10-line default of `--follow` never limits the backlog; systemd 252 shows it all anyway.)
 * - from a time (restart before any entry was seen): `--since=@<seconds> --no-tail`.
 * - at the end: `--lines=0`, new entries only.
 * - at the beginning: `--no-tail`, the whole journal, then new entries.
 * The matches come last, after `--`, so none can be taken for an option.
 */
export function journalArgs(options: JournalArgsOptions): string[] {
  const args = ['--follow', '--output=json', `--output-fields=${JOURNAL_FIELDS.join(',')}`, '--all', '--no-pager', '--quiet'];
  if (options.cursor !== undefined) args.push(`--after-cursor=${options.cursor}`, '--no-tail');
  else if (options.since !== undefined) args.push(`--since=@${(options.since / 1000).toFixed(3)}`, '--no-tail');
  else if (options.startAt === 'end') args.push('--lines=0');
  else args.push('--no-tail');
  args.push('--', ...options.matchArgs);
  return args;
}

/** Runs journalctl without a shell, reading its stdout and stderr. */
export function spawnJournalctl(args: string[]): ChildProcess {
  return spawn('journalctl', args, { stdio: ['ignore', 'pipe', 'pipe'] });
}

/** One journalctl process and what it has done. */
interface Run {
  child: ChildProcess;
  splitter: JsonLineSplitter;
  startedAt: number;
  usedCursor: boolean;
  entries: number;
  lastStderr: string;
  ended: boolean;
  closed: Promise<void>;
  markClosed: () => void;
}

const STDERR_LINE_MAX = 1000;
const STOP_KILL_MS = 2000;

/**
 * Follows the systemd journal for one jail, as fail2ban's `backend = systemd` does: a
 * `journalctl --follow -o json` child with the jail's matches, whose entries become syslog-form
 * lines so the shipped filters (written for auth.log) match them. Resumes after the saved cursor;
 * a journalctl that exits is restarted after a growing delay from the last cursor read, so no
 * entry is lost or read twice. Memory is bounded: a partial output line holds at most
 * `maxEntryBytes`, and a line longer than MAX_LINE_LENGTH characters is skipped like a file's.
 */
export class JournalSource {
  readonly stats: JournalStats = { entries: 0, lines: 0, truncated: 0, skipped: 0, invalid: 0, restarts: 0 };
  /** The position key: `journal:<jail>`. */
  readonly source: string;

  private readonly matchArgs: string[];
  private readonly spawnJournal: (args: string[]) => ChildProcess;
  private readonly backoff: { initialMs: number; maxMs: number };
  private readonly missingRetryMs: number;
  private readonly maxEntryBytes: number;
  private cursor: string | undefined;
  private run: Run | null = null;
  private timer: NodeJS.Timeout | null = null;
  private nextDelayMs: number;
  /** When the first journalctl was started: where a restart reads from if no entry came yet. */
  private firstStart: number | undefined;
  private started = false;
  private stopped = false;
  private lastStderrReported = '';

  constructor(private readonly options: JournalSourceOptions) {
    this.source = journalSourceKey(options.jail);
    this.matchArgs = journalMatchArgs(options.matches);
    this.spawnJournal = options.spawnJournal ?? spawnJournalctl;
    this.backoff = options.backoff ?? { initialMs: 1000, maxMs: 30_000 };
    this.missingRetryMs = options.missingRetryMs ?? 60_000;
    this.maxEntryBytes = options.maxEntryBytes ?? MAX_ENTRY_BYTES;
    this.cursor = options.cursor || undefined;
    this.nextDelayMs = this.backoff.initialMs;
  }

  /** Starts journalctl (once; a source that was stopped stays stopped). */
  start(): void {
    if (this.started || this.stopped) return;
    this.started = true;
    this.spawnRun();
  }

  /** Stops journalctl and any pending restart; no `onLines` call comes after this settles. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const run = this.run;
    if (!run || run.ended) return;
    run.child.kill('SIGTERM');
    const kill = setTimeout(() => run.child.kill('SIGKILL'), STOP_KILL_MS);
    // A child whose pipes another process holds open may never 'close': do not wait forever.
    const giveUp = new Promise<void>((resolve) => setTimeout(resolve, 2 * STOP_KILL_MS).unref());
    await Promise.race([run.closed, giveUp]);
    clearTimeout(kill);
  }

  /** The cursor of the last entry read, to save and pass back as `cursor`. */
  position(): SourcePosition {
    const position: SourcePosition = { source: this.source, inode: 0, offset: 0, firstLineHash: '' };
    if (this.cursor !== undefined) position.cursor = this.cursor;
    return position;
  }

  private spawnRun(): void {
    this.timer = null;
    if (this.stopped) return;
    const restart = this.firstStart !== undefined;
    this.firstStart ??= Date.now();
    const args = journalArgs({
      matchArgs: this.matchArgs,
      cursor: this.cursor,
      startAt: this.options.startAt,
      // Entries that came while no journalctl ran are still read, even before the first one.
      since: restart && this.cursor === undefined && this.options.startAt === 'end' ? this.firstStart : undefined,
    });
    if (restart) this.stats.restarts++;
    let markClosed!: () => void;
    const closed = new Promise<void>((resolve) => (markClosed = resolve));
    let child: ChildProcess;
    try {
      child = this.spawnJournal(args);
    } catch (err) {
      this.emit('error', `cannot run journalctl: ${(err as Error).message}`);
      this.schedule(this.takeDelay(null));
      return;
    }
    const run: Run = {
      child,
      splitter: new JsonLineSplitter(this.maxEntryBytes),
      startedAt: Date.now(),
      usedCursor: this.cursor !== undefined,
      entries: 0,
      lastStderr: '',
      ended: false,
      closed,
      markClosed,
    };
    this.run = run;
    child.stdout?.on('data', (chunk: Buffer) => this.consume(run, run.splitter.push(chunk)));
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (text: string) => this.stderr(run, text));
    child.on('error', (err: NodeJS.ErrnoException) => {
      // After a successful spawn an error is only a failed kill(): the process runs on.
      if (child.pid === undefined) this.ended(run, err, null, null);
      else if (!this.stopped) this.emit('error', `journalctl: ${err.message}`);
    });
    // 'close' comes after stdout has ended, so every entry printed has been read.
    child.on('close', (code: number | null, signal: NodeJS.Signals | null) => this.ended(run, null, code, signal));
    this.emit('started', `journalctl ${args.join(' ')}`);
  }

  private consume(run: Run, items: JournalChunkItem[]): void {
    if (this.stopped || items.length === 0) return;
    const lines: string[] = [];
    let moved = false;
    for (const item of items) {
      if (item.kind === 'overlong') {
        this.stats.skipped++;
        if (item.cursor !== undefined) {
          this.cursor = item.cursor;
          moved = true;
        }
        continue;
      }
      const entry = journalLine(item.text);
      if (entry === null) {
        this.stats.invalid++;
        continue;
      }
      run.entries++;
      this.stats.entries++;
      if (entry.cursor !== undefined) {
        this.cursor = entry.cursor;
        moved = true;
      }
      if (entry.truncated) this.stats.truncated++;
      if (entry.line === null) continue;
      lines.push(entry.line);
    }
    if (lines.length === 0 && !moved) return;
    this.stats.lines += lines.length;
    try {
      this.options.onLines(lines, this.position());
    } catch (err) {
      // The consumer's failure is reported, not allowed to end the stream's reading.
      this.emit('error', `handling journal lines failed: ${(err as Error).message}`);
    }
  }

  private stderr(run: Run, text: string): void {
    for (const raw of text.split('\n')) {
      const line = raw.trim().slice(0, STDERR_LINE_MAX);
      if (line === '') continue;
      run.lastStderr = line;
      if (this.stopped || line === this.lastStderrReported) continue;
      this.lastStderrReported = line;
      this.emit('error', `journalctl: ${line}`);
    }
  }

  private ended(run: Run, spawnError: NodeJS.ErrnoException | null, code: number | null, signal: NodeJS.Signals | null): void {
    if (run.ended) return;
    run.ended = true;
    run.markClosed();
    if (this.run === run) this.run = null;
    if (this.stopped) return;
    if (spawnError) {
      if (spawnError.code === 'ENOENT') {
        this.emit(
          'error',
          `journalctl not found (${spawnError.message}): backend = "journal" needs systemd's journalctl on PATH; trying again in ${seconds(this.missingRetryMs)}`,
        );
        this.schedule(this.missingRetryMs);
        return;
      }
      const delay = this.takeDelay(run);
      this.emit('error', `cannot run journalctl: ${spawnError.message}; trying again in ${seconds(delay)}`);
      this.schedule(delay);
      return;
    }
    if (run.usedCursor && run.entries === 0 && /cursor/i.test(run.lastStderr)) {
      // A cursor from another machine or a damaged store would fail every restart the same way.
      this.emit('error', `journalctl rejected the saved cursor ${this.cursor ?? ''}; reading from the ${this.options.startAt} instead`);
      this.cursor = undefined;
    }
    const delay = this.takeDelay(run);
    const how = signal !== null ? `was killed by ${signal}` : `exited with code ${code ?? '?'}`;
    const why = run.lastStderr ? ` (${run.lastStderr})` : '';
    this.emit('exited', `journalctl ${how}${why}; restarting in ${seconds(delay)}`);
    this.schedule(delay);
  }

  /**
   * The delay before the next start: doubling while journalctl keeps failing, back to the first
   * step once a run read entries or lived longer than the longest delay.
   */
  private takeDelay(run: Run | null): number {
    if (run && (run.entries > 0 || Date.now() - run.startedAt >= this.backoff.maxMs)) {
      this.nextDelayMs = this.backoff.initialMs;
    }
    const delay = this.nextDelayMs;
    this.nextDelayMs = Math.min(this.nextDelayMs * 2, this.backoff.maxMs);
    return delay;
  }

  private schedule(delay: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => this.spawnRun(), delay);
  }

  private emit(type: JournalEvent['type'], message: string): void {
    this.options.onEvent?.({ type, message });
  }
}

function seconds(ms: number): string {
  return ms >= 1000 ? `${Math.round(ms / 100) / 10} s` : `${ms} ms`;
}
