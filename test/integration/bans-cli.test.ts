import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, ensureCliBuilt, type RunResult } from '../helpers/cli.js';
import { makeTempDir, type TempDir } from '../helpers/temp-dir.js';
import { dryRunBans, safePaths, safeSections } from '../helpers/safe-config.js';

interface BanJson {
  ip: string;
  jail: string;
  bannedAt: string;
  expiresAt: string | null;
  count: number;
}

const HOUR = 3600_000;

describe('ban, unban, bans and trust on the command line (dry-run firewall)', () => {
  let tmp: TempDir;
  let config: string;
  let stateDir: string;

  beforeAll(async () => {
    await ensureCliBuilt();
    tmp = makeTempDir('portcullis-bans-cli-');
    stateDir = safePaths(tmp.dir).stateDir;
    config = tmp.write('config.toml', `[settings]\nbantime = "10m"\n${safeSections(tmp.dir)}`);
  }, 180_000);

  afterAll(() => tmp?.remove());

  const run = (...args: string[]): Promise<RunResult> => cli(...args, '--config', config);
  /** Runs a command that must succeed. */
  async function ok(...args: string[]): Promise<string> {
    const result = await run(...args);
    expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(0);
    return result.stdout;
  }
  const bans = async (): Promise<BanJson[]> => JSON.parse(await ok('bans', '--json')) as BanJson[];
  const firewallBans = (): string[] => dryRunBans(stateDir);

  it('bans by hand with a time, and counts a second ban of the same address', async () => {
    const before = Date.now();
    expect(await ok('ban', '198.18.9.9', '--time', '1h')).toBe('banned 198.18.9.9 for 1h (ban #1)\n');
    const after = Date.now();
    let list = await bans();
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ ip: '198.18.9.9', jail: 'manual', count: 1 });
    const expires = Date.parse(list[0]!.expiresAt!);
    expect(expires).toBeGreaterThanOrEqual(before + HOUR);
    expect(expires).toBeLessThanOrEqual(after + HOUR);
    expect(firewallBans()).toEqual(['198.18.9.9']);

    // Without --time: the global bantime (10m); the history makes it ban #2.
    expect(await ok('ban', '198.18.9.9')).toBe('banned 198.18.9.9 for 10m (ban #2)\n');
    list = await bans();
    expect(list.map((b) => [b.ip, b.count])).toEqual([['198.18.9.9', 2]]);
    expect(Date.parse(list[0]!.expiresAt!) - Date.parse(list[0]!.bannedAt)).toBe(600_000);

    const text = await ok('bans');
    expect(text).toMatch(/^198\.18\.9\.9 +manual +\d{4}-\d\d-\d\d \d\d:\d\d:\d\d +\d+m(\d+s)? left +ban #2$/m);
  });

  it('refuses to ban a trusted address (loopback is built in)', async () => {
    const result = await run('ban', '127.0.0.1');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('127.0.0.1 is trusted');
    expect((await bans()).map((b) => b.ip)).not.toContain('127.0.0.1');
    expect(firewallBans()).not.toContain('127.0.0.1');
  });

  it('trust add lifts the bans it covers; trust list shows it; trust rm takes it back', async () => {
    expect((await bans()).map((b) => b.ip)).toEqual(['198.18.9.9']);
    expect(await ok('trust', 'add', '198.18.9.0/24')).toBe('trusted 198.18.9.0/24; unbanned 198.18.9.9\n');
    expect(await bans()).toEqual([]);
    expect(firewallBans()).toEqual([]);

    const list = JSON.parse(await ok('trust', 'list', '--json')) as Array<{ range: string; origin: string; note: string }>;
    expect(list).toContainEqual({ range: '198.18.9.0/24', origin: 'runtime', note: 'added from the command line' });
    expect(list).toContainEqual({ range: '127.0.0.0/8', origin: 'builtin', note: 'loopback' });
    expect(list).toContainEqual({ range: '::1', origin: 'builtin', note: 'loopback' });

    const refused = await run('ban', '198.18.9.10');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('trusted (range 198.18.9.0/24)');

    expect(await ok('trust', 'rm', '198.18.9.0/24')).toBe('no longer trusted: 198.18.9.0/24\n');
    const after = JSON.parse(await ok('trust', 'list', '--json')) as Array<{ range: string }>;
    expect(after.map((t) => t.range)).not.toContain('198.18.9.0/24');
    const again = await run('trust', 'rm', '198.18.9.0/24');
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('198.18.9.0/24 is not a trusted range added at run time');
  });

  it('unban of an address that is not banned fails with a message', async () => {
    const result = await run('unban', '198.18.7.7');
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('portcullis: 198.18.7.7 is not banned\n');
    const none = await run('unban');
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('unban needs an address (or several), or --all');
  });

  it('unban --all lifts every ban', async () => {
    await ok('ban', '198.18.10.1', '--time', '30m');
    await ok('ban', '2001:db8::10', '--time', '2h');
    expect((await bans()).map((b) => b.ip).sort()).toEqual(['198.18.10.1', '2001:db8::10']);
    expect(firewallBans().sort()).toEqual(['198.18.10.1', '2001:db8::10']);
    expect(await ok('unban', '--all')).toBe('unbanned 2 addresses\n');
    expect(await bans()).toEqual([]);
    expect(firewallBans()).toEqual([]);
    expect(await ok('bans')).toBe('no bans\n');
  });

  it('rejects text that is not an address, naming it', async () => {
    const result = await run('ban', 'not-an-ip');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('not-an-ip');
    expect(result.stderr).toContain('must be an IP address or CIDR range');
    expect(await bans()).toEqual([]);
  });

  it('bans an IPv6 range permanently', async () => {
    expect(await ok('ban', '2001:db8::/64', '--time', 'permanent')).toBe('banned 2001:db8::/64 permanently (ban #1)\n');
    const list = await bans();
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ ip: '2001:db8::/64', jail: 'manual', expiresAt: null, count: 1 });
    expect(firewallBans()).toEqual(['2001:db8::/64']);
    expect(await ok('bans')).toMatch(/^2001:db8::\/64 +manual +\d{4}-\d\d-\d\d \d\d:\d\d:\d\d +permanent +ban #1$/m);
    await ok('unban', '2001:db8::/64');
    expect(await bans()).toEqual([]);
  });
});
