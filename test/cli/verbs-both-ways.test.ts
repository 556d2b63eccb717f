import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, ensureCliBuilt, type RunResult } from '../helpers/cli.js';
import { killDaemon, startDaemon, waitUntil, type DaemonProcess } from '../helpers/daemon-process.js';
import { dryRunBans, safePaths, safeSections } from '../helpers/safe-config.js';
import { makeTempDir, type TempDir } from '../helpers/temp-dir.js';

/**
 * Every verb is written once, against the engine service: run through a daemon (`attached`) or
 * in this process (`local`), on two state folders with the same settings and jails, it must
 * print the same, exit the same and leave the same behind (engine log, store, dry-run firewall).
 */

interface BanJson {
  ip: string;
  jail: string;
  bannedAt: string;
  expiresAt: string | null;
  count: number;
}
interface Side {
  dir: string;
  config: string;
}

const HOUR = 3600_000;

/** The same config for both sides but for the paths, which stay in each side's own folder. */
function writeSide(tmp: TempDir, name: string): Side {
  const dir = path.join(tmp.dir, name);
  const auth = tmp.write(`${name}/auth.log`, '');
  const config = tmp.write(`${name}/config.toml`, [
    '[settings]',
    'bantime = "10m"',
    '[trusted]',
    'ranges = ["198.19.250.0/24"]',
    '[jails.sshd]',
    'filter = "sshd"',
    `logpath = [${JSON.stringify(auth)}]`,
    'maxretry = 3',
    'bantime = "2h"',
    '[jails.nginx-http-auth]',
    'enabled = false',
    'filter = "nginx-http-auth"',
    `logpath = [${JSON.stringify(auth)}]`,
    safeSections(dir),
  ].join('\n'));
  return { dir, config };
}

/** Times and time left differ from run to run; the rest must not. */
const untimed = (text: string): string =>
  text.replace(/\d{4}-\d\d-\d\d \d\d:\d\d:\d\d/g, '<time>').replace(/\b(\d+[smhdw])+ left\b/g, '<left>');

/** The engine log lines about bans, without their time and pid. */
function banLines(side: Side): string[] {
  const file = safePaths(side.dir).logFile;
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n')
    .map((l) => l.replace(/^\S+ portcullis\[\d+\]: /, ''))
    .filter((l) => /^NOTICE (\[\S+\] )?(Ban|Unban|Ban extended) /.test(l) || / (Ban|Unban) \S+ \(/.test(l));
}

/** The rows of the store's bans table, read-only, with the length of each ban instead of its times. */
function storeRows(side: Side): Array<Record<string, unknown>> {
  const db = new Database(path.join(safePaths(side.dir).stateDir, 'portcullis.db'), { readonly: true, fileMustExist: true });
  try {
    const rows = db.prepare('SELECT ip, jail, banned_at, expires_at, count FROM bans ORDER BY ip').all() as Array<{ ip: string; jail: string; banned_at: number; expires_at: number | null; count: number }>;
    return rows.map((r) => ({ ip: r.ip, jail: r.jail, count: r.count, length: r.expires_at === null ? null : r.expires_at - r.banned_at }));
  } finally {
    db.close();
  }
}

describe('each verb through the daemon and in-process gives the same result', () => {
  let tmp: TempDir;
  let attached: Side;
  let local: Side;
  let daemon: DaemonProcess | undefined;

  beforeAll(async () => {
    await ensureCliBuilt();
    tmp = makeTempDir('portcullis-both-ways-');
    attached = writeSide(tmp, 'attached');
    local = writeSide(tmp, 'local');
    daemon = await startDaemon(attached.config, safePaths(attached.dir).logFile);
  }, 180_000);

  afterAll(async () => {
    if (daemon) await killDaemon(daemon);
    tmp?.remove();
  });

  /** Runs one verb both ways; checks the daemon answered one and not the other. */
  async function both(...args: string[]): Promise<{ a: RunResult; l: RunResult }> {
    const [a, l] = await Promise.all([cli(...args, '--config', attached.config), cli(...args, '--config', local.config)]);
    return { a, l };
  }
  function same({ a, l }: { a: RunResult; l: RunResult }): RunResult {
    expect(untimed(l.stdout)).toBe(untimed(a.stdout));
    expect(l.stderr).toBe(a.stderr);
    expect(l.code).toBe(a.code);
    return a;
  }
  const bansOf = async (side: Side): Promise<BanJson[]> => {
    const r = await cli('bans', '--json', '--config', side.config);
    expect(r.code, r.stderr).toBe(0);
    return JSON.parse(r.stdout) as BanJson[];
  };
  const shape = (bans: BanJson[]) => bans
    .map((b) => ({ ip: b.ip, jail: b.jail, count: b.count, length: b.expiresAt === null ? null : Date.parse(b.expiresAt) - Date.parse(b.bannedAt) }))
    .sort((x, y) => x.ip.localeCompare(y.ip));
  /** Waits for the daemon's log file to hold `text` (the local run has written its own before it exits). */
  const daemonLogged = (text: string) => waitUntil(() => banLines(attached).some((l) => l.includes(text)), `the daemon to log "${text}"`, 20_000);

  it('the daemon is the one answering the attached side', async () => {
    const { a, l } = await both('status');
    expect(a.code, a.stderr).toBe(0);
    expect(a.stdout).toMatch(/^backend dry-run, up /);
    expect(l.code).toBe(1);
    expect(l.stderr).toContain('no portcullis daemon is listening');
  });

  it('ban: same output, engine log line, store row and firewall', async () => {
    const r = same(await both('ban', '198.18.1.1', '--time', '1h'));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('banned 198.18.1.1 for 1h (ban #1)\n');
    await daemonLogged('Ban 198.18.1.1 ');
    expect(banLines(local)).toEqual(banLines(attached));
    expect(banLines(local)).toContain('NOTICE [manual] Ban 198.18.1.1 (manual, 1h, ban #1)');

    const [ba, bl] = await Promise.all([bansOf(attached), bansOf(local)]);
    expect(shape(bl)).toEqual(shape(ba));
    expect(shape(ba)).toEqual([{ ip: '198.18.1.1', jail: 'manual', count: 1, length: HOUR }]);
    expect(storeRows(local)).toEqual(storeRows(attached));
    expect(storeRows(attached)).toEqual([{ ip: '198.18.1.1', jail: 'manual', count: 1, length: HOUR }]);
    expect(dryRunBans(safePaths(local.dir).stateDir)).toEqual(['198.18.1.1']);
    await waitUntil(() => dryRunBans(safePaths(attached.dir).stateDir).includes('198.18.1.1'), 'the daemon firewall to hold the ban', 20_000);
  });

  it('ban --jail sshd bans in jail sshd with its bantime', async () => {
    const r = same(await both('ban', '198.18.1.2', '--jail', 'sshd'));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('banned 198.18.1.2 in jail sshd for 2h (ban #1)\n');
    await daemonLogged('Ban 198.18.1.2 ');
    expect(banLines(local)).toEqual(banLines(attached));
    expect(banLines(attached).filter((l) => l.includes('198.18.1.2'))).toEqual([expect.stringMatching(/^NOTICE \[sshd\] Ban 198\.18\.1\.2 \(.*, 2h, ban #1\)$/)]);
    const [ba, bl] = await Promise.all([bansOf(attached), bansOf(local)]);
    expect(shape(bl)).toEqual(shape(ba));
    expect(shape(ba).find((b) => b.ip === '198.18.1.2')).toEqual({ ip: '198.18.1.2', jail: 'sshd', count: 1, length: 2 * HOUR });
    expect(storeRows(local)).toEqual(storeRows(attached));
  });

  it('ban --jail nosuch is refused, naming the jail, and bans nothing', async () => {
    const r = same(await both('ban', '198.18.1.3', '--jail', 'nosuch'));
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('"nosuch"');
    expect(storeRows(attached).map((b) => b['ip'])).not.toContain('198.18.1.3');
    expect(storeRows(local).map((b) => b['ip'])).not.toContain('198.18.1.3');
  });

  it('bans (text) prints the same table both ways', async () => {
    const r = same(await both('bans'));
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^198\.18\.1\.1 +manual +\d{4}-\d\d-\d\d \d\d:\d\d:\d\d +\S+ left +ban #1\n198\.18\.1\.2 +sshd +.* ban #1\n$/);
  });

  it('unban of several addresses at once lifts them all, and one not banned fails the verb', async () => {
    same(await both('ban', '198.18.1.4', '--time', '30m'));
    const ok = same(await both('unban', '198.18.1.1', '198.18.1.4'));
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toBe('unbanned 198.18.1.1\nunbanned 198.18.1.4\n');
    await daemonLogged('Unban 198.18.1.4 ');
    expect(banLines(local)).toEqual(banLines(attached));
    expect(banLines(attached).some((l) => l.includes('Unban 198.18.1.1 '))).toBe(true);

    const mixed = same(await both('unban', '198.18.1.2', '198.18.1.9'));
    expect(mixed.code).toBe(1);
    expect(mixed.stdout).toBe('unbanned 198.18.1.2\n');
    expect(mixed.stderr).toBe('portcullis: 198.18.1.9 is not banned\n');
    expect(storeRows(local)).toEqual([]);
    expect(storeRows(attached)).toEqual([]);
    expect(dryRunBans(safePaths(local.dir).stateDir)).toEqual([]);
    await waitUntil(() => dryRunBans(safePaths(attached.dir).stateDir).length === 0, 'the daemon firewall to be empty', 20_000);
  });

  it('trust add 10.1.2.3/24 reports and keeps 10.1.2.0/24 with the command-line note', async () => {
    const r = same(await both('trust', 'add', '10.1.2.3/24'));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('trusted 10.1.2.0/24\n');
    const list = same(await both('trust', 'list', '--json'));
    expect(list.code).toBe(0);
    const ranges = JSON.parse(list.stdout) as Array<{ range: string; origin: string; note: string }>;
    expect(ranges).toContainEqual({ range: '10.1.2.0/24', origin: 'runtime', note: 'added from the command line' });
    expect(ranges.find((t) => t.range === '198.19.250.0/24')).toMatchObject({ origin: 'config' });
  });

  it('firewall show prints the same sections both ways', async () => {
    same(await both('ban', '198.18.1.5', '--time', '1h'));
    const r = same(await both('firewall', 'show'));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^backend: dry-run/);
    expect(r.stdout).toContain('bans in the kernel: 1\n');
    for (const section of ['managed rules, live:', 'other rules of the host (', 'config draft against the confirmed rules:']) {
      expect(r.stdout).toContain(section);
    }
  });
});
