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
let engine: Engine | null = null;
let log: EngineLog;
beforeEach(() => {
  tmp = makeTempDir('portcullis-reload-counts-');
  tmp.write('a.log', '');
  tmp.write('b.log', '');
  log = new EngineLog();
});
afterEach(async () => {
  await engine?.stop();
  engine = null;
  tmp.remove();
});

const failure = (ip: string, port: number): string =>
  `${new Date(Date.now() - 30_000).toISOString()} web1 sshd[${port}]: Failed password for root from ${ip} port ${port} ssh2`;
const configOf = (jails: string): Config => parseConfig(`[settings]\nmaxretry = 5\n${jails}`, path.join(tmp.dir, 'config.toml'));
const jail = (name: string, file: string, extra = ''): string => `[jails.${name}]\nfilter = "sshd"\nlogpath = [${JSON.stringify(path.join(tmp.dir, file))}]\n${extra}\n`;
const counts = (e: Engine): Record<string, number> => Object.fromEntries(e.status().jails.map((j) => [j.name, j.failures]));

describe('reloading the config', () => {
  it('keeps the counts of every jail whose settings did not change, and starts afresh only the changed one', async () => {
    engine = new Engine({
      configPath: path.join(tmp.dir, 'config.toml'), config: configOf(jail('a', 'a.log') + jail('b', 'b.log')),
      store: new MemoryStore(), firewall: new DryRunBackend(), log, follow: { pollMs: 50 },
    });
    await engine.start();
    engine.processLines('a', [failure('198.18.1.1', 1), failure('198.18.1.2', 2)]);
    engine.processLines('b', [failure('198.18.2.1', 3)]);
    expect(counts(engine)).toEqual({ a: 2, b: 1 });

    // Another jail added: a and b go on.
    await engine.reload(configOf(jail('a', 'a.log') + jail('b', 'b.log') + jail('c', 'b.log')));
    expect(counts(engine)).toEqual({ a: 2, b: 1, c: 0 });
    // b turned off: a keeps its count.
    await engine.reload(configOf(jail('a', 'a.log') + jail('b', 'b.log', 'enabled = false')));
    expect(counts(engine)).toEqual({ a: 2, b: 0 });
    // a's own maxretry changed: a starts afresh (its failures are still in the store and counted again).
    await engine.reload(configOf(jail('a', 'a.log', 'maxretry = 9') + jail('b', 'b.log', 'enabled = false')));
    expect(counts(engine).a).toBe(0);
    expect(log.entries().map((e) => e.message)).toContain('Configuration reloaded: 1 jails running (0 unchanged, counts kept)');
  });

  it('says "no such file" for a log path that does not exist, in the log and in status', async () => {
    const absent = path.join(tmp.dir, 'never.log');
    engine = new Engine({
      configPath: path.join(tmp.dir, 'config.toml'), config: configOf(jail('a', 'never.log')),
      store: new MemoryStore(), firewall: new DryRunBackend(), log, follow: { pollMs: 50 },
    });
    await engine.start();
    await waitFor(() => log.entries().some((e) => e.message.includes('no such file')), 'the no-such-file warning');
    expect(log.entries().map((e) => e.message)).toContain(`${absent}: no such file; the jail waits for it to appear`);
    expect(log.entries().map((e) => e.message).join('\n')).not.toContain('is gone');
    expect(engine.status().jails[0]!.missing).toEqual([absent]);
  });
});
