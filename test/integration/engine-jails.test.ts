import { appendFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/index.js';
import { EngineLog, type LogEntry } from '../../src/engine/engine-log.js';
import { Engine, type EngineEvent } from '../../src/engine/engine.js';
import { MemoryStore } from '../../src/engine/memory-store.js';
import { DryRunBackend } from '../../src/firewall/dry-run-backend.js';
import { makeTempDir, type TempDir } from '../helpers/temp-dir.js';
import { safeSections } from '../helpers/safe-config.js';

/** Polls `check` until it returns true; fails with `what` (and the log) after the deadline. */
async function waitFor(check: () => boolean, what: string, log: EngineLog, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) {
      const tail = log.entries().slice(-30).map((e) => `${e.level} [${e.jail ?? '-'}] ${e.message}`).join('\n');
      throw new Error(`timed out waiting for ${what}; engine log:\n${tail}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** An sshd failure line dated `at` (ISO dates need no year inference); the port names the line. */
function failure(ip: string, at: number, port: number): string {
  return `${new Date(at).toISOString()} web1 sshd[${port}]: Failed password for root from ${ip} port ${port} ssh2`;
}

const A = '198.18.1.1'; // two quick failures: sshd-aggr (2 in 1m) bans it, sshd (3 in 1h) cannot
const B = '2001:db8:b::1'; // three failures 2 min apart: only sshd (3 in 1h) bans it
const C = '198.18.3.3'; // one failure: counted by both jails, banned by neither
const T = '198.18.5.5'; // in the trusted 198.18.5.0/24
const HOST = 'evil.example.com';

describe('engine with two jails on one log (in-process, dry-run firewall)', () => {
  let tmp: TempDir;
  let logFile: string;
  let engine: Engine | null = null;

  beforeEach(() => {
    tmp = makeTempDir('portcullis-engine-jails-');
    logFile = tmp.write('auth.log', '');
  });

  afterEach(async () => {
    await engine?.stop();
    engine = null;
    tmp.remove();
  });

  function configText(enabled = true): string {
    const jail = (name: string, maxretry: number, findtime: string, bantime: string) => `
[jails.${name}]
filter = "sshd"
logpath = [${JSON.stringify(logFile)}]
start_at = "beginning"
maxretry = ${maxretry}
findtime = "${findtime}"
bantime = "${bantime}"
`;
    return `
[settings]
enabled = ${enabled}
bantime = "10m"
[trusted]
ranges = ["198.18.5.0/24"]
${safeSections(tmp.dir)}${jail('sshd', 3, '1h', '1h')}
${jail('sshd-aggr', 2, '1m', '10m')}
`;
  }

  async function startEngine(enabled = true) {
    const configPath = path.join(tmp.dir, 'config.toml');
    const config = parseConfig(configText(enabled), configPath);
    expect(config.firewall.backend).toBe('dry-run');
    const log = new EngineLog();
    const firewall = new DryRunBackend();
    const events: EngineEvent[] = [];
    engine = new Engine({ configPath, config, store: new MemoryStore(), firewall, log, follow: { pollMs: 50 }, onEvent: (e) => events.push(e) });
    await engine.start();
    return { engine, log, firewall, events };
  }

  const has = (log: EngineLog, jail: string | null, match: (e: LogEntry) => boolean) =>
    log.entries().some((e) => e.jail === jail && match(e));
  const found = (log: EngineLog, jail: string, ip: string, port: number) =>
    has(log, jail, (e) => e.level === 'INFO' && e.message.startsWith(`Found ${ip} - `) && e.message.includes(`port ${port} `));
  const banLine = (log: EngineLog, jail: string, ip: string) =>
    log.entries().find((e) => e.jail === jail && e.level === 'NOTICE' && e.message.startsWith(`Ban ${ip} (`));
  const counts = (events: EngineEvent[], jail: string, ip: string) =>
    events.flatMap((e) => (e.type === 'failure' && e.jail === jail && e.ip === ip ? [e.count] : []));

  it('counts one incident in each jail on its own, bans per jail, never bans trusted ranges or host names', async () => {
    const { engine, log, firewall, events } = await startEngine();
    expect(log.entries()[0]?.message).toContain('backend dry-run');
    const MIN = 60_000;
    const t0 = Date.now(); // every line is dated from here, however long a phase waits

    // Phase 1: nothing reaches a threshold yet, so both jails read and count every line.
    appendFileSync(logFile, [
      failure(A, t0 - 20_000, 1001),
      failure(B, t0 - 6 * MIN, 2001),
      failure(B, t0 - 4 * MIN, 2002),
      failure(C, t0 - 10_000, 3001),
      `${new Date(t0).toISOString()} web1 sshd[4001]: ROOT LOGIN REFUSED FROM ${HOST} port 22`,
      '',
    ].join('\n'));
    const phase1 = [[A, 1001], [B, 2001], [B, 2002], [C, 3001]] as const;
    await waitFor(
      () => ['sshd', 'sshd-aggr'].every((jail) => phase1.every(([ip, port]) => found(log, jail, ip, port))
        && has(log, jail, (e) => e.level === 'WARNING' && e.message.startsWith(`Found host name "${HOST}"`))),
      'phase 1 "Found" lines in both jails',
      log,
    );
    // Each jail's own window: B's failures are 2 min apart, inside sshd's 1h, outside sshd-aggr's 1m.
    expect(counts(events, 'sshd', B)).toEqual([1, 2]);
    expect(counts(events, 'sshd-aggr', B)).toEqual([1, 1]);
    expect(counts(events, 'sshd', C)).toEqual([1]);
    expect(counts(events, 'sshd-aggr', C)).toEqual([1]);
    expect(events.some((e) => e.type === 'ban-request')).toBe(false);

    // Phase 2: A's second failure (sshd-aggr's 2), B's third (sshd's 3), three from a trusted address.
    appendFileSync(logFile, [
      failure(A, t0 - 5_000, 1002),
      failure(B, t0 - 2 * MIN, 2003),
      failure(T, t0 - 3_000, 5001),
      failure(T, t0 - 2_000, 5002),
      failure(T, t0 - 1_000, 5003),
      '',
    ].join('\n'));
    const refused = (jail: string) => has(log, jail, (e) => e.level === 'NOTICE' && e.message === `Trusted ${T} (198.18.5.0/24), not banned`);
    await waitFor(
      () => banLine(log, 'sshd-aggr', A) !== undefined && banLine(log, 'sshd', B) !== undefined && refused('sshd') && refused('sshd-aggr'),
      'the bans of A (sshd-aggr) and B (sshd) and both jails refusing the trusted address',
      log,
    );
    await engine.bans.idle();

    expect(found(log, 'sshd-aggr', A, 1002)).toBe(true);
    expect(found(log, 'sshd', B, 2003)).toBe(true);
    expect(banLine(log, 'sshd-aggr', A)?.message).toBe(`Ban ${A} (2 failures, 10m, ban #1)`);
    expect(banLine(log, 'sshd', B)?.message).toBe(`Ban ${B} (3 failures, 1h, ban #1)`);
    // The jail with the other threshold never bans what it could not count to its own maxretry.
    expect(banLine(log, 'sshd', A)).toBeUndefined();
    expect(banLine(log, 'sshd-aggr', B)).toBeUndefined();

    expect(engine.list().map((b) => [b.ip, b.jail]).sort()).toEqual([[B, 'sshd'], [A, 'sshd-aggr']].sort());
    expect((await firewall.listBans()).sort()).toEqual([A, B].sort());
    expect(firewall.log.some((line) => line.includes(T))).toBe(false);
    expect(engine.bans.get(T)).toBeUndefined();
    // Trusted addresses are counted (their lines are Found) but refused at the ban.
    expect(found(log, 'sshd', T, 5003)).toBe(true);
    expect(log.entries().some((e) => e.message.startsWith(`Ban ${T}`) || e.message.startsWith(`Ban ${HOST}`))).toBe(false);

    const status = engine.status();
    expect(status.backend).toBe('dry-run');
    const byName = Object.fromEntries(status.jails.map((j) => [j.name, j]));
    expect(byName.sshd).toMatchObject({ enabled: true, bans: 1, sources: [logFile] });
    expect(byName['sshd-aggr']).toMatchObject({ enabled: true, bans: 1, sources: [logFile] });
    expect(status.banned).toBe(2);
    // The addresses only when asked: a caller wanting counts (the systemd status line every 10 s)
    // must not list a million of them.
    expect(status.jails.every((j) => j.bannedIps.length === 0)).toBe(true);
    expect(engine.status({ bannedIps: true }).jails.flatMap((j) => j.bannedIps)).toHaveLength(2);
  });

  it('reads no log while [settings] enabled = false', async () => {
    appendFileSync(logFile, `${[1, 2, 3, 4].map((i) => failure(A, Date.now() - 10_000 + i, 1000 + i)).join('\n')}\n`);
    const { engine, log, firewall, events } = await startEngine(false);
    expect(has(log, null, (e) => e.message.includes('Intrusion detection is off'))).toBe(true);
    const status = engine.status();
    expect(status.jails.map((j) => [j.name, j.enabled, j.sources.length])).toEqual([['sshd', false, 0], ['sshd-aggr', false, 0]]);
    // No follower exists; give a stray one the time of several polls to prove it.
    appendFileSync(logFile, `${failure(A, Date.now(), 1005)}\n`);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(events.filter((e) => e.type === 'failure' || e.type === 'ban-request')).toEqual([]);
    expect(log.entries().some((e) => e.message.startsWith('Found') || e.message.startsWith('Ban'))).toBe(false);
    expect(await firewall.listBans()).toEqual([]);
  });
});
