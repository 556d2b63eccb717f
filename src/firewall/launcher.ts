import { spawn, type ChildProcess } from 'node:child_process';

/** What a command run by the launcher ended with. */
export interface LaunchResult {
  /** Exit code; null when it was killed or could not start (`error` then says why). */
  code: number | null;
  error?: string;
  stdout: string;
  stderr: string;
}

interface Request {
  id: number;
  argv: string[];
  input: string;
}

interface Reply extends LaunchResult {
  id: number;
}

/**
 * The launcher's own program, run with `node -e` (as a module) so that it is found the same way
 * from the built package and from the sources. It starts each command it is sent (an argument
 * array, never a shell), gives it its input and sends back its exit code and output; it ends
 * with its parent.
 */
const LAUNCHER_CODE = `
import { spawn } from 'node:child_process';
process.on('message', (m) => {
  const out = [];
  const err = [];
  let failed;
  const child = spawn(m.argv[0], m.argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
  child.stdout.on('data', (d) => out.push(d));
  child.stderr.on('data', (d) => err.push(d));
  child.stdin.on('error', () => {});
  child.on('error', (e) => { failed = e.message; });
  child.on('close', (code) => process.send({
    id: m.id, code: failed === undefined ? code : null, error: failed,
    stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'),
  }));
  child.stdin.end(m.input);
});
process.on('disconnect', () => process.exit(0));
`;

/**
 * A small process, started while the daemon is small, that starts the firewall commands for it.
 * Starting a command from the daemon forks the daemon: at a few hundred MiB that took about 24 ms,
 * and every page the daemon wrote afterwards faulted to be made its own again, so in a flood fed
 * to `ipset` by batches the engine's own work ran several times slower (a scratch loop holding
 * 150 MiB added a million addresses in 1.88 s, 9.55 s with a command started every 4,096 adds).
 * Forking the launcher costs what its own few MiB of heap cost.
 *
 * Started again on the next command if it dies; the commands it was running then fail.
 */
export class Launcher {
  private child: ChildProcess | null = null;
  private readonly pending = new Map<number, { child: ChildProcess; resolve: (r: LaunchResult) => void }>();
  private nextId = 1;

  /** Starts the process now, so that it is forked from the daemon before the daemon grows. */
  start(): void {
    if (!this.child) this.startChild();
  }

  /** Runs `argv` with `input` on its stdin. */
  run(argv: string[], input: string): Promise<LaunchResult> {
    const child = this.child ?? this.startChild();
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, { child, resolve });
      this.hold(true);
      const request: Request = { id, argv, input };
      child.send(request, (err) => {
        if (err) this.settle({ id, code: null, error: `command launcher: ${err.message}`, stdout: '', stderr: '' });
      });
    });
  }

  /** Ends the process (commands still in flight fail); a later `run` starts a new one. */
  close(): void {
    const child = this.child;
    this.child = null;
    if (child?.connected) child.disconnect();
  }

  private startChild(): ChildProcess {
    const child = spawn(process.execPath, ['--max-semi-space-size=1', '--input-type=module', '-e', LAUNCHER_CODE], {
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      serialization: 'advanced',
    });
    this.child = child;
    child.on('message', (reply: Reply) => this.settle(reply));
    const died = (why: string): void => {
      if (this.child === child) this.child = null;
      for (const [id, waiting] of [...this.pending]) {
        if (waiting.child === child) this.settle({ id, code: null, error: `command launcher ${why}`, stdout: '', stderr: '' });
      }
    };
    child.on('error', (err) => died(`failed: ${err.message}`));
    child.on('exit', (code, signal) => died(`exited (${code ?? signal})`));
    this.hold(false);
    return child;
  }

  private settle(reply: Reply): void {
    const waiting = this.pending.get(reply.id);
    if (!waiting) return;
    this.pending.delete(reply.id);
    if (this.pending.size === 0) this.hold(false);
    const { id: _id, ...result } = reply;
    waiting.resolve(result);
  }

  /** Keeps the event loop alive while a command runs, and lets the launcher go when idle. */
  private hold(busy: boolean): void {
    const child = this.child;
    if (!child) return;
    const channel = child.channel as { ref?: () => void; unref?: () => void } | null | undefined;
    if (busy) {
      child.ref();
      channel?.ref?.();
    } else {
      child.unref();
      channel?.unref?.();
    }
  }
}
