/**
 * Throw-away network namespaces (`pcl-<random>`) for the latency bench: the kernel backends only
 * ever run inside one, so the host's firewall is never touched. Each is deleted by the caller in
 * `finally`; on Ctrl-C / SIGTERM / exit the ones still alive are emptied and deleted.
 */
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';

/** Namespaces this process created and has not deleted yet. */
const alive = new Set<string>();
let handlersInstalled = false;

/** Why the kernel backends cannot be measured here (not root, a tool missing), or null. */
export function netnsUnavailable(tools: string[]): string | null {
  if (process.getuid?.() !== 0) return 'not root';
  for (const tool of ['ip', ...tools]) {
    // Only a failure to spawn counts: `ip --version` exits 255 although `ip` is there.
    if (spawnSync(tool, ['--version'], { stdio: 'ignore' }).error) return `${tool} not found`;
  }
  return null;
}

/** Creates `pcl-<random>` with its loopback up, registered for clean-up. */
export function createNetns(): string {
  installCleanupHandlers();
  const ns = `pcl-${randomBytes(4).toString('hex')}`;
  execFileSync('ip', ['netns', 'add', ns], { stdio: ['ignore', 'ignore', 'pipe'] });
  alive.add(ns);
  execFileSync('ip', ['netns', 'exec', ns, 'ip', 'link', 'set', 'lo', 'up'], { stdio: ['ignore', 'ignore', 'pipe'] });
  return ns;
}

/**
 * SIGKILLs, by pid, the processes still running in `ns`. Only this bench starts processes in its
 * namespaces (backend commands that outlived their budget), so these are its own children.
 */
export function killNetnsProcesses(ns: string): number {
  let pids: number[] = [];
  try {
    const out = execFileSync('ip', ['netns', 'pids', ns], { stdio: ['ignore', 'pipe', 'ignore'] }).toString();
    pids = out.split('\n').map((l) => Number(l.trim())).filter((pid) => Number.isInteger(pid) && pid > 0 && pid !== process.pid);
  } catch {
    return 0;
  }
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

/** The namespaces this process created and still has (for the final check). */
export function liveNetns(): string[] {
  return [...alive];
}

/**
 * Runs `argv` inside `ns` (argument array, no shell) and resolves with its exit code: how
 * `ipset test` and `nft get element` answer "is it in the set".
 */
export function exitCodeInNetns(ns: string, argv: string[], timeoutMs = 10_000): Promise<number> {
  return new Promise((resolve) => {
    execFile('ip', ['netns', 'exec', ns, ...argv], { timeout: timeoutMs, maxBuffer: 1 << 20 }, (err) => {
      if (!err) resolve(0);
      else resolve(typeof err.code === 'number' ? err.code : -1);
    });
  });
}

function installCleanupHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      console.error(`\n${signal}: deleting ${alive.size} bench namespace(s)`);
      for (const ns of [...alive]) deleteNetns(ns);
      process.exit(signal === 'SIGINT' ? 130 : 143);
    });
  }
  process.on('exit', () => {
    for (const ns of [...alive]) deleteNetns(ns);
  });
}
