/**
 * Throw-away network namespaces for the benches: every firewall command of the bench runs
 * inside one, so the host's own firewall is never touched. Each namespace is deleted in `finally`,
 * and on Ctrl-C / SIGTERM / a crash the ones still alive are emptied and deleted before exit.
 */
import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';

/** Namespaces this process created and has not deleted yet. */
const alive = new Set<string>();
let handlersInstalled = false;

/** Runs a command (argument array, no shell) and returns its stdout; throws with stderr on failure. */
export function execFileText(argv: string[], timeoutMs = 0): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(argv[0]!, argv.slice(1), { maxBuffer: 1 << 30, timeout: timeoutMs }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${argv.join(' ')}: ${String(stderr).trim() || err.message}`));
      else resolve(String(stdout));
    });
  });
}

/** The argv that runs `argv` inside namespace `ns`. */
export function inNetns(ns: string, argv: string[]): string[] {
  return ['ip', 'netns', 'exec', ns, ...argv];
}

/** Creates `<prefix>-<random>` with its loopback up, and registers it for clean-up. */
export function createNetns(prefix = 'pcb'): string {
  installCleanupHandlers();
  const ns = `${prefix}-${randomBytes(4).toString('hex')}`;
  execFileSync('ip', ['netns', 'add', ns], { stdio: ['ignore', 'ignore', 'pipe'] });
  alive.add(ns);
  const [cmd, ...args] = inNetns(ns, ['ip', 'link', 'set', 'lo', 'up']);
  execFileSync(cmd!, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  return ns;
}

/**
 * Process ids living in `ns`. Only this bench starts processes in its namespaces, so these are
 * always children (or grandchildren) of this process.
 */
export function netnsPids(ns: string): number[] {
  try {
    const out = execFileSync('ip', ['netns', 'pids', ns], { stdio: ['ignore', 'pipe', 'ignore'] }).toString();
    return out.split('\n').map((l) => Number(l.trim())).filter((pid) => Number.isInteger(pid) && pid > 0 && pid !== process.pid);
  } catch {
    return [];
  }
}

/** SIGKILLs, by pid, the processes this bench started in `ns` (a command that ran over its budget). */
export function killNetnsProcesses(ns: string): number {
  const pids = netnsPids(ns);
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already exited.
    }
  }
  return pids.length;
}

/** Kills what still runs in `ns`, then deletes it; a namespace already gone is no error. */
export function deleteNetns(ns: string): void {
  killNetnsProcesses(ns);
  if (existsSync(`/run/netns/${ns}`)) {
    try {
      execFileSync('ip', ['netns', 'del', ns], { stdio: ['ignore', 'ignore', 'pipe'] });
    } catch (err) {
      console.error(`could not delete namespace ${ns}: ${(err as Error).message}`);
      return;
    }
  }
  alive.delete(ns);
}

/** Runs `fn` with a fresh namespace that is deleted afterwards, whatever happens. */
export async function withNetns<T>(fn: (ns: string) => Promise<T>): Promise<T> {
  const ns = createNetns();
  try {
    return await fn(ns);
  } finally {
    deleteNetns(ns);
  }
}

/** Deletes every namespace still alive (signal and crash path). */
export function deleteAllNetns(): void {
  for (const ns of [...alive]) deleteNetns(ns);
}

/** The namespaces still alive (for the final check). */
export function liveNetns(): string[] {
  return [...alive];
}

function installCleanupHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      console.error(`\n${signal}: deleting ${alive.size} bench namespace(s)`);
      deleteAllNetns();
      process.exit(signal === 'SIGINT' ? 130 : 143);
    });
  }
  process.on('exit', () => deleteAllNetns());
}

/** Outcome of a budgeted step: its wall time, or that it ran out of time or failed. */
export type Timed<T> =
  | { ok: true; ms: number; value: T }
  | { ok: false; ms: number; reason: string };

/**
 * Times `fn` (wall clock, `performance.now()`); past `budgetMs` the processes it started in `ns`
 * are killed, which makes the pending command fail, and the step is reported as timed out.
 */
export async function timedInNetns<T>(ns: string, budgetMs: number, fn: () => Promise<T>): Promise<Timed<T>> {
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    killNetnsProcesses(ns);
  }, budgetMs);
  const t0 = performance.now();
  try {
    const value = await fn();
    const ms = performance.now() - t0;
    return timedOut ? { ok: false, ms, reason: `over the ${budgetMs / 1000} s budget` } : { ok: true, ms, value };
  } catch (err) {
    const ms = performance.now() - t0;
    const reason = timedOut ? `killed after the ${budgetMs / 1000} s budget` : (err as Error).message.slice(0, 300);
    return { ok: false, ms, reason };
  } finally {
    clearTimeout(timer);
  }
}
