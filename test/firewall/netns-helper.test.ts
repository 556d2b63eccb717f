import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNetnsPair, netnsExists, netnsSkipReason, type NetnsPair } from '../helpers/netns.js';

const skip = netnsSkipReason();
if (skip) console.log(`netns helper test skipped: ${skip}`);

describe.skipIf(skip !== null)('network namespace pair', () => {
  let pair: NetnsPair;
  beforeAll(async () => {
    pair = createNetnsPair(90);
    await pair.listen(8080);
  });
  afterAll(() => pair?.destroy());

  it('reaches the server over TCP, UDP and ICMP on both families with no firewall', () => {
    for (const host of [pair.serverV4, pair.serverV6]) {
      expect(pair.tcp(host, 8080), `tcp ${host}`).toBe(true);
      expect(pair.udp(host, 8080), `udp ${host}`).toBe(true);
      expect(pair.ping(host), `ping ${host}`).toBe(true);
    }
  });

  it('fails to reach a closed port', () => {
    expect(pair.tcp(pair.serverV4, 8081, 500)).toBe(false);
  });

  it('removes both namespaces on destroy', () => {
    const other = createNetnsPair(91);
    other.destroy();
    expect(netnsExists(other.server) || netnsExists(other.client)).toBe(false);
  });
});
