import { appendFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig, type Config } from '../../src/config/index.js';
import { EngineLog } from '../../src/engine/engine-log.js';
import { Engine } from '../../src/engine/engine.js';
import { MemoryStore } from '../../src/engine/memory-store.js';
import { DryRunBackend } from '../../src/firewall/dry-run-backend.js';
import { CLI, ensureCliBuilt, run } from '../helpers/cli.js';
import { makeTempDir, type TempDir } from '../helpers/temp-dir.js';
import { sleep, waitFor } from '../helpers/wait.js';
import { safeSections } from '../helpers/safe-config.js';

let tmp: TempDir;
let log: string;
let engine: Engine | null = null;
beforeEach(() => {
  tmp = makeTempDir('portcullis-reload-');
  log = tmp.write('auth.log', '');
});
afterEach(async () => {
  await engine?.stop();
  engine = null;
  tmp.remove();
});

const failure = (ip: string, port: number) =>
  `${new Date(Date.now() - 30_000).toISOString()} web1 sshd[${port}]: Failed password for root from ${ip} port ${port} ssh2\n`;
const configOf = (extra = ''): Config =>
  parseConfig(`[settings]\nmaxretry = 3\n${extra}\n[jails.sshd]\nlogpath = [${JSON.stringify(log)}]\n`, path.join(tmp.dir, 'config.toml'));
const failures = (e: Engine) => e.status().jails.find((j) => j.name === 'sshd')?.failures ?? 0;

async function started(config: Config): Promise<Engine> {
  const e = new Engine({
    configPath: path.join(tmp.dir, 'config.toml'), config, store: new MemoryStore(), firewall: new DryRunBackend(),
    log: new EngineLog(), follow: { pollMs: 50 },
  });
  await e.start();
  return e;
}

describe('Engine.reload', () => {
  it('counts each line once after many reloads at the same time', async () => {
    engine = await started(configOf());
    await Promise.all(Array.from({ length: 5 }, () => engine!.reload(configOf())));
    appendFileSync(log, failure('198.18.80.1', 1));
    await waitFor(() => failures(engine!) >= 1, 'the failure', 10_000);
    await sleep(500);
    expect(failures(engine)).toBe(1);
    expect(engine.list()).toEqual([]);
  });

  it('refuses a config with a bad filter and keeps the running jails', async () => {
    engine = await started(configOf());
    const bad = parseConfig(
      `[jails.aaa]\nfilter = "no-such-filter"\nlogpath = ["/nonexistent"]\n[jails.sshd]\nlogpath = [${JSON.stringify(log)}]\n`,
      path.join(tmp.dir, 'config.toml'),
    );
    await expect(engine.reload(bad)).rejects.toThrow(/no-such-filter/);
    appendFileSync(log, failure('198.18.80.2', 2));
    await waitFor(() => failures(engine!) >= 1, 'the failure after a refused reload', 10_000);
    expect(engine.status().jails.map((j) => j.name)).toEqual(['sshd']);
  });
});

describe('portcullis --daemon with a bad filter', () => {
  it('exits with an error instead of hanging, and releases its lock', async () => {
    await ensureCliBuilt();
    const config = tmp.write('bad.toml', [
      safeSections(tmp.dir),
      '[jails.sshd]', `logpath = [${JSON.stringify(log)}]`,
      '[jails.zzz]', 'filter = "no-such-filter"', `logpath = [${JSON.stringify(log)}]`, '',
    ].join('\n'));
    const result = await run(process.execPath, [CLI, '--daemon', '--config', config], 20_000);
    // 78 (EX_CONFIG): a filter that cannot be found is the config's error; systemd does not restart on it.
    expect(result.code).toBe(78);
    expect(result.stderr).toContain('no-such-filter');
    const again = await run(process.execPath, [CLI, 'ban', '198.18.80.3', '--config', config], 20_000);
    expect(again.code, again.stderr).toBe(0);
  }, 60_000);
});
