import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { DemoGenerator } from '../../src/demo/demo-generator.js';
import { makeAddressPool } from '../../src/demo/addresses.js';
import { prepareDemo, type DemoSetup } from '../../src/demo/prepare-demo.js';
import { demoRandom } from '../../src/demo/random.js';
import { EngineLog } from '../../src/engine/engine-log.js';
import { Engine, type EngineEvent } from '../../src/engine/engine.js';
import { SqliteStore } from '../../src/engine/store.js';
import type { BanRecord } from '../../src/engine/types.js';
import { DryRunBackend } from '../../src/firewall/dry-run-backend.js';
import { REPO_ROOT } from '../helpers/filter-paths.js';
import { sleep } from '../helpers/wait.js';

const SEED = 21;

describe('demo end to end: the real engine over the demo config and generator (dry-run firewall)', () => {
  let setup: DemoSetup | null = null;
  let engine: Engine | null = null;
  let store: SqliteStore | null = null;

  afterEach(async () => {
    await engine?.stop();
    store?.close();
    setup?.cleanup();
    engine = null;
    store = null;
    setup = null;
  });

  it('finds failures, bans, lets bans expire and bans returning attackers again for longer', async () => {
    setup = await prepareDemo(path.join(REPO_ROOT, 'config.example.toml'));
    const config = loadConfig(setup.configPath);
    // The demo's 20 s first ban, scaled down to 1 s so escalation shows within a test's time.
    config.settings.bantime = 1;
    const log = new EngineLog({ file: config.daemon.log_file });
    const firewall = new DryRunBackend();
    store = SqliteStore.open(config.daemon.state_dir);
    const events: EngineEvent[] = [];
    engine = new Engine({ configPath: setup.configPath, config, store, firewall, log, follow: { pollMs: 50 }, onEvent: (e) => events.push(e) });
    await engine.start();
    expect(engine.status().backend).toBe('dry-run');

    const generator = new DemoGenerator(setup, { seed: SEED });
    const bans = () => events.flatMap((e) => (e.type === 'ban' && !e.extended ? [e.record] : []));
    const escalated = (): [BanRecord, BanRecord] | undefined => {
      const byIp = new Map<string, BanRecord[]>();
      for (const ban of bans()) byIp.set(ban.ip, [...(byIp.get(ban.ip) ?? []), ban]);
      for (const list of byIp.values()) {
        const [first, second] = [list.find((b) => b.count === 1), list.find((b) => b.count === 2)];
        if (first && second && second.expiresAt! - second.bannedAt > first.expiresAt! - first.bannedAt) return [first, second];
      }
      return undefined;
    };
    // About 250 lines a second: the script of ~40 s at the live rate, in under 10 s.
    const deadline = Date.now() + 10_000;
    let written = 0;
    while (Date.now() < deadline && !(escalated() && written >= 1500)) {
      generator.tick(25);
      written += 25;
      await sleep(100);
    }
    await sleep(300);
    await engine.bans.idle();

    const failures = events.filter((e) => e.type === 'failure');
    const expired = events.filter((e) => e.type === 'unban' && e.reason === 'expired');
    expect(failures.length).toBeGreaterThan(50);
    expect(bans().length).toBeGreaterThan(5);
    expect(expired.length).toBeGreaterThan(0);
    const pair = escalated();
    expect(pair, 'an address banned twice, the second time for longer').toBeDefined();
    expect(pair![1].expiresAt! - pair![1].bannedAt).toBe(2 * (pair![0].expiresAt! - pair![0].bannedAt));

    // Nobody outside the attackers is banned: not the normal clients, not a lone failure.
    const pool = makeAddressPool(demoRandom(SEED));
    const bannable = new Set(pool.attackers.filter((a) => a.kind !== 'single').map((a) => a.ip));
    for (const ban of bans()) expect(bannable.has(ban.ip), ban.ip).toBe(true);
    // Every jail of the demo found something; the ban log is the engine's own file.
    const jails = new Set(failures.map((e) => e.type === 'failure' && e.jail));
    for (const jail of Object.keys(setup.logs)) expect(jails.has(jail), jail).toBe(true);
    expect(firewall.name).toBe('dry-run');
  });
});
