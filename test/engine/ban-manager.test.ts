import type { NetworkInterfaceInfo } from 'node:os';
import { describe, expect, it } from 'vitest';
import type { EscalationSettings, Settings } from '../../src/config/schema.js';
import { BanManager, type BanEvent } from '../../src/engine/ban-manager.js';
import { ManualClock } from '../../src/engine/clock.js';
import { RECIDIVE_MIN_BANTIME } from '../../src/engine/escalation.js';
import { MemoryStore } from '../../src/engine/memory-store.js';
import { TrustedSet } from '../../src/engine/trusted.js';
import { DryRunBackend } from '../../src/firewall/dry-run-backend.js';
import { ManualTimer } from '../helpers/manual-timer.js';

const T0 = Date.UTC(2025, 0, 1);
const S = 1000;
const HOUR = 3600 * S;
const DAY = 24 * HOUR;

const eth0: NetworkInterfaceInfo = { address: '203.0.113.7', netmask: '255.255.255.0', family: 'IPv4', mac: '00:00:00:00:00:00', internal: false, cidr: null };

function setup(escalation: Partial<EscalationSettings> = {}, jailBantime: Record<string, number> = {}) {
  const clock = new ManualClock(T0);
  const store = new MemoryStore();
  const firewall = new DryRunBackend();
  const trusted = new TrustedSet({ config: ['192.0.2.0/24'], interfaces: () => ({ eth0: [eth0] }) });
  const timer = new ManualTimer(clock);
  const { timers } = timer;
  const settings: Settings = {
    enabled: true,
    bantime: 600,
    findtime: 600,
    maxretry: 5,
    escalation: { enabled: false, factor: 2, maxtime: 7 * 24 * 3600, scope: 'all', ...escalation },
  };
  const events: BanEvent[] = [];
  const manager = new BanManager({
    store, firewall, clock, trusted, timers,
    settings: () => settings,
    jailSettings: (jail) => ({ bantime: jailBantime[jail] }),
    onEvent: (e) => events.push(e),
  });
  const request = (ip: string, jail = 'sshd') => manager.handle({ jail, ip, time: clock.now(), failures: 5, lines: [`failure from ${ip}`] });
  /** Moves the clock and runs the expiry timer if it is due by then, as the event loop would. */
  const advance = (ms: number) => timer.advance(ms, () => manager.idle());
  const durations = () => manager.list().map((b) => (b.expiresAt === null ? -1 : (b.expiresAt - b.bannedAt) / S));
  const ofType = <T extends BanEvent['type']>(type: T) => events.filter((e): e is Extract<BanEvent, { type: T }> => e.type === type);
  return { clock, store, firewall, trusted, settings, events, manager, request, advance, durations, ofType, timer: () => timer.pending };
}

describe('BanManager', () => {
  it('holds no reason lines: the list goes without, and one ban is read with them from the store', async () => {
    const t = setup();
    await t.request('198.51.100.1');
    await t.request('2001:db8::1', 'nginx');
    expect(t.manager.list()).toEqual([
      { ip: '198.51.100.1', jail: 'sshd', bannedAt: T0, expiresAt: T0 + 600 * S, count: 1 },
      { ip: '2001:db8::1', jail: 'nginx', bannedAt: T0, expiresAt: T0 + 600 * S, count: 1 },
    ]);
    expect(t.manager.get('2001:DB8::1')).toEqual({ ip: '2001:db8::1', jail: 'nginx', bannedAt: T0, expiresAt: T0 + 600 * S, count: 1, reason: ['failure from 2001:db8::1'] });
    // What `why` shows is what the store holds: not a copy kept in memory.
    t.store.putBan({ ...t.store.activeBans()[0]!, reason: ['as stored'] });
    expect(t.manager.get('198.51.100.1')?.reason).toEqual(['as stored']);
    expect(t.manager.get('198.51.100.2')).toBeUndefined();
  });

  it('bans for bantime and unbans on time, with one timer', async () => {
    const t = setup();
    await t.request('198.51.100.1');
    const [ban] = t.ofType('ban');
    expect(ban).toEqual({
      type: 'ban', restored: false, extended: false,
      record: { ip: '198.51.100.1', jail: 'sshd', bannedAt: T0, expiresAt: T0 + 600 * S, count: 1, reason: ['failure from 198.51.100.1'] },
    });
    expect(t.firewall.log).toEqual(['ban 1: 198.51.100.1']);
    expect(await t.firewall.listBans()).toEqual(['198.51.100.1']);
    expect(t.store.activeBans()).toHaveLength(1);
    expect(t.timer()?.ms).toBe(600 * S);
    await t.advance(600 * S - 1);
    expect(t.ofType('unban')).toEqual([]);
    await t.advance(1);
    expect(t.ofType('unban')).toEqual([{ type: 'unban', ip: '198.51.100.1', jail: 'sshd', reason: 'expired' }]);
    expect(await t.firewall.listBans()).toEqual([]);
    expect(t.store.activeBans()).toEqual([]);
    expect(t.manager.list()).toEqual([]);
    expect(t.timer()).toBeNull();
  });

  it('uses the jail bantime and reads the settings live', async () => {
    const t = setup({}, { nginx: 3600 });
    await t.request('198.51.100.1', 'nginx');
    t.settings.bantime = 120;
    await t.request('198.51.100.2', 'sshd');
    expect(t.durations()).toEqual([3600, 120]);
  });

  it('escalates across all jails with scope "all"', async () => {
    const t = setup({ enabled: true, scope: 'all' });
    const bans: number[] = [];
    for (const jail of ['sshd', 'nginx', 'postfix']) {
      await t.request('198.51.100.1', jail);
      bans.push(t.durations()[0]!);
      await t.advance(DAY); // a day apart: the recidive rule stays out of it
    }
    expect(bans).toEqual([600, 1200, 2400]);
    expect(t.ofType('ban').map((e) => e.record.count)).toEqual([1, 2, 3]);
  });

  it('escalates within a jail only with scope "jail"', async () => {
    const t = setup({ enabled: true, scope: 'jail' });
    const bans: number[] = [];
    for (const jail of ['sshd', 'nginx', 'sshd', 'sshd']) {
      await t.request('198.51.100.1', jail);
      bans.push(t.durations()[0]!);
      await t.advance(DAY);
    }
    expect(bans).toEqual([600, 600, 1200, 2400]);
  });

  it('forgets bans older than the history window', async () => {
    const t = setup({ enabled: true });
    await t.request('198.51.100.1');
    await t.advance(31 * DAY);
    await t.request('198.51.100.1');
    expect(t.durations()).toEqual([600]);
  });

  it('makes the ban after permanent_after bans permanent', async () => {
    const t = setup({ enabled: true, permanent_after: 2 });
    for (let i = 0; i < 3; i++) {
      await t.request('198.51.100.1');
      if (i < 2) await t.advance(DAY);
    }
    expect(t.durations()).toEqual([-1]);
    expect(t.timer()).toBeNull();
    await t.advance(365 * DAY);
    expect(await t.firewall.listBans()).toEqual(['198.51.100.1']);
  });

  it('bans a recidivist for a week', async () => {
    const t = setup();
    for (let i = 0; i < 4; i++) {
      await t.request('198.51.100.1', i % 2 ? 'sshd' : 'nginx');
      await t.advance(i < 3 ? 600 * S : 0);
    }
    expect(t.durations()).toEqual([RECIDIVE_MIN_BANTIME]);
    expect(t.manager.list()[0]!.jail).toBe('sshd');
  });

  it('keeps the longer ban when a second jail bans a banned address', async () => {
    const t = setup({}, { nginx: 3600 });
    await t.request('198.51.100.1', 'sshd');
    await t.advance(60 * S);
    await t.request('198.51.100.1', 'nginx');
    expect(t.manager.list()[0]).toMatchObject({ jail: 'nginx', expiresAt: T0 + 60 * S + 3600 * S, count: 1 });
    expect(t.ofType('ban').map((e) => e.extended)).toEqual([false, true]);
    await t.request('198.51.100.1', 'sshd'); // shorter: nothing changes
    expect(t.ofType('ban')).toHaveLength(2);
    await t.advance(600 * S);
    expect(t.manager.list()).toHaveLength(1); // the old expiry did not end the longer ban
    await t.advance(3000 * S);
    expect(t.manager.list()).toHaveLength(0);
  });

  it('refuses trusted addresses: config range, loopback, own address, IPv4-mapped', async () => {
    const t = setup();
    for (const ip of ['192.0.2.5', '127.0.0.1', '::1', '203.0.113.7', '::ffff:127.0.0.2']) await t.request(ip);
    expect(t.ofType('refused').map((e) => [e.ip, e.range])).toEqual([
      ['192.0.2.5', '192.0.2.0/24'],
      ['127.0.0.1', '127.0.0.0/8'],
      ['::1', '::1'],
      ['203.0.113.7', '203.0.113.7'],
      ['127.0.0.2', '127.0.0.0/8'],
    ]);
    expect(t.ofType('refused')[3]!.reason).toBe('trusted (range 203.0.113.7, builtin: address of eth0)');
    expect(t.ofType('ban')).toEqual([]);
    expect(t.firewall.log).toEqual([]);
    expect(t.store.activeBans()).toEqual([]);
  });

  it('bans by hand, ranges too, and refuses trusted ones with a clear error', async () => {
    const t = setup();
    await expect(t.manager.banManually('192.0.2.9')).rejects.toThrow('192.0.2.9 is trusted (range 192.0.2.0/24), not banned');
    await expect(t.manager.banManually('192.0.0.0/16')).rejects.toThrow('192.0.0.0/16 is trusted (range 192.0.2.0/24), not banned');
    await expect(t.manager.banManually('127.0.0.1')).rejects.toThrow(/trusted \(range 127\.0\.0\.0\/8\)/);
    await expect(t.manager.banManually('nonsense')).rejects.toThrow(/not an IP address/);
    await expect(t.manager.banManually('198.51.100.1', { seconds: 0 })).rejects.toThrow(/positive number of seconds/);
    const record = await t.manager.banManually('198.51.100.0/24', { seconds: 3600, note: 'scanner' });
    expect(record).toMatchObject({ ip: '198.51.100.0/24', jail: 'manual', expiresAt: T0 + 3600 * S, reason: ['scanner'] });
    await t.manager.banManually('2001:db8::1', { seconds: -1 });
    expect(t.durations()).toEqual([3600, -1]);
    expect(await t.firewall.listBans()).toEqual(['198.51.100.0/24', '2001:db8::1']);
  });

  it('unbans one address by hand', async () => {
    const t = setup();
    await t.request('198.51.100.1');
    expect(await t.manager.unban('198.51.100.1')).toBe(true);
    expect(await t.manager.unban('198.51.100.1')).toBe(false);
    expect(t.ofType('unban')).toEqual([{ type: 'unban', ip: '198.51.100.1', jail: 'sshd', reason: 'manual' }]);
    expect(await t.firewall.listBans()).toEqual([]);
    expect(t.timer()).toBeNull();
  });

  it('trusting a range lifts the bans it covers, and untrusting lets bans happen again', async () => {
    const t = setup();
    for (const ip of ['198.51.100.1', '198.51.100.2', '198.18.0.1']) await t.request(ip);
    await t.manager.banManually('10.0.0.0/8', { seconds: 3600 });
    expect(await t.manager.trust('198.51.100.0/24', 'partner')).toEqual(['198.51.100.1', '198.51.100.2']);
    expect(await t.manager.trust('10.1.2.3', 'office')).toEqual(['10.0.0.0/8']); // a range ban cannot be split
    expect(t.ofType('unban').map((e) => [e.ip, e.reason])).toEqual([
      ['198.51.100.1', 'trusted'], ['198.51.100.2', 'trusted'], ['10.0.0.0/8', 'trusted'],
    ]);
    expect(await t.firewall.listBans()).toEqual(['198.18.0.1']);
    expect(t.store.trustedRanges().map((r) => [r.range, r.note])).toEqual([['10.1.2.3', 'office'], ['198.51.100.0/24', 'partner']]);
    expect(t.firewall.log).toContain('trusted: 127.0.0.0/8, ::1, 203.0.113.7, 192.0.2.0/24, 198.51.100.0/24');
    await t.request('198.51.100.3');
    expect(t.ofType('refused').map((e) => e.range)).toEqual(['198.51.100.0/24']);
    expect(await t.manager.untrust('198.51.100.0/24')).toBe(true);
    expect(await t.manager.untrust('198.51.100.0/24')).toBe(false);
    await expect(t.manager.untrust('192.0.2.0/24')).rejects.toThrow(/trusted by the config file/);
    await t.request('198.51.100.3');
    expect(t.manager.get('198.51.100.3')).toBeDefined();
  });

  it('unbans everything in one command', async () => {
    const t = setup();
    for (const ip of ['198.51.100.1', '198.51.100.2', '2001:db8::5']) await t.request(ip);
    expect(await t.manager.unbanAll()).toBe(3);
    expect(t.ofType('unban').map((e) => e.reason)).toEqual(['all', 'all', 'all']);
    expect(t.firewall.log.at(-1)).toBe('replace bans: 0 in one command');
    expect(await t.firewall.listBans()).toEqual([]);
    expect(t.store.activeBans()).toEqual([]);
    expect(t.timer()).toBeNull();
  });

  it('reports a ban request with a bad address instead of throwing', async () => {
    const t = setup();
    await t.request('not-an-ip');
    expect(t.ofType('error')[0]!.message).toMatch(/ban request from sshd: not an IP address/);
  });
});
