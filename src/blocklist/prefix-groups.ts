import ipaddr from 'ipaddr.js';
import { parseDottedQuad } from '../net/index.js';

/**
 * A list's entries as the nftables sets hold them: per family and prefix length, the network
 * addresses (host bits cleared), without duplicates. Single addresses are prefix 32 or 128.
 */
export interface PrefixGroups {
  4: Map<number, string[]>;
  6: Map<number, string[]>;
}

function dotted(n: number): string {
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

/** Groups parsed entries (`a.b.c.d`, `a.b.c.d/n`, `x::y`, `x::y/n`, as parseList gives them). */
export function groupByPrefix(v4: readonly string[], v6: readonly string[]): PrefixGroups {
  const sets = { 4: new Map<number, Set<string>>(), 6: new Map<number, Set<string>>() };
  const put = (family: 4 | 6, prefix: number, text: string): void => {
    let set = sets[family].get(prefix);
    if (!set) sets[family].set(prefix, (set = new Set()));
    set.add(text);
  };
  for (const entry of v4) {
    const slash = entry.indexOf('/');
    const prefix = slash < 0 ? 32 : Number(entry.slice(slash + 1));
    if (prefix === 32) {
      put(4, 32, slash < 0 ? entry : entry.slice(0, slash));
      continue;
    }
    const address = parseDottedQuad(entry.slice(0, slash));
    const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
    put(4, prefix, dotted((address & mask) >>> 0));
  }
  for (const entry of v6) {
    const slash = entry.indexOf('/');
    const prefix = slash < 0 ? 128 : Number(entry.slice(slash + 1));
    if (prefix === 128) put(6, 128, slash < 0 ? entry : entry.slice(0, slash));
    else put(6, prefix, ipaddr.IPv6.networkAddressFromCIDR(entry).toString());
  }
  const out: PrefixGroups = { 4: new Map(), 6: new Map() };
  for (const family of [4, 6] as const) {
    for (const prefix of [...sets[family].keys()].sort((a, b) => b - a)) out[family].set(prefix, [...sets[family].get(prefix)!]);
  }
  return out;
}

/** The mask of a prefix length as nft writes it (`255.255.255.0`, `ffff:ffff:ffff::`). */
export function prefixMask(family: 4 | 6, prefix: number): string {
  if (family === 4) return dotted(prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0);
  return ipaddr.IPv6.subnetMaskFromPrefixLength(prefix).toString();
}
