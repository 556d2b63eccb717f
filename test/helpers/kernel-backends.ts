import { IptablesBackend } from '../../src/firewall/iptables/index.js';
import { NftablesBackend } from '../../src/firewall/nftables/index.js';
import type { FirewallBackend } from '../../src/firewall/types.js';

/** A kernel backend to run a namespace test against: the tools it needs and how to make one. */
export interface KernelBackend {
  name: string;
  tools: string[];
  /** The namespace pair's index, distinct per test file and backend so files can run together. */
  index: number;
  make: (netns: string) => FirewallBackend;
}

/** Both kernel backends; `firstIndex` and the next one are the namespace indexes they use. */
export const kernelBackends = (firstIndex: number): KernelBackend[] => [
  { name: 'nftables', tools: ['nft'], index: firstIndex, make: (netns) => new NftablesBackend({ netns }) },
  { name: 'iptables+ipset', tools: ['iptables', 'ip6tables', 'ipset'], index: firstIndex + 1, make: (netns) => new IptablesBackend({ netns }) },
];
