import { describe, expect, it } from 'vitest';
import type { Settings } from '../../src/config/schema.js';
import { ManualClock } from '../../src/engine/clock.js';
import { MemoryStore } from '../../src/engine/memory-store.js';
import { SubnetWatch } from '../../src/engine/subnet-watch.js';
import { TrustedSet } from '../../src/engine/trusted.js';
import type { BanRecord } from '../../src/engine/types.js';
import { DryRunBackend } from '../../src/firewall/dry-run-backend.js';
import type { BanEntry } from '../../src/firewall/types.js';
import { waitFor } from '../helpers/wait.js';
import { HOUR, setup, T0 } from './subnet-setup.js';

/** Holds back any ban command naming `held` until `open()`; the rest go through. */
class GatedBackend extends DryRunBackend {
  held = '';
  waiting = false;
  private release: (() => void) | null = null;
  private readonly gate = new Promise<void>((resolve) => (this.release = resolve));

  open(): void {
    this.release?.();
  }

  override async ban(entries: BanEntry[]): Promise<void> {
    if (entries.some((e) => e.address === this.held)) {
      this.waiting = true;
      await this.gate;
    }
    return super.ban(entries);
  }
}

describe('subnet escalation: order and cost', () => {
  it('announces a ban inside a subnet ban only once the subnet ban is in the kernel', async () => {
    const firewall = new GatedBackend();
    firewall.held = '198.18.5.0/24';
    const t = setup({ firewall });
    await t.request('198.18.5.1');
    await t.request('198.18.5.2');
    const third = t.manager.handle({ jail: 'sshd', ip: '198.18.5.3', time: t.clock.now(), failures: 5, lines: ['x'] });
    await waitFor(() => firewall.waiting, 'the subnet ban command to be under way');
    const fourth = t.manager.handle({ jail: 'sshd', ip: '198.18.5.4', time: t.clock.now(), failures: 5, lines: ['x'] });
    firewall.open();
    await Promise.all([third, fourth]);
    const order = t.events.filter((e) => e.type === 'ban').map((e) => (e.type === 'ban' ? e.record.ip : ''));
    expect(order.indexOf('198.18.5.0/24')).toBeGreaterThanOrEqual(0);
    expect(order.indexOf('198.18.5.0/24')).toBeLessThan(order.indexOf('198.18.5.4'));
    expect(await t.kernel()).toEqual(['198.18.5.0/24']);
  });

  it('puts the members back when a fleet node that replaced the subnet ban lifts it', async () => {
    const t = setup();
    for (const host of [1, 2, 3]) await t.request(`198.18.5.${host}`);
    expect(await t.manager.banRemote({ ip: '198.18.5.0/24', jail: 'subnet', expiresAt: T0 + 5 * HOUR, reason: ['from web02'], origin: 'web02' })).toBe(true);
    expect(await t.manager.unbanRemote('198.18.5.0/24', 'web02')).toBe(true);
    await t.manager.idle();
    expect(await t.kernel()).toEqual(['198.18.5.1', '198.18.5.2', '198.18.5.3']);
  });

  it('counts neither remote nor manual bans after a restart, as before it', async () => {
    const store = new MemoryStore();
    const clock = new ManualClock(T0);
    const first = setup({ store, clock });
    await first.manager.banRemote({ ip: '198.18.5.1', jail: 'sshd', expiresAt: T0 + HOUR, reason: ['from web02'], origin: 'web02' });
    await first.manager.banManually('198.18.5.2');
    first.manager.stop();
    const second = setup({ store, clock });
    await second.manager.start();
    await second.request('198.18.5.3');
    expect(second.banned()).not.toContain('198.18.5.0/24');
  });

  it('finds the members of a subnet without reading every ban in force each time', () => {
    const bans = new Map<string, BanRecord>();
    let read = 0;
    const settings: Settings = {
      enabled: true, bantime: 600, findtime: 600, maxretry: 5,
      escalation: { enabled: false, factor: 2, maxtime: 604_800, scope: 'all' },
      subnets: { enabled: true, ipv4_prefix: 24, ipv6_prefix: 48, threshold: 3, window: 3600, bantime: 3600 },
    };
    const watch = new SubnetWatch({
      settings: () => settings,
      trusted: new TrustedSet({ config: [], interfaces: () => ({}) }),
      sessions: () => [],
      past: () => [],
      banned: (ip) => bans.has(ip),
      ban: (ip) => bans.get(ip),
      bans: function* () {
        for (const ban of bans.values()) {
          read++;
          yield ban;
        }
      },
    });
    watch.load(T0);
    const subnets = 300;
    let made = 0;
    for (let n = 0; n < subnets; n++) {
      for (const host of [1, 2, 3]) {
        const record: BanRecord = { ip: `198.${18 + (n >> 8)}.${n & 255}.${host}`, jail: 'sshd', bannedAt: T0, expiresAt: T0 + HOUR, count: 1, reason: [] };
        bans.set(record.ip, record);
        watch.added(record.ip);
        const decision = watch.count(record, T0);
        if (decision?.type === 'ban') {
          expect(decision.members).toHaveLength(3);
          bans.set(decision.record.ip, decision.record);
          watch.added(decision.record.ip);
          made++;
        }
      }
    }
    expect(made).toBe(subnets);
    // Reading every ban for each subnet ban would be about 300 x 600 reads; an index reads none.
    expect(read).toBeLessThanOrEqual(bans.size);
  });
});
