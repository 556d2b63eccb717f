import path from 'node:path';
import { engineLogOf, startDaemon, waitUntil, type DaemonProcess } from '../helpers/daemon-process.js';
import { safePaths, safeSections, sshdJail } from '../helpers/safe-config.js';
import type { TempDir } from '../helpers/temp-dir.js';
import type { RedisProcess } from './redis-process.js';

/** One daemon of a test fleet: its folder, config, log and process. */
export interface FleetNode {
  name: string;
  dir: string;
  config: string;
  log: string;
  daemon: DaemonProcess;
}

/** What one node's config adds to the safe sections: lines before `[fleet]`, in it, and its sshd jail's keys. */
export interface NodeConfig {
  name: string;
  before?: readonly string[];
  fleet?: readonly string[];
  jail?: Parameters<typeof sshdJail>[1];
}

/** Starts a daemon per node, each with an sshd jail on its own log and a `[fleet]` on `redis`; waits until all are linked. */
export async function startFleet(tmp: TempDir, redis: RedisProcess, configs: readonly NodeConfig[]): Promise<FleetNode[]> {
  const nodes: FleetNode[] = [];
  for (const { name, before = [], fleet = [], jail = { maxretry: 1 } } of configs) {
    const dir = path.join(tmp.dir, name);
    const log = tmp.write(`${name}/auth.log`, '');
    const config = tmp.write(`${name}/portcullis.toml`, [
      safeSections(dir),
      ...before,
      '[fleet]',
      `redis = "${redis.url}"`,
      `node = "${name}"`,
      ...fleet,
      sshdJail(log, jail),
    ].join('\n'));
    nodes.push({ name, dir, config, log, daemon: await startDaemon(config, safePaths(dir).logFile) });
  }
  for (const node of nodes) await waitLinked(node);
  return nodes;
}

/** Waits until the node's engine log says its fleet link is up. */
export async function waitLinked(node: FleetNode): Promise<void> {
  await waitUntil(() => engineLogOf(safePaths(node.dir).logFile, node.daemon.pid).some((l) => l.includes('Fleet: linked')), `${node.name} linked`, 15_000);
}
