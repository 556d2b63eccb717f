import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { SourcePosition } from '../types.js';
import { FileFollower, type FollowEvent, type FollowStats } from './file-follower.js';
import { firstLineOf } from './follow-identity.js';
import { errorMessage } from '../error-message.js';

/** A FollowEvent of one file, or a file starting or ending to be followed. */
export type GlobFollowEvent =
  | FollowEvent
  /** A file is followed: matched at start, newly matched by a glob, or a plain path. */
  | { type: 'added'; startAt: 'end' | 'beginning' | 'position' }
  /** A globbed file missing for two rescans is no longer followed (its position is kept). */
  | { type: 'removed' };

export interface GlobFollowerOptions {
  /** Where to begin in files that match at start and have no saved position. */
  startAt: 'end' | 'beginning';
  /** The saved position of a source (a path after expansion), if any. */
  positionOf?: (source: string) => SourcePosition | undefined;
  pollMs?: number;
  /** False: the followers poll only (see FileFollowerOptions.watch). */
  watch?: boolean;
  /** How often globs are expanded again; default 3000 ms. */
  rescanMs?: number;
  onLines: (source: string, lines: string[], position: SourcePosition) => void;
  onEvent?: (source: string, event: GlobFollowEvent) => void;
  /** See FileFollowerOptions.room. */
  room?: () => Promise<void> | undefined;
}

/** How many inodes (and positions of files no longer followed) are remembered. */
const SEEN_LIMIT = 4096;

/**
 * Follows every file that a list of paths and globs names. Globs are expanded at start and every
 * `rescanMs`; a file that matches later is new since start, so it is read from its beginning.
 * Plain paths are followed even while missing. A newly matched file that is one already read
 * under another name (same inode and first line: `app.log` rotated to `app.log.1`) is skipped, so
 * a glob that also matches rotated names does not read them twice; still, prefer globs that do not
 * (`*.log`), since a rotated name that is already followed sees its own rotations as new files.
 */
export class GlobFollower {
  private readonly followers = new Map<string, FileFollower>();
  /** When each missing source went missing (epoch ms). */
  private readonly missing = new Map<string, number>();
  /** Positions of files no longer followed, in case their path matches again. */
  private readonly left = new Map<string, SourcePosition>();
  /** Paths skipped as rotated copies, with the inode they had. */
  private readonly skipped = new Map<string, number>();
  private readonly seen = new Map<number, string>();
  private readonly rescanMs: number;
  private timer: NodeJS.Timeout | null = null;
  private scanning: Promise<void> | null = null;
  private stopped = false;

  constructor(
    readonly patterns: string[],
    private readonly options: GlobFollowerOptions,
  ) {
    this.rescanMs = options.rescanMs ?? 3000;
  }

  async start(): Promise<void> {
    await this.scan(true);
    if (this.stopped) return;
    this.timer = setInterval(() => void this.rescan(), this.rescanMs);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.scanning;
    await Promise.all([...this.followers.values()].map((f) => f.stop()));
  }

  /** Expands the globs now (also done on a timer). */
  async rescan(): Promise<void> {
    if (this.stopped) return;
    if (this.scanning) return this.scanning;
    const onError = (err: unknown) => {
      this.options.onEvent?.(this.patterns.join(' '), { type: 'error', message: errorMessage(err) });
    };
    this.scanning = this.scan(false)
      .catch(onError)
      .finally(() => {
        this.scanning = null;
      });
    return this.scanning;
  }

  /** The paths followed now. */
  sources(): string[] {
    return [...this.followers.keys()];
  }

  /** Followed paths that are not there now (never created, or gone and not back yet). */
  missingSources(): string[] {
    return [...this.missing.keys()];
  }

  stats(): FollowStats {
    const sum: FollowStats = { lines: 0, truncated: 0, rotations: 0 };
    for (const f of this.followers.values()) {
      sum.lines += f.stats.lines;
      sum.truncated += f.stats.truncated;
      sum.rotations += f.stats.rotations;
    }
    return sum;
  }

  private async scan(atStart: boolean): Promise<void> {
    const matched = new Set<string>();
    for (const pattern of this.patterns) {
      try {
        const found = hasGlob(pattern) ? await expandGlob(pattern) : [path.resolve(pattern)];
        for (const file of found) matched.add(file);
      } catch (err) {
        this.options.onEvent?.(pattern, { type: 'error', message: errorMessage(err) });
      }
    }
    for (const source of matched) {
      if (this.stopped) return;
      if (!this.followers.has(source)) await this.add(source, atStart);
    }
    // A file missing for two rescans is gone, not between a rename and a create.
    const goneBefore = Date.now() - 2 * this.rescanMs;
    for (const [source, follower] of this.followers) {
      const since = this.missing.get(source);
      if (matched.has(source) || since === undefined || since > goneBefore) continue;
      this.followers.delete(source);
      this.missing.delete(source);
      await follower.stop();
      this.left.set(source, follower.position());
      if (this.left.size > SEEN_LIMIT) this.left.delete(this.left.keys().next().value!);
      this.options.onEvent?.(source, { type: 'removed' });
    }
  }

  private async add(source: string, atStart: boolean): Promise<void> {
    const saved = this.left.get(source) ?? this.options.positionOf?.(source);
    if (!saved && !atStart && (await this.isRotatedCopy(source))) return;
    this.left.delete(source);
    const startAt = atStart ? this.options.startAt : 'beginning';
    const follower: FileFollower = new FileFollower(source, {
      startAt,
      ...(saved ? { position: saved } : {}),
      ...(this.options.pollMs !== undefined ? { pollMs: this.options.pollMs } : {}),
      ...(this.options.watch !== undefined ? { watch: this.options.watch } : {}),
      ...(this.options.room ? { room: this.options.room } : {}),
      onLines: (lines, position) => {
        this.remember(position);
        this.options.onLines(source, lines, position);
      },
      onEvent: (event) => {
        if (event.type === 'missing') this.missing.set(source, Date.now());
        if (event.type === 'appeared') this.missing.delete(source);
        this.remember(follower.position());
        this.options.onEvent?.(source, event);
      },
    });
    this.followers.set(source, follower);
    this.options.onEvent?.(source, { type: 'added', startAt: saved ? 'position' : startAt });
    await follower.start();
    this.remember(follower.position());
  }

  /** Same inode and first line as a file already read: a rotated file under its new name. */
  private async isRotatedCopy(source: string): Promise<boolean> {
    let inode: number;
    try {
      inode = (await stat(source)).ino;
    } catch {
      return false;
    }
    if (this.skipped.get(source) === inode) return true;
    const hash = this.seen.get(inode);
    if (hash === undefined) return false;
    if ((await firstLineOf(source))?.hash !== hash) return false;
    this.skipped.set(source, inode);
    return true;
  }

  private remember(position: SourcePosition): void {
    if (position.inode === 0) return;
    this.seen.delete(position.inode);
    this.seen.set(position.inode, position.firstLineHash);
    if (this.seen.size > SEEN_LIMIT) {
      const oldest = this.seen.keys().next().value;
      if (oldest !== undefined) this.seen.delete(oldest);
    }
  }
}

/** Whether a path has `*`, `?` or `[` in it. */
export function hasGlob(pattern: string): boolean {
  return /[*?[]/.test(pattern);
}

/**
 * The regular files (symbolic links followed) that `pattern` names, sorted. `*`, `?` and `[...]`
 * (`[!...]` or `[^...]` negated, ranges allowed) work in any segment and never match `/`; as in a
 * shell, a leading `.` is only matched by a pattern segment that starts with `.`.
 */
export async function expandGlob(pattern: string): Promise<string[]> {
  const absolute = path.resolve(pattern);
  let bases = [path.parse(absolute).root];
  for (const segment of absolute.split(path.sep).filter((s) => s !== '')) {
    if (!hasGlob(segment)) {
      bases = bases.map((base) => path.join(base, segment));
      continue;
    }
    const re = segmentRegExp(segment);
    const next: string[] = [];
    for (const base of bases) {
      let names: string[];
      try {
        names = await readdir(base);
      } catch {
        continue; // a folder that is missing or unreadable matches nothing
      }
      for (const name of names) {
        if (name.startsWith('.') && !segment.startsWith('.')) continue;
        if (re.test(name)) next.push(path.join(base, name));
      }
    }
    bases = next;
  }
  const files: string[] = [];
  for (const candidate of bases) {
    try {
      if ((await stat(candidate)).isFile()) files.push(candidate);
    } catch {
      // vanished or unreadable
    }
  }
  return files.sort();
}

/** One path segment's glob as an anchored RegExp. */
export function segmentRegExp(segment: string): RegExp {
  let source = '';
  for (let i = 0; i < segment.length; i++) {
    const c = segment[i]!;
    if (c === '*') source += '.*';
    else if (c === '?') source += '.';
    else if (c === '[') {
      // A ']' right after '[' (or '[!') is a member, as in a shell.
      let j = i + 1;
      if (segment[j] === '!' || segment[j] === '^') j++;
      if (segment[j] === ']') j++;
      const close = segment.indexOf(']', j);
      if (close === -1) {
        source += '\\[';
        continue;
      }
      let body = segment.slice(i + 1, close);
      const negate = body.startsWith('!') || body.startsWith('^');
      if (negate) body = body.slice(1);
      source += `[${negate ? '^' : ''}${body.replace(/[\\\]^[]/g, '\\$&')}]`;
      i = close;
    } else source += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(`^${source}$`, 's');
}
