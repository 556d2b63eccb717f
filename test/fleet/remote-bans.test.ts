import { afterEach, describe, expect, it } from 'vitest';
import type { Settings } from '../../src/config/schema.js';
import { BanManager, type BanEvent } from '../../src/engine/ban-manager.js';
import { ManualClock } from '../../src/engine/clock.js';
import type { TimerFunctions } from '../../src/engine/expiry-queue.js';
import { SqliteStore } from '../../src/engine/store.js';
import { TrustedSet } from '../../src/engine/trusted.js';
import { DryRunBackend } from '../../src/firewall/dry-run-backend.js';
import { makeTempDir, type TempDir } from '../helpers/temp-dir.js';

const T0 = Date.UTC(2026, 0, 1);
const MIN = 60_000;

let tmp: TempDir | null = null;
let store: SqliteStore | null = null;
afterEach(() => {
  store?.close();
  store = null;
  tmp?.remove();
  tmp = null;
});

function setup() {
  tmp = makeTempDir('pc-h19-remote-');
  store = SqliteStore.open(tmp.dir);
  const clock = new ManualClock(T0);
  const firewall = new DryRunBackend();
  const trusted = new TrustedSet({ config: ['198.19.200.0/24'], interfaces: () => ({}) });
  const timers: TimerFunctions = { set: () => null, clear: () => {} };
  const settings: Settings = {
    enabled: true, bantime: 600, findtime: 600, maxretry: 5,
    escalation: { enabled: true, factor: 2, maxtime: 7 * 24 * 3600, scope: 'all' },
  };
  const events: BanEvent[] = [];
  const manager = new BanManager({ store, firewall, clock, trusted, timers, settings: () => settings, onEvent: (e) => events.push(e) });
  const remote = (ip: string, expiresAt: number | null, origin = 'web01', countsHere = false) =>
    manager.banRemote({ ip, jail: 'sshd', expiresAt, reason: ['Failed password'], origin, countsHere });
  return { clock, firewall, manager, events, remote, store };
}

describe('bans from other fleet nodes', () => {
  it('applies a remote ban with its origin and the sender\'s expiry, kept across a restart', async () => {
    const t = setup();
    expect(await t.remote('198.18.0.1', T0 + 5 * MIN)).toBe(true);
    await t.manager.idle();
    expect(await t.firewall.listBans()).toEqual(['198.18.0.1']);
    const [ban] = t.manager.list();
    expect(ban).toMatchObject({ ip: '198.18.0.1', jail: 'sshd', expiresAt: T0 + 5 * MIN, origin: 'web01' });
    store!.close();
    store = SqliteStore.open(tmp!.dir);
    expect(store.activeBans()[0]?.origin).toBe('web01');
    // Not history here: it must not escalate this server's own bans.
    expect(store.history('198.18.0.1', 0)).toEqual([]);
  });

  it('does not count toward local escalation', async () => {
    const t = setup();
    await t.remote('198.18.0.2', T0 + 5 * MIN);
    t.clock.advanceTo(T0 + 6 * MIN);
    // A local jail now bans the address (the remote ban has ended by then): a first ban, 600 s.
    await t.manager.unbanRemote('198.18.0.2', 'web01');
    await t.manager.handle({ jail: 'sshd', ip: '198.18.0.2', time: t.clock.now(), failures: 5, lines: ['x'] });
    const [ban] = t.manager.list();
    expect(ban).toMatchObject({ count: 1, expiresAt: T0 + 6 * MIN + 600_000 });
    expect(ban?.origin).toBeUndefined();
  });

  it('counts toward local escalation when asked to (count_remote), keeping the sender\'s expiry', async () => {
    const t = setup();
    await t.manager.handle({ jail: 'sshd', ip: '198.18.0.8', time: T0, failures: 5, lines: ['x'] });
    await t.manager.unban('198.18.0.8');
    // The remote ban is numbered after the local one, yet lasts only as long as the sender said.
    expect(await t.remote('198.18.0.8', T0 + 5 * MIN, 'web01', true)).toBe(true);
    expect(t.manager.get('198.18.0.8')).toMatchObject({ count: 2, expiresAt: T0 + 5 * MIN, origin: 'web01' });
    expect(store!.history('198.18.0.8', 0)).toHaveLength(2);
    t.clock.advanceTo(T0 + 6 * MIN);
    await t.manager.unbanRemote('198.18.0.8', 'web01');
    // Two earlier bans here: the third is 600 s x 2 x 2.
    await t.manager.handle({ jail: 'sshd', ip: '198.18.0.8', time: t.clock.now(), failures: 5, lines: ['x'] });
    expect(t.manager.get('198.18.0.8')).toMatchObject({ count: 3, expiresAt: T0 + 6 * MIN + 2400_000 });
  });

  it('keeps a trusted address open, and says so', async () => {
    const t = setup();
    expect(await t.remote('198.19.200.7', T0 + 5 * MIN)).toBe(false);
    expect(await t.firewall.listBans()).toEqual([]);
    expect(t.events).toEqual([expect.objectContaining({ type: 'refused', ip: '198.19.200.7', range: '198.19.200.0/24' })]);
  });

  it('never shortens a ban in force here and ignores one already over', async () => {
    const t = setup();
    await t.manager.handle({ jail: 'sshd', ip: '198.18.0.3', time: T0, failures: 5, lines: ['x'] });
    expect(await t.remote('198.18.0.3', T0 + 2 * MIN)).toBe(false);
    expect(t.manager.get('198.18.0.3')?.origin).toBeUndefined();
    expect(await t.remote('198.18.0.4', T0 - 1)).toBe(false);
    expect(t.manager.get('198.18.0.4')).toBeUndefined();
    // The same entry read twice (after a crash) changes nothing.
    expect(await t.remote('198.18.0.5', T0 + 5 * MIN)).toBe(true);
    expect(await t.remote('198.18.0.5', T0 + 5 * MIN)).toBe(false);
    expect(t.events.filter((e) => e.type === 'ban')).toHaveLength(2);
  });

  it('lifts a remote ban only for the node that sent it', async () => {
    const t = setup();
    await t.remote('198.18.0.6', T0 + 5 * MIN, 'web01');
    expect(await t.manager.unbanRemote('198.18.0.6', 'web02')).toBe(false);
    expect(await t.manager.unbanRemote('198.18.0.6', 'web01')).toBe(true);
    await t.manager.handle({ jail: 'sshd', ip: '198.18.0.7', time: T0, failures: 5, lines: ['x'] });
    expect(await t.manager.unbanRemote('198.18.0.7', 'web01')).toBe(false);
    await t.manager.idle();
    expect(await t.firewall.listBans()).toEqual(['198.18.0.7']);
    expect(t.events.filter((e) => e.type === 'unban')).toEqual([{ type: 'unban', ip: '198.18.0.6', jail: 'sshd', reason: 'remote' }]);
  });
});
