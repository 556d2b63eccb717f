import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig, type Config } from '../../src/config/index.js';
import { EngineLog } from '../../src/engine/engine-log.js';
import { Engine } from '../../src/engine/engine.js';
import { Jail } from '../../src/engine/jail.js';
import { SqliteStore } from '../../src/engine/store.js';
import { DryRunBackend } from '../../src/firewall/dry-run-backend.js';
import { makeTempDir, type TempDir } from '../helpers/temp-dir.js';
import { compile } from './helpers.js';

let tmp: TempDir;
let engines: Engine[] = [];
beforeEach(() => {
  tmp = makeTempDir('portcullis-prefix-bans-');
  tmp.write('auth.log', '');
});
afterEach(async () => {
  for (const e of engines) await e.stop();
  engines = [];
  tmp.remove();
});

const failure = (ip: string, port: number): string =>
  `${new Date(Date.now() - 30_000).toISOString()} web1 sshd[${port}]: Failed password for root from ${ip} port ${port} ssh2`;
const configOf = (settings: string, jailExtra = ''): Config => parseConfig(
  `[settings]\nmaxretry = 3\n${settings}\n[trusted]\nranges = ["2001:db8:1:2::99"]\n[jails.sshd]\nfilter = "sshd"\nlogpath = [${JSON.stringify(path.join(tmp.dir, 'auth.log'))}]\n${jailExtra}\n`,
  path.join(tmp.dir, 'config.toml'),
);

async function startEngine(config: Config, firewall = new DryRunBackend()): Promise<{ engine: Engine; log: EngineLog; store: SqliteStore; firewall: DryRunBackend }> {
  const log = new EngineLog();
  const store = SqliteStore.open(path.join(tmp.dir, 'state'));
  const engine = new Engine({ configPath: path.join(tmp.dir, 'config.toml'), config, store, firewall, log, follow: { pollMs: 50 } });
  engines.push(engine);
  await engine.start();
  return { engine, log, store, firewall };
}

describe('IPv6 prefix bans', () => {
  it('counts failures from fresh addresses of one /64 together and bans the /64, kept across a restart', async () => {
    const first = await startEngine(configOf('ipv6_prefix = 64'));
    first.engine.processLines('sshd', [failure('2001:db8:1:2::1', 1), failure('2001:db8:1:2::2', 2), failure('2001:db8:1:2:abcd::3', 3)]);
    await first.engine.bans.idle();
    expect(first.engine.list().map((b) => b.ip)).toEqual(['2001:db8:1:2::/64']);
    expect(await first.firewall.listBans()).toEqual(['2001:db8:1:2::/64']);
    const messages = first.log.entries().map((e) => e.message);
    expect(messages.some((m) => m.startsWith('Ban 2001:db8:1:2::/64 (3 failures'))).toBe(true);
    expect(messages.some((m) => m.startsWith('Found 2001:db8:1:2:abcd::3 (counted as 2001:db8:1:2::/64) - '))).toBe(true);
    // The trusted address inside the banned /64 is reported when the ban is made.
    expect(messages).toContain('Ban 2001:db8:1:2::/64 holds trusted 2001:db8:1:2::99: those stay allowed');
    await first.engine.stop();
    engines = [];

    const second = await startEngine(configOf('ipv6_prefix = 64'));
    expect(second.engine.list().map((b) => b.ip)).toEqual(['2001:db8:1:2::/64']);
    expect(await second.firewall.listBans()).toEqual(['2001:db8:1:2::/64']);
  });

  it('keeps per-address counting by default, and a jail may set its own prefix', async () => {
    const plain = await startEngine(configOf(''));
    plain.engine.processLines('sshd', [failure('2001:db8:1:2::1', 1), failure('2001:db8:1:2::2', 2), failure('2001:db8:1:2::3', 3)]);
    await plain.engine.bans.idle();
    expect(plain.engine.list()).toEqual([]);
    // Each line was counted, under its own address: found, not banned.
    const found = plain.log.entries().map((e) => e.message).filter((m) => m.startsWith('Found '));
    expect(found.map((m) => m.split(' ')[1])).toEqual(['2001:db8:1:2::1', '2001:db8:1:2::2', '2001:db8:1:2::3']);
    await plain.engine.stop();
    engines = [];

    const perJail = await startEngine(configOf('', 'ipv4_prefix = 24'));
    perJail.engine.processLines('sshd', [failure('198.18.5.1', 1), failure('198.18.5.2', 2), failure('198.18.5.3', 3)]);
    await perJail.engine.bans.idle();
    expect(perJail.engine.list().map((b) => b.ip)).toEqual(['198.18.5.0/24']);
  });
});

describe('Jail keying', () => {
  it('reports the failure under its network', () => {
    const filter = compile(['^ \\S+ sshd\\[\\d+\\]: Failed password for \\S+ from <HOST> port \\d+$']);
    const jail = new Jail('sshd', filter, { maxretry: 2, findtime: 600_000, prefixes: { ipv4: 32, ipv6: 64 } });
    const line = (host: string) => `Nov 24 10:00:00 web1 sshd[7]: Failed password for root from ${host} port 22`;
    const events = [line('2001:db8::1'), line('2001:db8::2')].flatMap((l) => jail.processLine(l, Date.UTC(2026, 10, 26)));
    expect(events.map((e) => e.type)).toEqual(['failure', 'failure', 'ban-request']);
    expect(events[2]?.type === 'ban-request' && events[2].request.ip).toBe('2001:db8::/64');
  });
});

describe('config', () => {
  it('names the key of a bad prefix length', () => {
    expect(() => configOf('ipv6_prefix = 129')).toThrow(/ipv6_prefix.*1 to 128/s);
    expect(() => configOf('', 'ipv4_prefix = 0')).toThrow(/ipv4_prefix.*1 to 32/s);
  });
});
