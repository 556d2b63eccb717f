import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/index.js';
import { SUBNET_JAIL } from '../../src/domain/index.js';
import { BanManager, type BanEvent } from '../../src/engine/ban-manager.js';
import { ManualClock } from '../../src/engine/clock.js';
import { SqliteStore } from '../../src/engine/store.js';
import { TrustedSet } from '../../src/engine/trusted.js';
import type { BanRecord } from '../../src/engine/types.js';
import type { BanEntry, FirewallBackend } from '../../src/firewall/types.js';
import { kernelBackends } from '../helpers/kernel-backends.js';
import { createNetnsPair, netnsSkipReason, type NetnsPair } from '../helpers/netns.js';
import { netnsPids, runningProcesses } from '../helpers/processes.js';
import { makeTempDir, type TempDir } from '../helpers/temp-dir.js';

const T0 = Date.UTC(2025, 0, 1);
const HOUR = 3600_000;

const settings = parseConfig('', 'test').settings;

/** Address i of a restore: IPv4 from 198.19.0.0/16 for the first 20,000, then IPv6 in 2001:db8:ffff::/48. */
const address = (i: number): string => (i < 20_000 ? `198.19.${i >> 8}.${i & 255}` : `2001:db8:ffff::${i.toString(16)}`);

/**
 * `entries`, read one at a time; when the `at`-th is read, `check` runs (the names of the
 * processes in the namespace then), and `read` counts them.
 */
function* watched<T>(entries: Iterable<T>, at: number, check: () => void, read: { count: number }): Generator<T> {
  for (const entry of entries) {
    if (++read.count === at) check();
    yield entry;
  }
}

for (const { name, tools, index, make } of kernelBackends(81)) {
  const skip = netnsSkipReason(tools);
  describe.skipIf(skip !== null)(`streamed restore with ${name} in a network namespace`, () => {
    let pair: NetnsPair;
    let backend: FirewallBackend;
    let tmp: TempDir;
    /** The command lines of the processes running in the server namespace now. */
    const commandsRunning = (): string[] => runningProcesses(netnsPids(pair.server)).map((p) => p.argv.join(' '));
    // The bulk command, not the long-lived `nft -i` or `ipset -` session beside it.
    const tool = name === 'nftables' ? 'nft -f -' : 'ipset restore';

    beforeAll(async () => {
      pair = createNetnsPair(index, 'pc-sr-');
      backend = make(pair.server);
      await backend.start([]);
      // Sets that hold a ban: the restore is one transaction, streamed (empty ones fill in several).
      await backend.ban([{ address: '198.19.250.1', timeout: 60 }]);
      tmp = makeTempDir('portcullis-streamed-restore-');
    });
    afterAll(async () => {
      try {
        await backend?.stop({ removeBans: true });
      } finally {
        pair?.destroy();
        tmp?.remove();
      }
    });

    it('reads the entries while the kernel command runs, and the sets then hold exactly them', async () => {
      const n = 30_000;
      const read = { count: 0 };
      let running: string[] = [];
      function* entries(): Generator<BanEntry> {
        for (let i = 0; i < n; i++) yield i % 5 === 0 ? { address: address(i) } : { address: address(i), timeout: 3600 + i };
      }
      await backend.replaceBans(watched(entries(), 25_000, () => (running = commandsRunning()), read));
      expect(read.count).toBe(n);
      // The kernel command was already reading when the 25,000th entry was made.
      expect(running.some((command) => command.includes(tool))).toBe(true);
      const listed = await backend.listBans();
      expect(listed).toHaveLength(n);
      expect(new Set(listed)).toEqual(new Set(Array.from({ length: n }, (_, i) => address(i))));
    });

    it('leaves the sets as they were when an entry part-way is bad', async () => {
      const before = (await backend.listBans()).sort();
      function* entries(): Generator<BanEntry> {
        for (let i = 0; i < 25_000; i++) yield { address: `2001:db8:eeee::${i.toString(16)}`, timeout: 600 };
        yield { address: '198.19.0.1', timeout: -5 };
        yield { address: '198.19.0.2' };
      }
      await expect(backend.replaceBans(entries())).rejects.toThrow(/198\.19\.0\.1/);
      expect((await backend.listBans()).sort()).toEqual(before);
      // And the next restore goes through.
      await backend.replaceBans([{ address: '198.19.9.9' }]);
      expect(await backend.listBans()).toEqual(['198.19.9.9']);
    });

    it('puts back exactly the stored bans in force at a restart: not the expired, trusted or subnet-held ones', async () => {
      const clock = new ManualClock(T0);
      const store = SqliteStore.open(tmp.dir);
      try {
        const n = 40_000;
        const ban = (ip: string, expiresAt: number | null, jail = 'sshd'): BanRecord => ({ ip, jail, bannedAt: T0 - HOUR, expiresAt, count: 1, reason: ['test'] });
        const bans: BanRecord[] = [];
        for (let i = 0; i < n; i++) bans.push(ban(address(i), i % 7 === 0 ? null : T0 + HOUR + i * 1000));
        // Dropped at start: expired, or now trusted.
        bans.push(ban('198.19.200.1', T0 - 1), ban('2001:db8:dddd::1', T0 - 1000), ban('198.19.201.7', T0 + HOUR));
        // A subnet ban holds the place of the bans inside it (198.19.10.0-255 are among the n).
        bans.push(ban('198.19.10.0/24', T0 + HOUR, SUBNET_JAIL));
        store.putBans(bans);
        const events: BanEvent[] = [];
        const manager = new BanManager({
          store, firewall: backend, clock,
          trusted: new TrustedSet({ config: ['198.19.201.0/24'], interfaces: null }),
          settings: () => settings,
          onEvent: (e) => events.push(e),
        });
        await manager.start();
        manager.stop();
        expect(events.filter((e) => e.type === 'error')).toEqual([]);
        expect(events.find((e) => e.type === 'restored')).toEqual({ type: 'restored', count: n + 1, dropped: 3 });
        const listed = await backend.listBans();
        const expected = new Set(Array.from({ length: n }, (_, i) => address(i)).filter((ip) => !ip.startsWith('198.19.10.')));
        expected.add('198.19.10.0/24');
        expect(listed).toHaveLength(expected.size);
        expect(new Set(listed)).toEqual(expected);
      } finally {
        store.close();
      }
    });
  });
}
