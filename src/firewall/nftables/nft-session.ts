import { spawn, type ChildProcess } from 'node:child_process';
import { CommandError } from '../run-command.js';
import type { CommandTarget } from '../types.js';

/**
 * Sent after every script: it always succeeds and prints one fixed line without asking the kernel
 * (a listing would load the sets into nft's cache: seconds with 100,000 bans), so its answer ends
 * the script's.
 */
const SENTINEL = 'describe meta length';
const SENTINEL_ANSWER = 'meta expression';

interface Pending {
  script: string;
  resolve: () => void;
  reject: (err: Error) => void;
}

/**
 * One long-lived `nft -i` for small changes (a ban, an unban): starting nft (and, in tests,
 * `ip netns exec`) costs more than the change itself, so the next ban is not held up by a process
 * start. Each script is written as one line, which nft runs as one transaction, followed by a
 * question whose fixed answer marks the end; anything on stderr by then is the script's error.
 * Scripts run one at a time in call order. The process is started on first use, started again
 * after it dies, and holds the event loop only while a script runs.
 */
export class NftSession {
  private child: ChildProcess | null = null;
  private readonly queue: Pending[] = [];
  private current: Pending | null = null;
  private stdout = '';
  private stderr = '';

  constructor(private readonly target: CommandTarget = {}) {}

  /** Runs `lines` as one transaction; rejects with a CommandError holding nft's stderr. */
  run(lines: string[]): Promise<void> {
    const script = lines.join('; ');
    if (script.includes('\n')) return Promise.reject(new Error('an nft session script must be one line'));
    return new Promise((resolve, reject) => {
      this.queue.push({ script, resolve, reject });
      if (!this.current) this.next();
    });
  }

  /** Ends the process (its stdin closed); a later `run` starts a new one. */
  close(): void {
    this.child?.stdin?.end();
    this.child = null;
  }

  private argv(): string[] {
    const nft = ['nft', '-i'];
    return this.target.netns ? ['ip', 'netns', 'exec', this.target.netns, ...nft] : nft;
  }

  private next(): void {
    this.current = this.queue.shift() ?? null;
    if (!this.current) {
      this.hold(false);
      return;
    }
    const child = this.child ?? this.startChild();
    this.hold(true);
    this.stdout = '';
    this.stderr = '';
    child.stdin!.write(`${this.current.script}\n${SENTINEL}\n`);
  }

  private startChild(): ChildProcess {
    const argv = this.argv();
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child = child;
    child.stdin!.on('error', () => {
      // The process died; its exit fails the script in flight.
    });
    child.stderr!.on('data', (d: Buffer) => (this.stderr += d.toString('utf8')));
    child.stdout!.on('data', (d: Buffer) => {
      this.stdout += d.toString('utf8');
      if (!this.stdout.includes(SENTINEL_ANSWER) || !this.stdout.endsWith('\n')) return;
      // The listing's line ends the script. stderr was written before it; what the same poll
      // round read of it is in by the next turn of the loop.
      setImmediate(() => this.finish());
    });
    const died = (why: string): void => {
      if (this.child === child) this.child = null;
      const pending = this.current;
      if (!pending) return;
      this.current = null;
      pending.reject(new CommandError(argv, null, this.stderr || why));
      this.next();
    };
    child.on('error', (err) => died(err.message));
    child.on('exit', (code, signal) => died(`nft exited (${code ?? signal})`));
    return child;
  }

  private finish(): void {
    const pending = this.current;
    if (!pending || !this.stdout.includes(SENTINEL_ANSWER)) return;
    this.current = null;
    const stderr = this.stderr;
    if (stderr.trim() !== '') pending.reject(new CommandError(this.argv(), 1, stderr));
    else pending.resolve();
    this.next();
  }

  /** Keeps the event loop alive while a script runs, and lets the process go when idle. */
  private hold(busy: boolean): void {
    const child = this.child;
    if (!child) return;
    for (const handle of [child, child.stdin, child.stdout, child.stderr] as Array<{ ref?: () => void; unref?: () => void } | null>) {
      if (busy) handle?.ref?.();
      else handle?.unref?.();
    }
  }
}
