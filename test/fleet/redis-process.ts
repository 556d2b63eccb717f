import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';

/** A redis-server of a test's own: loopback, its own port and folder, nothing saved to disk. */
export interface RedisProcess {
  port: number;
  url: string;
  /** Stops it (SIGTERM) and waits for it to be gone. */
  stop(): Promise<void>;
}

/** Starts `redis-server` on 127.0.0.1:`port` in `dir` (asking for `password` if given) and waits until it accepts connections. */
export async function startRedis(port: number, dir: string, password?: string, extraArgs: string[] = []): Promise<RedisProcess> {
  mkdirSync(dir, { recursive: true });
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--protected-mode', 'yes'];
  if (password !== undefined) args.push('--requirepass', password);
  args.push(...extraArgs);
  const child: ChildProcess = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`redis-server did not start in 15 s: ${output}`)), 15_000);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited (${code}): ${output}`));
    });
  });
  return {
    port,
    url: `redis://127.0.0.1:${port}/0`,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
