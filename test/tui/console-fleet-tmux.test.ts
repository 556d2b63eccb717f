import { appendFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, ensureCliBuilt, ROOT } from '../helpers/cli.js';
import { engineLogOf, killDaemon, startDaemon, waitUntil, type DaemonProcess } from '../helpers/daemon-process.js';
import { safePaths, sshdFailureLine } from '../helpers/safe-config.js';
import { makeTempDir, type TempDir } from '../helpers/temp-dir.js';
import { startRedis, type RedisProcess } from '../fleet/redis-process.js';
import { freePort } from '../metrics/free-port.js';
import { writeConsoleConfig } from './helpers/console-config.js';
import { TmuxSession } from './helpers/tmux.js';

// The console's header shows the fleet link of the daemon it is attached to: up with its lag,
// down with what waits to be published, up again once Redis is back.

describe('console header: the fleet link', () => {
  let dir: TempDir;
  let redis: RedisProcess;
  let daemon: DaemonProcess | null = null;
  let session: TmuxSession | null = null;

  beforeAll(async () => {
    await ensureCliBuilt();
  }, 180_000);

  afterAll(async () => {
    await session?.kill();
    if (daemon) await killDaemon(daemon);
    await redis?.stop();
    dir?.remove();
  });

  it('goes from up to down with the queue growing while Redis is stopped, and back up once it restarts', async () => {
    dir = makeTempDir('pc-h29-fleet-tmux-');
    const port = await freePort();
    const redisDir = path.join(dir.dir, 'redis');
    redis = await startRedis(port, redisDir);
    const { configPath, logFile } = writeConsoleConfig(dir, {
      settings: 'maxretry = 1\nfindtime = "10m"\nbantime = "10m"',
      extraConfig: `\n[fleet]\nredis = "${redis.url}"\nnode = "web01"\n`,
    });
    const engineLog = safePaths(dir.dir).logFile;
    daemon = await startDaemon(configPath, engineLog);
    await waitUntil(() => engineLogOf(engineLog, daemon!.pid).some((l) => l.includes('Fleet: linked')), 'the daemon to link', 15_000);
    session = await TmuxSession.start([process.execPath, CLI, '--config', configPath], { columns: 120, rows: 30, cwd: ROOT, env: { NO_COLOR: '1' } });
    await session.waitFor('attached to the daemon');
    await session.waitFor((s) => /fleet: up, lag \d+\.\ds/.test(s), 20_000);

    await redis.stop();
    await session.waitFor('fleet: down, 0 queued', 20_000);
    // Bans made while Redis is away wait in the daemon's store: the header counts them.
    appendFileSync(logFile, ['198.18.80.1', '198.18.80.2', '198.18.80.3'].map((ip, i) => sshdFailureLine(ip, i)).join(''));
    const down = await session.waitFor('fleet: down, 3 queued', 20_000);
    expect(down).toMatch(/banned 3 .*fleet: down, 3 queued/);

    redis = await startRedis(port, redisDir);
    const up = await session.waitFor((s) => /fleet: up, lag \d+\.\ds/.test(s) && !s.includes('queued'), 30_000);
    expect(up).toMatch(/banned 3 .*fleet: up, lag/);
  }, 180_000);
});
