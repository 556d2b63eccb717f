import { appendFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, ensureCliBuilt } from '../helpers/cli.js';
import { engineLogOf, killDaemon, waitUntil } from '../helpers/daemon-process.js';
import { dryRunBans, safePaths, sshdFailureLine } from '../helpers/safe-config.js';
import { makeTempDir, type TempDir } from '../helpers/temp-dir.js';
import { freePort } from '../metrics/free-port.js';
import { startFleet, type FleetNode } from './fleet-nodes.js';
import { startRedis, type RedisProcess } from './redis-process.js';

type Node = FleetNode;

interface BanJson {
  ip: string;
  bannedAt: string;
  expiresAt: string | null;
  count: number;
  origin?: string;
}

async function banOf(node: Node, ip: string): Promise<BanJson | undefined> {
  const result = await cli('bans', '--json', '--config', node.config);
  if (result.code !== 0) throw new Error(`bans on ${node.name}: ${result.stderr}`);
  return (JSON.parse(result.stdout) as BanJson[]).find((b) => b.ip === ip);
}

const HOUR = 3600_000;
const lengthOf = (ban: BanJson): number => Date.parse(ban.expiresAt!) - Date.parse(ban.bannedAt);

describe('fleet: [fleet] count_remote on real daemons', () => {
  let tmp: TempDir;
  let redis: RedisProcess;
  const nodes: Node[] = [];

  beforeAll(async () => {
    await ensureCliBuilt();
    tmp = makeTempDir('pc-h29-count-');
    redis = await startRedis(await freePort(), path.join(tmp.dir, 'redis'));
    // web01 bans and publishes; web02 counts the bans it receives, web03 (the default) does not.
    // Neither receiver publishes (share = []), so each one's own later ban stays its own.
    const escalation = ['[settings.escalation]', 'enabled = true', 'factor = 2'];
    const jail = { maxretry: 1, bantime: '1h' };
    nodes.push(...await startFleet(tmp, redis, [
      { name: 'web01', before: escalation, jail },
      { name: 'web02', before: escalation, fleet: ['share = []', 'count_remote = true'], jail },
      { name: 'web03', before: escalation, fleet: ['share = []'], jail },
    ]));
  }, 240_000);

  afterAll(async () => {
    for (const node of nodes) await killDaemon(node.daemon);
    await redis?.stop();
    tmp?.remove();
  });

  it('escalates a local ban after a remote one only where count_remote is set', async () => {
    const [web01, counting, plain] = nodes as [Node, Node, Node];
    const ip = '198.18.70.1';
    appendFileSync(web01.log, sshdFailureLine(ip, 1));
    for (const node of [counting, plain]) {
      await waitUntil(() => dryRunBans(safePaths(node.dir).stateDir).includes(ip), `the remote ban on ${node.name}`, 15_000, 50);
      expect(await banOf(node, ip)).toMatchObject({ origin: 'web01', count: 1 });
      // Lifted here by hand (not published: the ban was web01's), then the address attacks this server.
      const unban = await cli('unban', ip, '--config', node.config);
      expect(unban.code, unban.stderr).toBe(0);
      await waitUntil(() => !dryRunBans(safePaths(node.dir).stateDir).includes(ip), `the unban on ${node.name}`, 15_000, 50);
      appendFileSync(node.log, sshdFailureLine(ip, 2));
    }
    const local = async (node: Node): Promise<BanJson> => {
      await waitUntil(() => engineLogOf(safePaths(node.dir).logFile, node.daemon.pid).filter((l) => l.includes(`] Ban ${ip} `)).length === 2, `the local ban on ${node.name}`, 15_000, 50);
      const ban = (await banOf(node, ip))!;
      expect(ban.origin).toBeUndefined();
      return ban;
    };
    // The remote ban was this server's first: the local one is its second, twice as long.
    const second = await local(counting);
    expect(second.count).toBe(2);
    expect(lengthOf(second)).toBe(2 * HOUR);
    // By default the remote ban is not history here: the local ban is a first ban.
    const first = await local(plain);
    expect(first.count).toBe(1);
    expect(lengthOf(first)).toBe(HOUR);
  }, 120_000);
});
