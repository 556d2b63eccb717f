import { appendFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig, type Config } from '../../src/config/index.js';
import { EngineLog } from '../../src/engine/engine-log.js';
import { Engine } from '../../src/engine/engine.js';
import { MemoryStore } from '../../src/engine/memory-store.js';
import { DryRunBackend } from '../../src/firewall/dry-run-backend.js';
import { makeTempDir, type TempDir } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait.js';

let tmp: TempDir;
const engines: Engine[] = [];
beforeEach(() => {
  tmp = makeTempDir('portcullis-match-thread-');
});
afterEach(async () => {
  for (const engine of engines.splice(0)) await engine.stop();
  tmp.remove();
});

const at = new Date(Date.now() - 60_000).toISOString();
const failure = (ip: string, n: number): string => `${at} web1 sshd[${n}]: Failed password for root from ${ip} port ${n} ssh2\n`;

/**
 * 3,000 addresses with two failures each (maxretry 2), lines no filter matches, a failure naming
 * a host, and a line two failregexes read two addresses from (no failure): 9,002 lines.
 */
function writeLog(file: string): void {
  let text = '';
  for (let i = 0; i < 3000; i++) {
    const ip = i % 3 ? `198.18.${i >> 8}.${i & 255}` : `2001:db8::${i.toString(16)}`;
    text += failure(ip, 2 * i) + `${at} web1 CRON[${i}]: pam_unix(cron:session): session opened\n` + failure(ip, 2 * i + 1);
  }
  text += `${at} web1 sshd[9]: Failed password for root from attacker.example port 1 ssh2\n`;
  text += `${at} web1 sshd[9]: Failed password for x from 198.51.100.7 port 1 ssh2: y from 203.0.113.5 port 22 ssh2\n`;
  appendFileSync(file, text);
}

function configOf(file: string): Config {
  return parseConfig(
    `[settings]\nmaxretry = 2\n[jails.sshd]\nfilter = "sshd"\nstart_at = "beginning"\nlogpath = [${JSON.stringify(file)}]\n`,
    path.join(tmp.dir, 'config.toml'),
  );
}

async function load(matchThread: boolean, log: EngineLog, store = new MemoryStore()): Promise<Engine> {
  const file = path.join(tmp.dir, 'auth.log');
  const engine = new Engine({ configPath: path.join(tmp.dir, 'config.toml'), config: configOf(file), store, firewall: new DryRunBackend(), log, follow: { pollMs: 50 }, matchThread });
  engines.push(engine);
  await engine.start();
  return engine;
}

describe('the filters on a thread of their own', () => {
  it('finds the same failures and makes the same bans as on the engine\'s thread', async () => {
    writeLog(path.join(tmp.dir, 'auth.log'));
    const results = [];
    for (const matchThread of [false, true]) {
      const log = new EngineLog({ keep: 20_000 });
      const engine = await load(matchThread, log);
      await waitFor(() => engine.status().banned === 3000, `3,000 bans (thread: ${matchThread})`, 20_000);
      // Every line read (handed to the jail), then every one processed.
      await waitFor(() => engine.lineCounts().reduce((n, c) => n + c.lines, 0) === 9002, 'every line read', 20_000);
      await engine.linesProcessed();
      const sshd = engine.status().jails[0]!;
      expect(engine.linesMatchedOnThread).toBe(matchThread ? 9002 : 0);
      results.push({
        bans: engine.list().map((b) => `${b.ip} ${b.count}`).sort(),
        failures: sshd.failures,
        found: log.entries().filter((e) => e.message.startsWith('Found')).map((e) => e.message).sort(),
      });
    }
    expect(results[0]!.bans).toHaveLength(3000);
    expect(results[0]!.failures).toBe(6000);
    expect(results[1]).toEqual(results[0]);
  });

  it('reads again, after a reload, the lines still on their way when the jail restarted: none lost, none counted twice', async () => {
    const file = path.join(tmp.dir, 'auth.log');
    writeLog(file);
    const log = new EngineLog();
    const store = new MemoryStore();
    const engine = await load(true, log, store);
    // Restarted (its settings changed) at once, while the first batches wait for the thread.
    const changed = configOf(file);
    changed.jails['sshd']!.findtime = 7200;
    await engine.reload(changed);
    await waitFor(() => engine.status().banned === 3000, '3,000 bans', 20_000);
    await engine.linesProcessed();
    // Every address banned once, after its two failures: none banned again, no failure left over.
    expect(engine.list().every((b) => b.count === 1)).toBe(true);
    expect(store.failures('sshd', 0)).toEqual([]);
    expect(engine.linesMatchedOnThread).toBeGreaterThan(0);
  });
});
