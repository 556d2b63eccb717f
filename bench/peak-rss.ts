/**
 * Runs a command as a child process and measures its wall time and peak resident set size.
 *
 * Peak RSS comes from GNU time (`/usr/bin/time -f %M`, Debian package `time`) when it is
 * installed: the kernel's own maximum for the process. Without it, /proc/<pid>/status VmHWM (the
 * kernel's high-water mark) is polled every 20 ms; only growth in the last poll interval before
 * exit can be missed.
 */
import { spawn } from 'node:child_process';
import { existsSync, openSync, closeSync, readFileSync, readdirSync, readlinkSync, rmSync } from 'node:fs';

const GNU_TIME = '/usr/bin/time';

/** One measured run. */
export interface Measurement {
  /** Wall time from spawn to exit, in milliseconds. */
  wallMs: number;
  /** Peak RSS in kB, or null when it could not be read. */
  peakRssKb: number | null;
  /** How the peak was measured. */
  rssMethod: 'gnu-time' | 'proc-poll';
  exitCode: number | null;
  /** The child's stdout, written to this file (it can be tens of MB). */
  stdoutFile: string;
  /** The last 8 kB of the child's stderr. */
  stderrTail: string;
}

/** Where a running child is, for progress lines. */
export interface Progress {
  elapsedMs: number;
  /** Current RSS in kB, when readable. */
  rssKb: number | null;
  /** Share (0..1) of `progressFile` the child has read, when its descriptor is found. */
  fractionRead: number | null;
}

/** Options of one measured run. */
export interface MeasureOptions {
  cwd?: string;
  /** Where to write the child's stdout. */
  stdoutFile: string;
  /** Use /proc polling even when GNU time is installed (BENCH_RSS=poll). */
  forcePoll?: boolean;
  /** A file the child reads, to report how far it got. */
  progressFile?: { path: string; size: number };
  /** Called every `progressEveryMs` (default 5000) while the child runs. */
  onProgress?: (p: Progress) => void;
  progressEveryMs?: number;
}

/** Whether GNU time is usable here. */
export function hasGnuTime(): boolean {
  return existsSync(GNU_TIME);
}

function readStatusKb(pid: number, field: 'VmHWM' | 'VmRSS'): number | null {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null; // already gone, or not Linux
  }
}

/** Under GNU time the measured process is time's only child. */
function firstChild(pid: number): number | null {
  try {
    const first = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/)[0];
    return first ? Number(first) : null;
  } catch {
    return null;
  }
}

function fractionRead(pid: number, file: { path: string; size: number }): number | null {
  try {
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      if (readlinkSync(`/proc/${pid}/fd/${fd}`) !== file.path) continue;
      const pos = /^pos:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8'));
      if (pos) return Math.min(1, Number(pos[1]) / file.size);
    }
  } catch {
    // the child exited between two reads
  }
  return null;
}

/** Runs `cmd args` and resolves when it exits; never rejects on a non-zero exit. */
export function measure(cmd: string, args: string[], opts: MeasureOptions): Promise<Measurement> {
  const useTime = !opts.forcePoll && hasGnuTime();
  const timeFile = `${opts.stdoutFile}.rss`;
  const [file, argv] = useTime ? [GNU_TIME, ['-f', '%M', '-o', timeFile, cmd, ...args]] : [cmd, args];
  const out = openSync(opts.stdoutFile, 'w');
  const started = performance.now();
  const child = spawn(file, argv, { cwd: opts.cwd, stdio: ['ignore', out, 'pipe'] });
  closeSync(out);
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (s: string) => {
    stderr = (stderr + s).slice(-8192);
  });

  let polledPeak: number | null = null;
  const measuredPid = () => (useTime ? firstChild(child.pid ?? -1) : child.pid ?? null);
  const poller = useTime ? undefined : setInterval(() => {
    const hwm = child.pid ? readStatusKb(child.pid, 'VmHWM') : null;
    if (hwm !== null) polledPeak = Math.max(polledPeak ?? 0, hwm);
  }, 20);
  const reporter = opts.onProgress && setInterval(() => {
    const pid = measuredPid();
    opts.onProgress!({
      elapsedMs: performance.now() - started,
      rssKb: pid ? readStatusKb(pid, 'VmRSS') : null,
      fractionRead: pid && opts.progressFile ? fractionRead(pid, opts.progressFile) : null,
    });
  }, opts.progressEveryMs ?? 5000);

  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      const wallMs = performance.now() - started;
      clearInterval(poller);
      clearInterval(reporter);
      let peakRssKb = polledPeak;
      if (useTime) {
        // GNU time writes "Command exited with non-zero status N" before the figure on failure.
        const last = existsSync(timeFile) ? readFileSync(timeFile, 'utf8').trim().split('\n').pop() : '';
        peakRssKb = last && /^\d+$/.test(last) ? Number(last) : null;
        rmSync(timeFile, { force: true });
      }
      resolve({ wallMs, peakRssKb, rssMethod: useTime ? 'gnu-time' : 'proc-poll', exitCode: code,
        stdoutFile: opts.stdoutFile, stderrTail: stderr });
    });
  });
}

/** The median of some numbers (the mean of the middle two for an even count). */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Nearest-rank percentile (`p` in 0-100) of values sorted ascending; undefined for none. */
export function percentile(sorted: number[], p: number): number | undefined {
  if (sorted.length === 0) return undefined;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** A command line as one would type it, for the report. */
export function shellQuote(cmd: string, args: string[]): string {
  return [cmd, ...args].map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`))
    .join(' ');
}
