import { execFileSync } from 'node:child_process';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NftablesBackend } from '../../src/firewall/nftables/index.js';
import type { BanEntry } from '../../src/firewall/types.js';
import { createNetnsPair, netnsSkipReason, type NetnsPair } from '../helpers/netns.js';

// A restore into ban sets known to be empty (our table did not exist: after a reboot) runs in
// several transactions, each committed while the next is made; into sets that may hold bans in
// force (a daemon restart), it stays one transaction. Three statements (3,000 elements) per
// transaction here, so a few thousand entries make several.

const address = (i: number): string => (i < 6000 ? `198.19.${i >> 8}.${i & 255}` : `2001:db8:fe::${i.toString(16)}`);

/** The elements of one of our sets with their timeouts in seconds (0: none), from the kernel. */
function kernelSet(ns: string, set: string): Map<string, number> {
  const out = execFileSync('ip', ['netns', 'exec', ns, 'nft', '-j', 'list', 'set', 'inet', 'portcullis', set]).toString();
  const elements = new Map<string, number>();
  for (const item of JSON.parse(out).nftables) {
    for (const element of item.set?.elem ?? []) {
      if (typeof element === 'string') elements.set(element, 0);
      else if (element.prefix) elements.set(`${element.prefix.addr}/${element.prefix.len}`, 0);
      else if (element.elem.val.prefix) elements.set(`${element.elem.val.prefix.addr}/${element.elem.val.prefix.len}`, element.elem.timeout ?? 0);
      else elements.set(element.elem.val, element.elem.timeout ?? 0);
    }
  }
  return elements;
}

function* entries(n: number, at = -1, check = () => {}): Generator<BanEntry> {
  for (let i = 0; i < n; i++) {
    if (i === at) check();
    yield i % 4 === 0 ? { address: address(i) } : { address: address(i), timeout: 600 + i };
  }
}

describe.skipIf(netnsSkipReason(['nft']) !== null)('nftables restore into empty sets', () => {
  let pair: NetnsPair;
  beforeEach(() => {
    pair = createNetnsPair(228, 'pc-nf-');
  });
  afterEach(() => pair.destroy());

  it('commits transaction by transaction as the entries are made, and the sets then hold exactly them', async () => {
    const backend = new NftablesBackend({ netns: pair.server }, { fillStatements: 3 });
    await backend.start([]);
    let inKernelBefore8000 = -1;
    function* list(): Generator<BanEntry> {
      yield* entries(9000, 8000, () => (inKernelBefore8000 = kernelSet(pair.server, 'bans4').size + kernelSet(pair.server, 'bans6').size));
      // Given twice: the longer ban wins, though the first went in a transaction already committed.
      yield { address: address(5), timeout: 7200 };
      yield { address: '198.19.250.0/24', timeout: 900 };
    }
    await backend.replaceBans(list());
    expect(backend.restoreTransactions).toBeGreaterThanOrEqual(3);
    // Thousands were in force while the 8,000th entry was being made.
    expect(inKernelBefore8000).toBeGreaterThanOrEqual(3000);
    const singles = new Map([...kernelSet(pair.server, 'bans4'), ...kernelSet(pair.server, 'bans6')]);
    expect(singles.size).toBe(9000);
    expect(new Set(singles.keys())).toEqual(new Set(Array.from({ length: 9000 }, (_, i) => address(i))));
    expect(singles.get(address(0))).toBe(0);
    expect(singles.get(address(5))).toBeGreaterThan(7000);
    expect(singles.get(address(7))).toBeGreaterThan(500);
    expect(singles.get(address(7))).toBeLessThanOrEqual(607);
    expect([...kernelSet(pair.server, 'nets4').keys()]).toEqual(['198.19.250.0/24']);
    expect((await backend.live()).bans).toBe(9001);

    // Now the sets hold bans in force: a restore replaces them in one transaction.
    await backend.replaceBans([{ address: '198.19.1.1', timeout: 60 }]);
    expect(backend.restoreTransactions).toBe(1);
    expect(await backend.listBans()).toEqual(['198.19.1.1']);
    // Emptied by a restore: the next one fills again.
    await backend.replaceBans([]);
    await backend.replaceBans(entries(7000));
    expect(backend.restoreTransactions).toBeGreaterThanOrEqual(3);
    expect(await backend.listBans()).toHaveLength(7000);
  });

  it('keeps what earlier transactions put in when an entry part-way is bad, and counts it right', async () => {
    const backend = new NftablesBackend({ netns: pair.server }, { fillStatements: 3 });
    await backend.start([]);
    function* bad(): Generator<BanEntry> {
      yield* entries(5500);
      yield { address: '198.19.99.1', timeout: -5 };
    }
    await expect(backend.replaceBans(bad())).rejects.toThrow(/198\.19\.99\.1/);
    const listed = await backend.listBans();
    expect(listed.length).toBeGreaterThan(0);
    expect(listed.length).toBeLessThan(5500);
    expect(listed.every((ip) => ip.startsWith('198.19.'))).toBe(true);
    expect((await backend.live()).bans).toBe(listed.length);
  });

  it('replaces in one transaction after a daemon restart: the bans of the earlier run stay in force until then', async () => {
    const first = new NftablesBackend({ netns: pair.server }, { fillStatements: 3 });
    await first.start([]);
    await first.replaceBans(entries(4000));
    await first.stop();
    const second = new NftablesBackend({ netns: pair.server }, { fillStatements: 3 });
    await second.start([]);
    expect(await second.listBans()).toHaveLength(4000);
    await second.replaceBans(entries(5000));
    expect(second.restoreTransactions).toBe(1);
    expect(await second.listBans()).toHaveLength(5000);
    await second.stop({ removeBans: true });
  });
});
