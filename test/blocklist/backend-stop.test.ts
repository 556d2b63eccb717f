import { randomBytes } from 'node:crypto';
import { execFileSync, spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IpsetLists } from '../../src/blocklist/ipset-lists.js';
import { NftLists } from '../../src/blocklist/nft-lists.js';
import { IptablesBackend } from '../../src/firewall/iptables/iptables-backend.js';
import { NftablesBackend } from '../../src/firewall/nftables/nftables-backend.js';
import type { FirewallBackend } from '../../src/firewall/types.js';
import { netnsSkipReason } from '../helpers/netns.js';

// The firewall backends own the table and chains the lists hang from: stopping one takes the
// lists' drop rules out with its own, and removing the bans takes the lists' sets too.

interface Case {
  name: string;
  tools: string[];
  backend: (netns: string) => FirewallBackend;
  lists: (netns: string) => IpsetLists | NftLists;
  /** The lists' rules, then their sets, as the kernel lists them. */
  rules: (inNs: (argv: string[]) => string) => string;
  sets: (inNs: (argv: string[]) => string) => string;
  /** Everything the lists' sets hold. */
  entries: (inNs: (argv: string[]) => string) => string;
}
const CASES: Case[] = [
  {
    name: 'nftables',
    tools: ['nft'],
    backend: (netns) => new NftablesBackend({ netns }),
    lists: (netns) => new NftLists({ netns }),
    rules: (inNs) => inNs(['nft', '-t', 'list', 'ruleset']).split('\n').filter((l) => /chain (bl_|blocklists)/.test(l)).join('\n'),
    sets: (inNs) => inNs(['nft', '-t', 'list', 'ruleset']).split('\n').filter((l) => /(set|counter) bl_/.test(l)).join('\n'),
    entries: (inNs) => inNs(['nft', 'list', 'ruleset']),
  },
  {
    name: 'iptables+ipset',
    tools: ['iptables', 'ip6tables', 'ipset', 'iptables-save', 'iptables-restore'],
    backend: (netns) => new IptablesBackend({ netns }),
    lists: (netns) => new IpsetLists({ netns }),
    rules: (inNs) => `${inNs(['iptables-save', '-t', 'raw'])}${inNs(['ip6tables-save', '-t', 'raw'])}`.split('\n').filter((l) => l.includes('BLOCKLISTS')).join('\n'),
    sets: (inNs) => inNs(['ipset', 'list', '-n']).split('\n').filter((l) => l.startsWith('pcbl-')).join('\n'),
    entries: (inNs) => inNs(['ipset', 'list']),
  },
];

describe.each(CASES)('stopping the $name backend', (c) => {
  const ns = `pc-h26-stop-${randomBytes(3).toString('hex')}`;
  const inNs = (argv: string[]): string => execFileSync('ip', ['netns', 'exec', ns, ...argv], { stdio: ['ignore', 'pipe', 'pipe'] }).toString();
  const skip = netnsSkipReason(c.tools);
  beforeAll(() => {
    if (!skip) execFileSync('ip', ['netns', 'add', ns]);
  });
  afterAll(() => {
    if (!skip) spawnSync('ip', ['netns', 'del', ns]);
  });

  it.skipIf(skip !== null)('removes the lists\' chains with its own, and their sets with the bans', async () => {
    const backend = c.backend(ns);
    await backend.start(['198.18.70.1']);
    const lists = c.lists(ns);
    await lists.start(['drop', 'other']);
    await lists.replace('drop', ['198.18.71.0/24', '198.18.72.7'], ['2001:db8:71::/48']);
    expect(c.rules(inNs)).not.toBe('');
    expect(c.sets(inNs)).not.toBe('');
    await backend.stop();
    expect(c.rules(inNs)).toBe('');
    expect(c.sets(inNs)).not.toBe('');
    // Started again (the daemon's next start), the lists come back with what they held.
    await backend.start(['198.18.70.1']);
    await lists.start(['drop']);
    expect(c.rules(inNs)).not.toBe('');
    expect(c.sets(inNs)).toMatch(/drop/);
    expect(c.sets(inNs)).not.toMatch(/other/);
    for (const entry of ['198.18.71.0', '198.18.72.7', '2001:db8:71::']) expect(c.entries(inNs)).toContain(entry);
    await backend.stop({ removeBans: true });
    expect(c.rules(inNs)).toBe('');
    expect(c.sets(inNs)).toBe('');
  }, 60_000);
});
