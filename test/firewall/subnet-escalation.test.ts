import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Settings } from '../../src/config/schema.js';
import { BanManager } from '../../src/engine/ban-manager.js';
import { systemClock } from '../../src/engine/clock.js';
import { EngineLog } from '../../src/engine/engine-log.js';
import { logBanEvent } from '../../src/engine/event-lines.js';
import { SqliteStore } from '../../src/engine/store.js';
import { TrustedSet } from '../../src/engine/trusted.js';
import type { FirewallBackend } from '../../src/firewall/types.js';
import { kernelBackends } from '../helpers/kernel-backends.js';
import { createNetnsPair, netnsSkipReason, type NetnsPair } from '../helpers/netns.js';
import { makeTempDir, type TempDir } from '../helpers/temp-dir.js';
import { settles } from '../helpers/wait.js';

const PORT = 8091;
const SHORT = 600;

const backends = kernelBackends(71);

const settings: Settings = {
  enabled: true,
  bantime: 600,
  findtime: 600,
  maxretry: 5,
  escalation: { enabled: false, factor: 2, maxtime: 604_800, scope: 'all' },
  subnets: { enabled: true, ipv4_prefix: 24, ipv6_prefix: 48, threshold: 3, window: 3600, bantime: 600 },
};

for (const { name, tools, index, make } of backends) {
  const skip = netnsSkipReason(tools);
  describe.skipIf(skip !== null)(`subnet escalation with ${name} in a network namespace`, () => {
    let pair: NetnsPair;
    let backend: FirewallBackend;
    let tmp: TempDir;
    let store: SqliteStore;
    let manager: BanManager;
    let trustedHost: { v4: string; v6: string };
    const log = new EngineLog();
    beforeAll(async () => {
      tmp = makeTempDir('portcullis-subnet-netns-');
      pair = createNetnsPair(index, 'pc-sn-');
      await pair.listen(PORT);
      // The client's .3 / ::3 is trusted; its .2 / ::2 never fails and is trusted by nobody.
      trustedHost = pair.addClientHost(3);
      backend = make(pair.server);
      store = SqliteStore.open(path.join(tmp.dir, 'state'));
      // No own addresses: this process runs outside the namespaces, whose server address the
      // subnet holds (the refusal of such a subnet is a unit test).
      const trusted = new TrustedSet({ config: [trustedHost.v4, trustedHost.v6], interfaces: null });
      manager = new BanManager({
        store, firewall: backend, clock: systemClock, trusted,
        settings: () => settings,
        sessions: () => [],
        onEvent: (event) => logBanEvent(log, event),
      });
      await backend.start(trusted.ranges());
      await manager.start();
    });
    afterAll(async () => {
      try {
        manager?.stop();
        await backend?.stop({ removeBans: true });
      } finally {
        pair?.destroy();
        store?.close();
        tmp?.remove();
      }
    });

    const ban = async (ip: string) => {
      await manager.handle({ jail: 'sshd', ip, time: Date.now(), failures: 5, lines: [`failure from ${ip}`] });
      await manager.idle();
    };

    /** Lifts the subnet ban: the members, still banned on their own, are back in the kernel and the client gets in. */
    const liftSubnet = async (subnet: string, members: string[], client: () => boolean) => {
      expect(await manager.unban(subnet)).toBe(true);
      await manager.idle();
      const after = await backend.listBans();
      expect(after).not.toContain(subnet);
      expect(after).toEqual(expect.arrayContaining(members));
      expect(await settles(client, true)).toBe(true);
    };

    it('drops the rest of a /24 after 3 of its addresses are banned, and lets a trusted address inside through', async () => {
      const client = () => pair.tcp(pair.serverV4, PORT, SHORT, pair.clientV4);
      const trusted = () => pair.tcp(pair.serverV4, PORT, SHORT, trustedHost.v4);
      const subnet = `198.18.${index}.0/24`;
      const members = [11, 12, 13].map((host) => `198.18.${index}.${host}`);
      expect(await settles(client, true)).toBe(true);
      await ban(members[0]!);
      await ban(members[1]!);
      expect(client()).toBe(true);
      await ban(members[2]!);
      expect(manager.get(subnet)?.reason[0]).toBe(`subnet ${subnet}: 3 addresses banned within 1h`);
      // One subnet ban replaces the members in the kernel; they stay bans in the store.
      const kernel = await backend.listBans();
      expect(kernel).toContain(subnet);
      for (const member of members) expect(kernel).not.toContain(member);
      expect(store.activeBans().map((b) => b.ip)).toEqual(expect.arrayContaining([subnet, ...members]));
      expect(await settles(client, false)).toBe(true);
      expect(await settles(trusted, true)).toBe(true);
      const messages = log.entries().map((e) => e.message);
      expect(messages).toContain(`Ban ${subnet} (subnet ${subnet}: 3 addresses banned within 1h; 10m, ban #1)`);
      expect(messages).toContain(`Ban ${subnet} holds trusted ${trustedHost.v4}: those stay allowed`);
      await liftSubnet(subnet, members, client);
    });

    it('drops the rest of a /48 after 3 of its /64 prefixes are banned, and lets a trusted address inside through', async () => {
      const client = () => pair.tcp(pair.serverV6, PORT, SHORT, pair.clientV6);
      const trusted = () => pair.tcp(pair.serverV6, PORT, SHORT, trustedHost.v6);
      const hex = index.toString(16);
      const subnet = `2001:db8:${hex}::/48`;
      const members = [1, 2, 3].map((n) => `2001:db8:${hex}:${n}::/64`);
      expect(await settles(client, true)).toBe(true);
      for (const member of members) await ban(member);
      expect(manager.get(subnet)?.reason[0]).toBe(`subnet ${subnet}: 3 networks banned within 1h`);
      const kernel = await backend.listBans();
      expect(kernel).toContain(subnet);
      for (const member of members) expect(kernel).not.toContain(member);
      expect(await settles(client, false)).toBe(true);
      expect(await settles(trusted, true)).toBe(true);
      await liftSubnet(subnet, members, client);
    });
  });
}
