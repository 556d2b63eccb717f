import { TABLE } from './nft-script.js';

// Blocklists (src/blocklist) keep their objects in our table, beside the bans: one base chain
// just after the ban chain, and per list a chain, a counter and sets, all named `bl_...`. They
// are named here so that the backend's stop removes them too.

/** The base chain that jumps to each list's chain, after the trusted ranges return. */
export const LISTS_CHAIN = 'blocklists_prerouting';
/** Just after the ban chain (raw, -300): before connection tracking. */
export const LISTS_CHAIN_SPEC = 'type filter hook prerouting priority raw + 1; policy accept;';
/** Every list's chain, counter and sets start with this. */
export const LIST_PREFIX = 'bl_';

/** The lists' objects in a terse listing of our table (`nft -t list table`). */
export function listObjects(terse: string): { base: boolean; chains: string[]; sets: string[]; counters: string[] } {
  const found = { base: false, chains: [] as string[], sets: [] as string[], counters: [] as string[] };
  for (const m of terse.matchAll(/^\t(chain|set|counter) ([A-Za-z0-9_-]+) \{/gm)) {
    const [, kind, name] = m as unknown as [string, 'chain' | 'set' | 'counter', string];
    if (kind === 'chain' && name === LISTS_CHAIN) found.base = true;
    else if (name.startsWith(LIST_PREFIX)) found[kind === 'chain' ? 'chains' : kind === 'set' ? 'sets' : 'counters'].push(name);
  }
  return found;
}

/**
 * Deletes the lists' chains (the base chain first, so its jumps go with it), and with `all`
 * their sets and counters too; nothing for a table that has none.
 */
export function deleteListLines(terse: string, all: boolean): string[] {
  const found = listObjects(terse);
  const lines: string[] = [];
  if (found.base) lines.push(`flush chain ${TABLE} ${LISTS_CHAIN}`, `delete chain ${TABLE} ${LISTS_CHAIN}`);
  for (const chain of found.chains) lines.push(`flush chain ${TABLE} ${chain}`, `delete chain ${TABLE} ${chain}`);
  if (all) {
    for (const set of found.sets) lines.push(`delete set ${TABLE} ${set}`);
    for (const counter of found.counters) lines.push(`delete counter ${TABLE} ${counter}`);
  }
  return lines;
}
