import { describe, expect, it } from 'vitest';
import { formatBans } from '../../src/commands/ban-format.js';
import { MemoryStore } from '../../src/engine/memory-store.js';
import { ManualClock } from '../../src/engine/clock.js';
import { setup, FailingBackend, T0, S, MIN, HOUR } from './subnet-setup.js';

describe('subnet escalation', () => {
  it('bans the /24 once 3 addresses of it are banned within the window, taking them out of the kernel only', async () => {
    const t = setup();
    await t.request('198.18.5.1');
    await t.request('198.18.5.2');
    expect(await t.kernel()).toEqual(['198.18.5.1', '198.18.5.2']);
    await t.request('198.18.5.3');
    expect(await t.kernel()).toEqual(['198.18.5.0/24']);
    // The member bans stay in force, in memory and in the store, with their own ends.
    expect(t.banned()).toEqual(['198.18.5.0/24', '198.18.5.1', '198.18.5.2', '198.18.5.3']);
    expect(t.store.activeBans().map((b) => b.ip).sort()).toEqual(t.banned());
    const subnet = t.manager.get('198.18.5.0/24')!;
    expect(subnet).toMatchObject({ jail: 'subnet', bannedAt: T0, expiresAt: T0 + HOUR, count: 1 });
    expect(subnet.reason[0]).toBe('subnet 198.18.5.0/24: 3 addresses banned within 1h');
    expect(subnet.reason.slice(1)).toEqual(['198.18.5.1 (banned by sshd)', '198.18.5.2 (banned by sshd)', '198.18.5.3 (banned by sshd)']);
    expect(t.messages()).toContain('Ban 198.18.5.0/24 (subnet 198.18.5.0/24: 3 addresses banned within 1h; 1h, ban #1)');
    // `bans --json` carries the why of a subnet ban (and of no other: those are log lines).
    const listed = JSON.parse(formatBans(t.manager.list(), true)) as Array<{ ip: string; reason?: string[] }>;
    expect(listed.find((b) => b.ip === '198.18.5.0/24')?.reason?.[0]).toBe('subnet 198.18.5.0/24: 3 addresses banned within 1h');
    expect(listed.find((b) => b.ip === '198.18.5.1')?.reason).toBeUndefined();
    // The subnet ban went in before the members came out: no moment without a drop.
    const log = t.firewall.log.filter((l) => l.startsWith('ban') || l.startsWith('unban'));
    expect(log.slice(-2)).toEqual(['ban 1: 198.18.5.0/24', 'unban 3: 198.18.5.1, 198.18.5.2, 198.18.5.3']);
  });

  it('counts distinct addresses only, within the window, per subnet', async () => {
    const t = setup();
    await t.request('198.18.5.1');
    await t.request('198.18.5.1', 'web'); // the same address again: one member
    await t.request('198.18.6.1'); // another /24
    await t.advance(61 * MIN);
    await t.request('198.18.5.2'); // .1 was banned more than an hour ago
    await t.request('198.18.5.3');
    expect(t.manager.get('198.18.5.0/24')).toBeUndefined();
    await t.request('198.18.5.4');
    expect(t.manager.get('198.18.5.0/24')?.reason[0]).toBe('subnet 198.18.5.0/24: 3 addresses banned within 1h');
    expect(t.manager.get('198.18.6.0/24')).toBeUndefined();
  });

  it('does nothing when off, and leaves manual bans out of the count', async () => {
    const off = setup({ subnets: { enabled: false } });
    for (const host of [1, 2, 3, 4]) await off.request(`198.18.5.${host}`);
    expect(await off.kernel()).toHaveLength(4);
    expect(off.banned()).not.toContain('198.18.5.0/24');
    const manual = setup();
    for (const host of [1, 2, 3]) await manual.manager.banManually(`198.18.5.${host}`);
    expect(manual.banned()).not.toContain('198.18.5.0/24');
  });

  it('gathers IPv6 /64 prefix bans into their /48, named as networks', async () => {
    const t = setup();
    for (const net of ['2001:db8:7:1::/64', '2001:db8:7:2::/64', '2001:db8:7:3::/64']) await t.request(net);
    expect(await t.kernel()).toEqual(['2001:db8:7::/48']);
    expect(t.manager.get('2001:db8:7::/48')?.reason[0]).toBe('subnet 2001:db8:7::/48: 3 networks banned within 1h');
  });

  it('puts the members whose own bans still run back in the kernel when the subnet ban ends', async () => {
    const t = setup({ subnets: { bantime: 400 } });
    await t.request('198.18.5.1'); // until 10m
    await t.advance(5 * MIN);
    await t.request('198.18.5.2'); // until 15m
    await t.request('198.18.5.3'); // until 15m; the subnet until 11m40s
    expect(await t.kernel()).toEqual(['198.18.5.0/24']);
    // .1's own ban ends while the subnet ban holds it: it leaves the store, nothing else.
    await t.advance(5 * MIN);
    expect(t.banned()).toEqual(['198.18.5.0/24', '198.18.5.2', '198.18.5.3']);
    expect(await t.kernel()).toEqual(['198.18.5.0/24']);
    // A new ban inside the banned subnet stays out of the kernel too.
    await t.request('198.18.5.9');
    expect(await t.kernel()).toEqual(['198.18.5.0/24']);
    await t.advance(100 * S - 1);
    expect(await t.kernel()).toEqual(['198.18.5.0/24']);
    // The subnet ban ends: .2 .3 .9 still have time left, and drop again one by one.
    await t.advance(1);
    expect(await t.kernel()).toEqual(['198.18.5.2', '198.18.5.3', '198.18.5.9']);
    expect(t.events.some((e) => e.type === 'unban' && e.ip === '198.18.5.0/24' && e.reason === 'expired')).toBe(true);
  });

  it('puts the members back when the subnet ban is lifted by hand', async () => {
    const t = setup();
    for (const host of [1, 2, 3]) await t.request(`198.18.5.${host}`);
    expect(await t.manager.unban('198.18.5.0/24')).toBe(true);
    await t.manager.idle();
    expect(await t.kernel()).toEqual(['198.18.5.1', '198.18.5.2', '198.18.5.3']);
  });

  it('escalates the subnet ban when the subnet comes back, and counts afresh after each subnet ban', async () => {
    const t = setup({ escalation: { enabled: true, factor: 2 }, subnets: { bantime: 300, window: 24 * 3600 } });
    for (const host of [1, 2, 3]) await t.request(`198.18.5.${host}`);
    expect(t.manager.get('198.18.5.0/24')?.count).toBe(1);
    await t.advance(11 * MIN); // the subnet's 5m and the members' 10m are over
    expect(t.banned()).toEqual([]);
    // The addresses banned before the subnet ban do not count again.
    await t.request('198.18.5.4');
    await t.request('198.18.5.5');
    expect(t.manager.get('198.18.5.0/24')).toBeUndefined();
    await t.request('198.18.5.6');
    const second = t.manager.get('198.18.5.0/24')!;
    expect(second.count).toBe(2);
    expect((second.expiresAt! - second.bannedAt) / S).toBe(600);
  });

  it('never bans a subnet holding an address of this machine, and says so once per window', async () => {
    const t = setup();
    for (const host of [2, 3, 4, 5]) await t.request(`198.19.7.${host}`);
    expect(t.banned()).not.toContain('198.19.7.0/24');
    expect(await t.kernel()).toEqual(['198.19.7.2', '198.19.7.3', '198.19.7.4', '198.19.7.5']);
    const refused = t.events.filter((e) => e.type === 'refused');
    expect(refused).toEqual([{
      type: 'refused', ip: '198.19.7.0/24', jail: 'subnet', range: '198.19.7.1',
      reason: 'it holds 198.19.7.1 (address of eth0), an address of this machine; subnet 198.19.7.0/24: 3 addresses banned within 1h, each stays banned on its own',
    }]);
    expect(t.messages()).toContain(`Subnet 198.19.7.0/24 not banned: ${refused[0]!.type === 'refused' ? refused[0]!.reason : ''}`);
  });

  it("never bans a subnet holding the operator's SSH session", async () => {
    const t = setup({ sessions: [{ address: '198.18.5.200', port: 22 }] });
    for (const host of [1, 2, 3]) await t.request(`198.18.5.${host}`);
    expect(t.banned()).not.toContain('198.18.5.0/24');
    expect(t.messages().find((m) => m.startsWith('Subnet 198.18.5.0/24 not banned'))).toContain("198.18.5.200, the address of the operator's SSH session");
    // Another subnet is banned as usual.
    for (const host of [1, 2, 3]) await t.request(`198.18.6.${host}`);
    expect(t.banned()).toContain('198.18.6.0/24');
  });

  it('bans a subnet holding a configured trusted address, and reports the overlap', async () => {
    const t = setup({ trusted: ['198.18.5.77'] });
    for (const host of [1, 2, 3]) await t.request(`198.18.5.${host}`);
    expect(await t.kernel()).toEqual(['198.18.5.0/24']);
    expect(t.events).toContainEqual({ type: 'overlap', ip: '198.18.5.0/24', jail: 'subnet', ranges: ['198.18.5.77'] });
    expect(t.messages()).toContain('Ban 198.18.5.0/24 holds trusted 198.18.5.77: those stay allowed');
  });

  it('keeps the members out of the kernel across a restart, and back in when the subnet ban ends', async () => {
    const store = new MemoryStore();
    const clock = new ManualClock(T0);
    const first = setup({ store, clock, subnets: { bantime: 300 } });
    for (const host of [1, 2, 3]) await first.request(`198.18.5.${host}`);
    first.manager.stop();
    const second = setup({ store, clock, subnets: { bantime: 300 } });
    await second.manager.start();
    expect(await second.kernel()).toEqual(['198.18.5.0/24']);
    await second.advance(5 * MIN);
    expect(await second.kernel()).toEqual(['198.18.5.1', '198.18.5.2', '198.18.5.3']);
  });

  it('puts the firewall right from the bans in force after a failed command: the subnet ban, not its members', async () => {
    const firewall = new FailingBackend();
    const t = setup({ firewall });
    await t.request('198.18.5.1');
    await t.request('198.18.5.2');
    firewall.failures = 1; // the third member's ban fails; the subnet ban is skipped while out of step
    await t.request('198.18.5.3');
    await t.manager.idle();
    expect(t.events.filter((e) => e.type === 'resynced')).toEqual([{ type: 'resynced', count: 1, attempts: 1 }]);
    expect(await t.kernel()).toEqual(['198.18.5.0/24']);
  });
});
