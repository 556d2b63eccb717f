import { spawn, type ChildProcess } from 'node:child_process';
import { Launcher } from './launcher.js';
import type { CommandTarget } from './types.js';

/** A firewall command that failed: what ran, its exit code and what it said on stderr. */
export class CommandError extends Error {
  constructor(
    readonly argv: string[],
    readonly code: number | null,
    readonly stderr: string,
  ) {
    super(`${argv.join(' ')} failed (exit ${code ?? 'signal'}): ${stderr.trim() || '(no stderr)'}`);
    this.name = 'CommandError';
  }
}

/** Output of a command that succeeded. */
export interface CommandResult {
  stdout: string;
  stderr: string;
}

/** The process that starts commands given their whole input, while one is held (see holdLauncher). */
let launcher: Launcher | null = null;
let holders = 0;

/**
 * Has `runCommand` start commands through a launcher (started now, while this process is small)
 * until as many `releaseLauncher` calls are made. Only commands whose input is one text (or none):
 * one fed by a generator (a restore of every ban, once per start) is started here, its input made
 * as it reads.
 */
export function holdLauncher(): void {
  if (holders++ === 0) {
    launcher = new Launcher();
    launcher.start();
  }
}

/** Ends one `holdLauncher`; the last one ends the launcher and commands start here again. */
export function releaseLauncher(): void {
  if (holders === 0 || --holders > 0) return;
  launcher?.close();
  launcher = null;
}

/** Bytes of a command's input made and queued ahead of what its pipe has taken. */
const QUEUED_BYTES = 1 << 20;

/**
 * Runs a command from an argument array, never through a shell; `input` goes to its stdin (how
 * bulk scripts reach `ipset restore`, `iptables-restore` and `nft -f -`), as one text or in
 * pieces taken one at a time as the command reads them: a restore of a million bans is never one
 * string, nor all of its bytes at once: pieces made by a generator are made at most QUEUED_BYTES
 * ahead of what the command has taken. Should taking the next piece throw (a bad address found
 * part-way), the command is killed before its input ends, so `nft -f` commits nothing, and the
 * promise rejects with that error. Inside a network namespace when the target names one. Started
 * by the launcher while one is held.
 */
export function runCommand(argv: string[], target: CommandTarget = {}, input?: string | Iterable<string>): Promise<CommandResult> {
  const full = target.netns ? ['ip', 'netns', 'exec', target.netns, ...argv] : argv;
  if (launcher && (typeof input === 'string' || input === undefined)) return launched(launcher, full, input ?? '');
  return new Promise((resolve, reject) => {
    const child = spawn(full[0]!, full.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let failed: unknown = null;
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('error', (e) => reject(new CommandError(full, null, e.message)));
    child.on('close', (code) => {
      if (failed !== null) return reject(failed);
      const stdout = Buffer.concat(out).toString('utf8');
      const stderr = Buffer.concat(err).toString('utf8');
      if (code === 0) resolve({ stdout, stderr });
      else reject(new CommandError(full, code, stderr));
    });
    child.stdin.on('error', () => {
      // The command may exit before reading all input; its exit code tells what happened.
    });
    const pieces = (typeof input === 'string' || input === undefined ? [input ?? ''] : input)[Symbol.iterator]();
    let ended = false;
    child.on('exit', () => {
      ended = true;
    });
    // Pieces are made ahead of the command, up to QUEUED_BYTES, so it never waits for the next
    // one to be made while its pipe is empty. (Waiting for 'drain' after each piece let the two
    // take turns: the daemon sat idle 40% of a restore of a million.) A command
    // that exits early never reads all its stdin: its exit settles the promise.
    let waiting = false;
    const flushed = (): void => {
      if (waiting && child.stdin.writableLength <= QUEUED_BYTES / 2) {
        waiting = false;
        write();
      }
    };
    const write = (): void => {
      try {
        while (!ended && !child.stdin.destroyed) {
          if (child.stdin.writableLength >= QUEUED_BYTES) return void (waiting = true);
          const next = pieces.next();
          if (next.done) return void child.stdin.end();
          child.stdin.write(next.value, flushed);
        }
      } catch (error) {
        failed = error;
        // Killed with its input unfinished: nothing of it is committed (nft), or only what a
        // temporary set received (ipset); the error is the caller's, not the command's.
        child.kill('SIGKILL');
      }
    };
    write();
  });
}

async function launched(by: Launcher, argv: string[], input: string): Promise<CommandResult> {
  const { code, error, stdout, stderr } = await by.run(argv, input);
  if (code === 0) return { stdout, stderr };
  throw new CommandError(argv, code, error ?? stderr);
}

interface Pending {
  script: string;
  resolve: () => void;
  reject: (err: Error) => void;
}

/** How a command's interactive mode is driven. */
export interface SessionProtocol {
  /** The interactive command, e.g. `nft -i`. */
  argv: string[];
  /** How a script's lines are written (nft: one line, one transaction). */
  join: (lines: string[]) => string;
  /** Sent after every script: always succeeds and prints `answer` without touching the kernel. */
  sentinel: string;
  answer: string;
  /** Set in the command's environment (over this process's). */
  env?: Record<string, string>;
  /**
   * After this many scripts the process is ended and the next script starts a new one: for a
   * command that keeps every line it was given (nft's line history), so a long run stays small.
   */
  maxScripts?: number;
}

/**
 * One long-lived interactive firewall command for small changes (a ban, an unban): starting the
 * tool (and, in tests, `ip netns exec`) costs more than the change itself, so the next ban is not
 * held up by a process start. Each script is followed by a question whose fixed answer marks the
 * end; anything on stderr by then is the script's error. Scripts run one at a time in call order.
 * The process is started on first use (or by `warm`), started again after it dies, and holds the
 * event loop only while a script runs.
 */
export class CommandSession {
  private child: ChildProcess | null = null;
  private readonly queue: Pending[] = [];
  private current: Pending | null = null;
  private stdout = '';
  private stderr = '';
  /** Scripts given to the running process. */
  private scripts = 0;

  constructor(
    private readonly protocol: SessionProtocol,
    private readonly target: CommandTarget = {},
  ) {}

  /** Runs `lines`; rejects with a CommandError holding the command's stderr. */
  run(lines: string[]): Promise<void> {
    let script: string;
    try {
      script = this.protocol.join(lines);
    } catch (err) {
      return Promise.reject(err);
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ script, resolve, reject });
      if (!this.current) this.next();
    });
  }

  /**
   * Starts the process now if none runs (holding nothing), so the first script does not wait for
   * it: a ban after a long quiet spell or a flood's file-fed batches paid for the start, 36 ms
   * against 4 ms for the next ones in a namespace, and more as the daemon's memory grows (a fork
   * copies its page tables).
   */
  warm(): void {
    if (this.child) return;
    // No script is in flight without a process, so the new one holds nothing yet.
    this.startChild();
    this.hold(false);
  }

  /** Ends the process (its stdin closed); a later `run` starts a new one. */
  close(): void {
    this.child?.stdin?.end();
    this.child = null;
  }

  private argv(): string[] {
    const argv = this.protocol.argv;
    return this.target.netns ? ['ip', 'netns', 'exec', this.target.netns, ...argv] : argv;
  }

  private next(): void {
    this.current = this.queue.shift() ?? null;
    if (!this.current) {
      this.hold(false);
      return;
    }
    if (this.child && this.protocol.maxScripts !== undefined && this.scripts >= this.protocol.maxScripts) this.close();
    const child = this.child ?? this.startChild();
    this.scripts++;
    this.hold(true);
    this.stdout = '';
    this.stderr = '';
    child.stdin!.write(`${this.current.script}\n${this.protocol.sentinel}\n`);
  }

  private startChild(): ChildProcess {
    const argv = this.argv();
    const env = this.protocol.env ? { ...process.env, ...this.protocol.env } : process.env;
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'], env });
    this.child = child;
    this.scripts = 0;
    child.stdin!.on('error', () => {
      // The process died; its exit fails the script in flight.
    });
    // What a process ended by close() still writes is not the current script's.
    child.stderr!.on('data', (d: Buffer) => {
      if (this.child === child) this.stderr += d.toString('utf8');
    });
    child.stdout!.on('data', (d: Buffer) => {
      if (this.child !== child) return;
      this.stdout += d.toString('utf8');
      if (!this.answered()) return;
      // The answer ends the script. stderr was written before it; what the same poll
      // round read of it is in by the next turn of the loop.
      setImmediate(() => this.finish());
    });
    const died = (why: string): void => {
      // One ended by close() had no script left: the script in flight is a later process's.
      if (this.child !== child) return;
      this.child = null;
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
    if (!pending || !this.answered()) return;
    this.current = null;
    const stderr = this.stderr;
    if (stderr.trim() !== '') pending.reject(new CommandError(this.argv(), 1, stderr));
    else pending.resolve();
    this.next();
  }

  /** Whether the end marker's whole line is in (a prompt may follow it). */
  private answered(): boolean {
    const at = this.stdout.indexOf(this.protocol.answer);
    return at >= 0 && this.stdout.indexOf('\n', at) >= 0;
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
