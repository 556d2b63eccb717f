/**
 * What the latency bench adds to the benches' namespaces (`bench/firewall-netns.ts`): whether the
 * kernel backends can run here, and asking the kernel whether an address is in a set.
 */
import { execFile, spawnSync } from 'node:child_process';

/** Why the kernel backends cannot be measured here (not root, a tool missing), or null. */
export function netnsUnavailable(tools: string[]): string | null {
  if (process.getuid?.() !== 0) return 'not root';
  for (const tool of ['ip', ...tools]) {
    // Only a failure to spawn counts: `ip --version` exits 255 although `ip` is there.
    if (spawnSync(tool, ['--version'], { stdio: 'ignore' }).error) return `${tool} not found`;
  }
  return null;
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
