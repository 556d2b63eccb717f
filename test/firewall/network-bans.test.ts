import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prefixOf } from '../../src/net/index.js';
import type { FirewallBackend } from '../../src/firewall/types.js';
import { kernelBackends } from '../helpers/kernel-backends.js';
import { createNetnsPair, netnsSkipReason, type NetnsPair } from '../helpers/netns.js';
import { settles } from '../helpers/wait.js';

const PORT = 8090;
const SHORT = 600;

const backends = kernelBackends(61);

for (const { name, tools, index, make } of backends) {
  const skip = netnsSkipReason(tools);
  describe.skipIf(skip !== null)(`network bans with ${name} in a network namespace`, () => {
    let pair: NetnsPair;
    let backend: FirewallBackend;
    beforeAll(async () => {
      pair = createNetnsPair(index, 'pc-nb-');
      await pair.listen(PORT);
      backend = make(pair.server);
      await backend.start([]);
    });
    afterAll(async () => {
      try {
        await backend?.stop({ removeBans: true });
      } finally {
        pair?.destroy();
      }
    });

    it('drops the whole /64 another address of it failed from, and lets a trusted address inside through', async () => {
      const tcp6 = () => pair.tcp(pair.serverV6, PORT, SHORT);
      expect(await settles(tcp6, true)).toBe(true);
      // The failures came from ::5; the client is ::2 of the same /64.
      const banned = prefixOf(pair.clientV6.replace(/::2$/, '::5'), { ipv4: 32, ipv6: 64 });
      expect(banned).toBe(`2001:db8:${index.toString(16)}::/64`);
      await backend.ban([{ address: banned, timeout: 600 }]);
      expect(await backend.listBans()).toContain(banned);
      expect(await settles(tcp6, false)).toBe(true);
      await backend.setTrusted([pair.clientV6]);
      expect(await settles(tcp6, true)).toBe(true);
      await backend.setTrusted([]);
      expect(await settles(tcp6, false)).toBe(true);
      await backend.unban([banned]);
      expect(await settles(tcp6, true)).toBe(true);
    });

    it('drops an IPv4 /24 network ban, and lets a trusted address inside through', async () => {
      const tcp4 = () => pair.tcp(pair.serverV4, PORT, SHORT);
      const banned = prefixOf(pair.clientV4.replace(/\.2$/, '.77'), { ipv4: 24, ipv6: 128 });
      expect(banned).toBe(`198.18.${index}.0/24`);
      expect(await settles(tcp4, true)).toBe(true);
      await backend.ban([{ address: banned }]);
      expect(await settles(tcp4, false)).toBe(true);
      await backend.setTrusted([pair.clientV4]);
      expect(await settles(tcp4, true)).toBe(true);
      await backend.setTrusted([]);
      expect(await settles(tcp4, false)).toBe(true);
      await backend.unban([banned]);
      expect(await settles(tcp4, true)).toBe(true);
    });
  });
}
