import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Settings } from '../../src/config/schema.js';
import { BanManager, HISTORY_WINDOW, type BanEvent } from '../../src/engine/ban-manager.js';
import { ManualClock } from '../../src/engine/clock.js';
import type { TimerFunctions } from '../../src/engine/expiry-queue.js';
import { MemoryStore } from '../../src/engine/memory-store.js';
import { SqliteStore } from '../../src/engine/store.js';
import { TrustedSet } from '../../src/engine/trusted.js';
import type { BanStore } from '../../src/engine/types.js';
import { DryRunBackend } from '../../src/firewall/dry-run-backend.js';
import { CommandError } from '../../src/firewall/run-command.js';
import type { BanEntry } from '../../src/firewall/types.js';
import { makeTempDir, type TempDir } from './helpers.js';

const T0 = Date.UTC(2025, 0, 1);
const S = 1000;

const settings: Settings = {
  enabled: true,
  bantime: 600,
  findtime: 600,
  maxretry: 5,
  escalation: { enabled: false, factor: 2, maxtime: 604_800, scope: 'all' },
};

/**
 * Records what replaceBans was given, and fails its next `failures` ban or replace commands like
 * a real command.
 */
class RecordingBackend extends DryRunBackend {
  /** The entries of each replaceBans, as they were read. */
  replaced: BanEntry[][] = [];
  /** Whether each replaceBans was given an array (rather than entries to read one at a time). */
  arrays: boolean[] = [];
  failures = 0;
  /** When set, the next replaceBans fails like a command once it has read this many entries. */
  failAfterReading = -1;
  /** Runs when the next replaceBans reads its first entry. */
  onFirstRead: (() => void) | null = null;

  override async replaceBans(entries: Iterable<BanEntry>): Promise<void> {
    const read: BanEntry[] = [];
    this.replaced.push(read);
    this.arrays.push(Array.isArray(entries));
    this.failIfAsked();
    const failAfter = this.failAfterReading;
    this.failAfterReading = -1;
    if (failAfter >= 0) {
      for (const entry of entries) {
        read.push(entry);
        if (read.length === 1) this.onFirstRead?.();
        if (read.length === failAfter) throw new CommandError(['nft', '-f', '-'], 1, 'Error: Could not process rule: No buffer space available');
      }
    }
    return super.replaceBans(recorded(entries, read));
  }

  override async ban(entries: BanEntry[]): Promise<void> {
    this.failIfAsked();
    return super.ban(entries);
  }

  private failIfAsked(): void {
    if (this.failures > 0) {
      this.failures--;
      throw new CommandError(['ipset', 'restore'], 1, 'ipset v7.19: The set with the given name does not exist');
    }
  }
}

function* recorded(entries: Iterable<BanEntry>, into: BanEntry[]): Generator<BanEntry> {
  for (const entry of entries) {
    into.push(entry);
    yield entry;
  }
}

/** One run of the daemon: a manager over `store` with a fresh firewall, as after a reboot. */
function run(store: BanStore, clock: ManualClock, config: string[] = []) {
  const firewall = new RecordingBackend();
  const events: BanEvent[] = [];
  let timer: { callback: () => void; ms: number } | null = null;
  const timers: TimerFunctions = { set: (callback, ms) => (timer = { callback, ms }), clear: () => (timer = null) };
  const manager = new BanManager({
    store, firewall, clock, timers,
    trusted: new TrustedSet({ config, interfaces: null }),
    settings: () => settings,
    onEvent: (e) => events.push(e),
    retryDelay: 1,
  });
  return { firewall, events, manager, timer: () => timer };
}

let tmp: TempDir;
beforeEach(() => {
  tmp = makeTempDir('portcullis-ban-manager-');
});
afterEach(() => tmp.remove());

const flavours: Array<{ name: string; open: () => BanStore; reopen: (store: BanStore) => BanStore }> = [
  { name: 'MemoryStore', open: () => new MemoryStore(), reopen: (store) => store },
  {
    name: 'SqliteStore',
    open: () => SqliteStore.open(path.join(tmp.dir, 'state')),
    reopen: (store) => {
      store.close();
      return SqliteStore.open(path.join(tmp.dir, 'state'));
    },
  },
];

describe.each(flavours)('BanManager restart ($name)', ({ open, reopen }) => {
  it('forgets history older than the window escalation reads, at start', async () => {
    const clock = new ManualClock(T0);
    let store = open();
    const first = run(store, clock);
    await first.manager.start();
    await first.manager.banManually('198.51.100.9', { seconds: 60 });
    first.manager.stop();
    clock.advanceTo(T0 + HISTORY_WINDOW + 60 * S);
    await first.manager.banManually('198.51.100.9', { seconds: 60 });
    first.manager.stop();
    expect(store.history('198.51.100.9', 0)).toHaveLength(2);
    store = reopen(store);
    const second = run(store, clock);
    await second.manager.start();
    expect(store.history('198.51.100.9', 0).map((h) => h.bannedAt)).toEqual([T0 + HISTORY_WINDOW + 60 * S]);
  });

  it('restores bans with their remaining time in one replaceBans call, drops expired ones, sends no ban events', async () => {
    const clock = new ManualClock(T0);
    let store = open();
    const first = run(store, clock);
    await first.manager.start();
    await first.manager.handle({ jail: 'sshd', ip: '198.51.100.1', time: T0, failures: 5, lines: ['x'] });
    await first.manager.banManually('2001:db8::1', { seconds: -1, note: 'permanent' });
    await first.manager.banManually('198.51.100.2', { seconds: 60 });
    await first.manager.banManually('192.0.2.1', { seconds: 3600 }); // trusted by the next run's config
    first.manager.stop(); // the daemon dies: no expiry runs
    clock.advanceTo(T0 + 120 * S);

    store = reopen(store);
    const second = run(store, clock, ['192.0.2.0/24']);
    await second.manager.start();
    expect(second.firewall.log.filter((line) => line.startsWith('replace bans'))).toEqual(['replace bans: 2 in one command']);
    expect(second.firewall.log.filter((line) => line.startsWith('ban '))).toEqual([]);
    expect(second.firewall.replaced).toEqual([[{ address: '198.51.100.1', timeout: 480 }, { address: '2001:db8::1' }]]);
    expect(second.firewall.arrays).toEqual([false]);
    expect(second.events).toEqual([
      { type: 'unban', ip: '192.0.2.1', jail: 'manual', reason: 'trusted' },
      { type: 'restored', count: 2, dropped: 2 },
    ]);
    expect(store.activeBans().map((b) => b.ip)).toEqual(['198.51.100.1', '2001:db8::1']);
    expect(second.manager.list().map((b) => b.ip)).toEqual(['198.51.100.1', '2001:db8::1']);
    // The restored ban still ends when it was meant to.
    expect(second.timer()?.ms).toBe(480 * S);
    clock.advanceTo(T0 + 600 * S);
    second.timer()!.callback();
    await second.manager.idle();
    expect(second.events.at(-1)).toEqual({ type: 'unban', ip: '198.51.100.1', jail: 'sshd', reason: 'expired' });
    expect(await second.firewall.listBans()).toEqual(['2001:db8::1']);
    store.close();
  });

  it('restores the trusted ranges added at run time', async () => {
    const clock = new ManualClock(T0);
    let store = open();
    const first = run(store, clock);
    await first.manager.start();
    await first.manager.trust('198.51.100.0/24', 'partner');
    store = reopen(store);
    const second = run(store, clock);
    await second.manager.start();
    await second.manager.handle({ jail: 'sshd', ip: '198.51.100.9', time: T0, failures: 5, lines: ['x'] });
    expect(second.events.find((e) => e.type === 'refused')).toMatchObject({ ip: '198.51.100.9', range: '198.51.100.0/24' });
    expect(second.firewall.log[0]).toBe('trusted: 127.0.0.0/8, ::1, 198.51.100.0/24');
    store.close();
  });
});

describe('BanManager and a failing firewall', () => {
  it('writes the store before calling the firewall', async () => {
    const store = new MemoryStore();
    const t = run(store, new ManualClock(T0));
    let storedDuringBan: string[] = [];
    const ban = t.firewall.ban.bind(t.firewall);
    t.firewall.ban = async (entries) => {
      storedDuringBan = store.activeBans().map((b) => b.ip);
      return ban(entries);
    };
    await t.manager.handle({ jail: 'sshd', ip: '198.51.100.1', time: T0, failures: 5, lines: ['x'] });
    expect(storedDuringBan).toEqual(['198.51.100.1']);
  });

  it('reports the stderr and puts the firewall right from the bans in force', async () => {
    const t = run(new MemoryStore(), new ManualClock(T0));
    t.firewall.failures = 1;
    await t.manager.handle({ jail: 'sshd', ip: '198.51.100.1', time: T0, failures: 5, lines: ['x'] });
    await t.manager.idle();
    const errors = t.events.filter((e) => e.type === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ message: expect.stringMatching(/ban 198\.51\.100\.1 failed: .*set with the given name does not exist; putting the firewall right/) });
    expect(await t.firewall.listBans()).toEqual(['198.51.100.1']);
    expect(t.events.filter((e) => e.type === 'resynced')).toEqual([{ type: 'resynced', count: 1, attempts: 1 }]);
    expect(t.manager.firewallOutOfStep).toBe(false);
  });

  it('keeps trying with growing waits until the firewall holds every ban, skipping commands meanwhile', async () => {
    const store = new MemoryStore();
    const clock = new ManualClock(T0);
    const t = run(store, clock);
    t.firewall.failures = 4; // the ban, then three tries to put it right
    await t.manager.handle({ jail: 'sshd', ip: '198.51.100.1', time: T0, failures: 5, lines: ['x'] });
    expect(t.manager.firewallOutOfStep).toBe(true);
    // A ban made while the firewall is out of step is not sent on its own: the next try covers it.
    await t.manager.handle({ jail: 'sshd', ip: '198.51.100.2', time: T0, failures: 5, lines: ['x'] });
    for (let i = 0; i < 4 && t.manager.firewallOutOfStep; i++) await t.manager.idle();
    expect(t.manager.firewallOutOfStep).toBe(false);
    const messages = t.events.filter((e) => e.type === 'error').map((e) => e.type === 'error' && e.message);
    expect(messages).toEqual([
      expect.stringMatching(/ban 198\.51\.100\.1 failed: .*; putting the firewall right from the bans in force in 1 ms$/),
      expect.stringMatching(/putting it right failed \(try 1\): .*; next try in 2 ms$/),
      expect.stringMatching(/putting it right failed \(try 2\): .*; next try in 4 ms$/),
      expect.stringMatching(/putting it right failed \(try 3\): .*; next try in 8 ms$/),
    ]);
    expect(t.events.filter((e) => e.type === 'resynced')).toEqual([{ type: 'resynced', count: 2, attempts: 4 }]);
    expect((await t.firewall.listBans()).sort()).toEqual(['198.51.100.1', '198.51.100.2']);
    expect(store.activeBans().map((b) => b.ip)).toEqual(['198.51.100.1', '198.51.100.2']);
  });
});

describe.each(flavours)('BanManager restore read page by page ($name)', ({ open, reopen }) => {
  it('reads every stored ban while the firewall takes them, and all of them though it fails part-way', async () => {
    // More bans than one page of the store's read: the firewall takes the first before the rest are read.
    const n = 45_000;
    const ip = (i: number) => `198.${18 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`;
    let store = open();
    (store as MemoryStore | SqliteStore).putBans(Array.from({ length: n }, (_, i) => ({ ip: ip(i), jail: 'sshd', bannedAt: T0, expiresAt: T0 + 3600 * S + i, count: 1, reason: ['x'] })));
    store = reopen(store);
    const clock = new ManualClock(T0 + S);
    const t = run(store, clock);
    t.firewall.failAfterReading = 25_000;
    let heldAtFirstRead = -1;
    t.firewall.onFirstRead = () => (heldAtFirstRead = t.manager.size);
    await t.manager.start();
    expect(heldAtFirstRead).toBeGreaterThan(0);
    expect(heldAtFirstRead).toBeLessThan(n);
    expect(t.firewall.replaced[0]).toHaveLength(25_000);
    expect(t.manager.size).toBe(n);
    expect(t.events.find((e) => e.type === 'restored')).toEqual({ type: 'restored', count: n, dropped: 0 });
    expect(t.events.filter((e) => e.type === 'error')).toEqual([
      { type: 'error', message: expect.stringMatching(/restore 25000 bans failed: .*No buffer space/) },
    ]);
    await t.manager.idle();
    expect(t.manager.firewallOutOfStep).toBe(false);
    expect(await t.firewall.listBans()).toHaveLength(n);
    // A ban stored again while the restore reads comes once in memory.
    expect(t.manager.get(ip(44_999))?.expiresAt).toBe(T0 + 3600 * S + 44_999);
    store.close();
  });
});

describe('BanManager started again in the same process (detection off, then on)', () => {
  it('takes the store as the truth: bans that expired while off are dropped and announced, the rest restored', async () => {
    const clock = new ManualClock(T0);
    const store = new MemoryStore();
    const { manager, firewall, events } = run(store, clock);
    await manager.start();
    await manager.banManually('198.51.100.1', { seconds: 60 });
    await manager.banManually('198.51.100.2', { seconds: 3600 });
    manager.stop(); // detection off: no expiry runs
    await firewall.replaceBans([]);
    clock.advanceTo(T0 + 120 * S);
    events.length = 0;
    await manager.start(); // detection on
    expect(manager.list().map((b) => b.ip)).toEqual(['198.51.100.2']);
    expect(await firewall.listBans()).toEqual(['198.51.100.2']);
    expect(events).toContainEqual({ type: 'unban', ip: '198.51.100.1', jail: 'manual', reason: 'expired' });
    expect(store.activeBans().map((b) => b.ip)).toEqual(['198.51.100.2']);
  });
});
