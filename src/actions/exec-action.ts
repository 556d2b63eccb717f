import { spawn } from 'node:child_process';
import type { ExecActionSettings } from '../config/schema.js';
import { fillTemplate, type HookEvent } from './hook-event.js';
import { HookQueue, type HookQueueStatus } from './hook-queue.js';
import type { NotifierLog } from './types.js';

/** Output kept from a failed run, for the log line. */
const OUTPUT_KEPT = 400;

/** Runs a program from an argument array, without a shell; rejects on a non-zero exit or the timeout. */
export function runProgram(argv: readonly string[], timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { shell: false, stdio: ['ignore', 'ignore', 'pipe'], detached: true });
    let stderr = '';
    let timedOut = false;
    child.stderr!.on('data', (chunk: Buffer) => {
      if (stderr.length < OUTPUT_KEPT) stderr += chunk.toString('utf8');
    });
    const kill = (signal: NodeJS.Signals) => {
      try {
        // The whole process group: a hook's own children die with it.
        process.kill(-child.pid!, signal);
      } catch {
        child.kill(signal);
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      kill('SIGTERM');
      setTimeout(() => kill('SIGKILL'), 2000).unref();
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const said = stderr.trim().replace(/\s+/g, ' ').slice(0, OUTPUT_KEPT);
      if (timedOut) reject(new Error(`killed after the ${timeoutMs / 1000}s timeout`));
      else if (code === 0) resolve();
      else reject(new Error(`${code === null ? `killed by ${signal}` : `exit status ${code}`}${said ? `: ${JSON.stringify(said)}` : ''}`));
    });
  });
}

/** One `[actions.NAME]` exec hook: queued runs of its `ban` / `unban` template. */
export class ExecAction {
  private readonly queue: HookQueue;

  constructor(readonly name: string, private readonly settings: ExecActionSettings, log: NotifierLog, retryDelay?: (attempt: number) => number) {
    this.queue = new HookQueue({ concurrency: settings.concurrency, limit: settings.queue, retries: settings.retries, log, ...(retryDelay ? { retryDelay } : {}) });
  }

  /** Queues a run for this event; returns at once. */
  handle(event: HookEvent): void {
    const template = event.event === 'ban' ? this.settings.ban : this.settings.unban;
    if (!template) return;
    const argv = fillTemplate(template, event);
    const timeoutMs = this.settings.timeout * 1000;
    this.queue.push({ label: `exec action "${this.name}": ${event.event} ${event.ip} (${event.jail})`, run: () => runProgram(argv, timeoutMs) });
  }

  status(): HookQueueStatus {
    return this.queue.status();
  }

  stop(): Promise<void> {
    return this.queue.stop();
  }
}
