import { watch, type FSWatcher } from 'node:fs';
import { open, stat, type FileHandle } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import type { SourcePosition } from '../types.js';
import { errorCode, readFirstLine, type FirstLine } from './follow-identity.js';
import { LineSplitter, MAX_HELD_BYTES } from './follow-line-splitter.js';
import { drainRotated, findRotatedPredecessor } from './rotated-predecessor.js';
import { errorMessage } from '../error-message.js';

/** Something that happened to the followed file, besides lines. */
export type FollowEvent =
  /** Renamed away and replaced by a new file (after the old one was drained), or truncated in place. */
  | { type: 'rotated'; how: 'rename' | 'truncate' }
  /** Nothing at the path any more (the last descriptor is still drained until a file comes back). */
  /** `never`: not there since this follower started (a path that may never have existed). */
  | { type: 'missing'; never: boolean }
  /** A file is at the path again (or for the first time); it is read from its beginning. */
  | { type: 'appeared' }
  /** A read or open failed; the follower keeps polling. Repeats of the same message are not re-sent. */
  | { type: 'error'; message: string }
  /** At start: the saved position's file had been rotated to `file` meanwhile; its rest was read first. */
  | { type: 'drained'; file: string; lines: number };

export interface FileFollowerOptions {
  /** Where to begin in a file that exists at start, when no saved position applies. */
  startAt: 'end' | 'beginning';
  /** A saved position: resumed if it is the same file (inode and first-line hash), else read from 0. */
  position?: SourcePosition;
  /** The polling fallback, which always runs besides fs.watch. */
  pollMs?: number;
  /** False: polling only, for filesystems where fs.watch reports nothing (some network mounts). */
  watch?: boolean;
  /** Complete lines, in order, with the position just after the last of them. */
  onLines: (lines: string[], position: SourcePosition) => void;
  onEvent?: (event: FollowEvent) => void;
  /** After each batch of a backlog: a promise to wait for before reading on, while the reader of the lines catches up. */
  room?: () => Promise<void> | undefined;
}

export interface FollowStats {
  lines: number;
  /** Lines longer than MAX_LINE_LENGTH, skipped. */
  truncated: number;
  /** Rename and copytruncate rotations seen. */
  rotations: number;
}

const READ_SIZE = 64 * 1024;
/**
 * A backlog (a log read from its beginning, a flood) is delivered in batches: each batch is one
 * store transaction, with its disk sync, and one firewall command. A batch holds at least
 * MIN_BATCH_BYTES of lines, and a sixteenth of the backlog up to MAX_BATCH_BYTES.
 */
const MIN_BATCH_BYTES = 256 * 1024;
const MAX_BATCH_BYTES = 1024 * 1024;

/** The bytes of lines a batch gathers with `backlog` bytes still to read. */
export function batchBytesFor(backlog: number): number {
  return Math.min(MAX_BATCH_BYTES, Math.max(MIN_BATCH_BYTES, Math.floor(backlog / 16)));
}

/**
 * Follows one log file like `tail -F`, losing no line and reading none twice across rename and
 * copytruncate rotation, deletion and restarts.
 *
 * Reads are serialized: fs.watch (on the file and its folder) and a polling timer only wake one
 * loop. A renamed-away file is kept open and drained until the new file at the path has content,
 * because a daemon told to reopen its log keeps writing to the old one until it does (logrotate's
 * `create`). Copytruncate has an inherent race: lines written after our last read and before the
 * truncate exist only in the copy, which is not read, so they are lost to us; see `readToEnd`.
 */
export class FileFollower {
  readonly stats: FollowStats = { lines: 0, truncated: 0, rotations: 0 };

  private readonly pollMs: number;
  private readonly splitter = new LineSplitter();
  private readonly buffer = Buffer.alloc(READ_SIZE);
  private fd: FileHandle | null = null;
  private inode = 0;
  private dev = 0;
  private first: FirstLine = { hash: '', stable: false };
  /** Where the next read starts (past any held partial line). */
  private readOffset = 0;
  /** Bytes of complete lines delivered: what `position()` reports. */
  private consumed = 0;
  private openedOnce = false;
  private missing = false;
  private started = false;
  private stopped = false;
  private busy = false;
  private again = false;
  private loopDone: Promise<void> = Promise.resolve();
  private lastError: string | null = null;
  private timer: NodeJS.Timeout | null = null;
  private fileWatcher: FSWatcher | null = null;
  private dirWatcher: FSWatcher | null = null;

  constructor(
    readonly path: string,
    private readonly options: FileFollowerOptions,
  ) {
    this.pollMs = options.pollMs ?? 250;
  }

  /** Opens the file (or notes it missing), fixes the start offset, and starts watching. */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    this.busy = true;
    this.loopDone = this.openFirst(); // stop() waits for it, so a stop during start closes the file
    await this.loopDone;
    if (this.stopped) return;
    this.watchDir();
    this.timer = setInterval(() => this.wake(), this.pollMs);
    this.wake();
  }

  /** Stops watching and waits for a read in progress; no `onLines` call comes after this settles. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.closeWatchers();
    await this.loopDone;
    await this.closeFile();
  }

  /** Where reading has got to (complete lines only), to save and pass back as `position`. */
  position(): SourcePosition {
    if (!this.openedOnce) {
      return this.options.position ?? { source: this.path, inode: 0, offset: 0, firstLineHash: '' };
    }
    return { source: this.path, inode: this.inode, offset: this.consumed, firstLineHash: this.first.hash };
  }

  /** Asks for a read now; if one is running, it loops once more when done. */
  wake(): void {
    if (!this.started || this.stopped) return;
    if (this.busy) {
      this.again = true;
      return;
    }
    this.busy = true;
    this.loopDone = this.runLoop();
  }

  private async openFirst(): Promise<void> {
    try {
      await this.drainPredecessor();
      await this.openAtPath(true);
    } catch (err) {
      this.reportError(err);
    } finally {
      this.busy = false;
    }
  }

  /** Lines written before a rotation that happened while we were down: read from the rotated copy. */
  private async drainPredecessor(): Promise<void> {
    const saved = this.options.position;
    if (!saved) return;
    const rotated = await findRotatedPredecessor(this.path, saved);
    if (!rotated) return;
    const lines = await drainRotated(rotated, saved, (batch, position) => {
      this.stats.lines += batch.length;
      try {
        this.options.onLines(batch, position);
      } catch (err) {
        this.reportError(new Error(`onLines failed: ${errorMessage(err)}`));
      }
    });
    this.emit({ type: 'drained', file: rotated, lines });
  }

  private async runLoop(): Promise<void> {
    try {
      do {
        this.again = false;
        try {
          await this.tick();
          this.lastError = null;
        } catch (err) {
          this.reportError(err);
        }
      } while (this.again && !this.stopped);
    } finally {
      this.busy = false;
    }
  }

  private async tick(): Promise<void> {
    if (this.dirWatcher === null && this.options.watch !== false) this.watchDir();
    if (this.fd === null) {
      await this.openAtPath(false);
      if (this.fd === null) return;
    }
    await this.readToEnd();
    if (!this.stopped) await this.checkPath();
  }

  /**
   * Reads the open descriptor from `readOffset` to its end. A file truncated in place (smaller
   * than what we read, or with another first line) is restarted at 0 after what was held is
   * delivered. The first line is checked again after every read: if the file was truncated and
   * grew back past our offset just before the read, the bytes read belong to the new content at
   * a wrong offset, so they are dropped and the new content is read from 0 instead. Bytes written
   * between our last read and the truncate are lost (they are only in the copy); so are new
   * contents whose first line is byte-identical to the old one's, which is not detected.
   */
  private async readToEnd(): Promise<void> {
    const fd = this.fd;
    if (fd === null) return;
    const { size } = await fd.stat();
    if (size < this.readOffset || (await this.firstLineChanged(fd))) this.restartTruncated();
    // Lines of full reads are gathered up to the batch size; a short read (the end of the file) delivers at once.
    const batchBytes = batchBytesFor(size - this.readOffset);
    const batch = { lines: [] as string[], truncated: 0, bytes: 0 };
    const deliverBatch = (): void => {
      const { lines, truncated } = batch;
      batch.lines = [];
      batch.truncated = 0;
      batch.bytes = 0;
      this.deliver(lines, truncated);
    };
    try {
      while (!this.stopped) {
        const { bytesRead } = await fd.read(this.buffer, 0, READ_SIZE, this.readOffset);
        if (bytesRead === 0 || this.stopped) return;
        if (await this.firstLineChanged(fd)) {
          deliverBatch();
          this.restartTruncated();
          continue;
        }
        this.readOffset += bytesRead;
        const part = this.splitter.push(this.buffer.subarray(0, bytesRead));
        this.consumed += part.advanced;
        if (!this.first.stable) this.first = await readFirstLine(fd);
        for (const line of part.lines) batch.lines.push(line);
        batch.truncated += part.truncated;
        batch.bytes += bytesRead;
        if (bytesRead < READ_SIZE || batch.bytes >= batchBytes) {
          deliverBatch();
          const wait = this.options.room?.();
          if (wait) await wait;
        }
      }
    } finally {
      // What was read before a stop or an error is delivered, as its position is already counted.
      deliverBatch();
    }
  }

  private async firstLineChanged(fd: FileHandle): Promise<boolean> {
    if (!this.first.stable) return false;
    return (await readFirstLine(fd)).hash !== this.first.hash;
  }

  private restartTruncated(): void {
    this.deliverHeld();
    this.splitter.reset();
    this.readOffset = 0;
    this.consumed = 0;
    this.first = { hash: '', stable: false };
    this.stats.rotations++;
    this.emit({ type: 'rotated', how: 'truncate' });
  }

  /** After the descriptor is drained: is the same file still at the path? */
  private async checkPath(): Promise<void> {
    let now;
    try {
      now = await stat(this.path);
    } catch (err) {
      if (errorCode(err) !== 'ENOENT' && errorCode(err) !== 'ENOTDIR') throw err;
      this.markMissing();
      return;
    }
    if (now.ino === this.inode && now.dev === this.dev) {
      this.markAppeared(); // renamed away and back
      return;
    }
    // Another file: wait for its first bytes, which show the writer has moved over to it.
    if (now.size === 0) return;
    await this.readToEnd();
    if (this.stopped) return;
    this.deliverHeld();
    await this.closeFile();
    if (!this.missing) {
      this.stats.rotations++;
      this.emit({ type: 'rotated', how: 'rename' });
    }
    await this.openAtPath(false);
    this.again = true;
  }

  /** Opens what is at the path now; `atStart` applies `startAt` to a file that is there already. */
  private async openAtPath(atStart: boolean): Promise<void> {
    let fd: FileHandle;
    try {
      fd = await open(this.path, 'r');
    } catch (err) {
      if (errorCode(err) !== 'ENOENT' && errorCode(err) !== 'ENOTDIR') throw err;
      this.markMissing(atStart);
      return;
    }
    try {
      const st = await fd.stat();
      if (!st.isFile()) throw new Error(`${this.path} is not a regular file`);
      this.first = await readFirstLine(fd);
      this.inode = st.ino;
      this.dev = st.dev;
      this.splitter.reset();
      this.readOffset = 0;
      if (!this.openedOnce) await this.applyStart(fd, st.size, atStart);
      this.consumed = this.readOffset;
    } catch (err) {
      await fd.close();
      throw err;
    }
    this.fd = fd;
    this.openedOnce = true;
    this.watchFile();
    this.markAppeared();
  }

  private async applyStart(fd: FileHandle, size: number, atStart: boolean): Promise<void> {
    const saved = this.options.position;
    if (saved) {
      const same = saved.inode === this.inode && saved.firstLineHash === this.first.hash;
      if (same && saved.offset <= size) this.readOffset = saved.offset;
      return;
    }
    if (atStart && this.options.startAt === 'end') await this.seekLastLineEnd(fd, size);
  }

  /**
   * Starts after the last complete line, so an unfinished last line is delivered whole once its
   * newline comes; one longer than the held-bytes bound is skipped to its newline instead.
   */
  private async seekLastLineEnd(fd: FileHandle, size: number): Promise<void> {
    let end = size;
    while (end > 0 && size - end <= MAX_HELD_BYTES) {
      const from = Math.max(0, end - READ_SIZE);
      const { bytesRead } = await fd.read(this.buffer, 0, end - from, from);
      const nl = this.buffer.subarray(0, bytesRead).lastIndexOf(0x0a);
      if (nl !== -1) {
        this.readOffset = from + nl + 1;
        return;
      }
      end = from;
    }
    if (end === 0) return; // one unfinished line: read it from 0
    this.readOffset = size;
    this.splitter.discardUntilNewline();
  }

  /** Delivers a last line without its newline (the file is left for good, or truncated). */
  private deliverHeld(): void {
    const rest = this.splitter.flush();
    this.consumed += rest.advanced;
    this.deliver(rest.lines, rest.truncated);
  }

  private deliver(lines: string[], truncated: number): void {
    this.stats.truncated += truncated;
    if (lines.length === 0) return;
    this.stats.lines += lines.length;
    try {
      this.options.onLines(lines, this.position());
    } catch (err) {
      this.reportError(new Error(`onLines failed: ${errorMessage(err)}`));
    }
  }

  private markMissing(never = false): void {
    if (this.missing) return;
    this.missing = true;
    this.emit({ type: 'missing', never });
  }

  private markAppeared(): void {
    if (!this.missing) return;
    this.missing = false;
    this.emit({ type: 'appeared' });
  }

  private reportError(err: unknown): void {
    const message = errorMessage(err);
    if (message === this.lastError) return;
    this.lastError = message;
    this.emit({ type: 'error', message });
  }

  private emit(event: FollowEvent): void {
    try {
      this.options.onEvent?.(event);
    } catch {
      // A listener's failure must not stop the follower.
    }
  }

  private watchFile(): void {
    this.fileWatcher?.close();
    this.fileWatcher = this.watchOrNull(this.path, () => this.wake());
  }

  private watchDir(): void {
    const base = basename(this.path);
    this.dirWatcher = this.watchOrNull(dirname(this.path), (name) => {
      if (name === null || name === base) this.wake();
    });
  }

  /** fs.watch is only a hint (it misses events on some filesystems); polling is the guarantee. */
  private watchOrNull(target: string, onChange: (name: string | null) => void): FSWatcher | null {
    if (this.stopped || this.options.watch === false) return null;
    try {
      const watcher = watch(target, { persistent: false }, (_event, name) => onChange(name));
      watcher.on('error', () => {
        watcher.close();
        if (this.fileWatcher === watcher) this.fileWatcher = null;
        if (this.dirWatcher === watcher) this.dirWatcher = null;
      });
      return watcher;
    } catch {
      return null;
    }
  }

  private closeWatchers(): void {
    this.fileWatcher?.close();
    this.dirWatcher?.close();
    this.fileWatcher = null;
    this.dirWatcher = null;
  }

  private async closeFile(): Promise<void> {
    const fd = this.fd;
    this.fd = null;
    this.fileWatcher?.close();
    this.fileWatcher = null;
    if (fd) await fd.close();
  }
}
