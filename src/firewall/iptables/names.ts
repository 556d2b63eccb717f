/** An address family, as `checkAddress` reports it. */
export type Family = 4 | 6;

export const FAMILIES: readonly Family[] = [4, 6];

/** Our chain of ban checks, in the raw table, jumped to first from PREROUTING. */
export const BANS_CHAIN = 'PORTCULLIS-BANS';
/** Our managed rules, jumped to from INPUT right after the bans. */
export const RULES_CHAIN = 'PORTCULLIS-RULES';
export const OWN_CHAINS: readonly string[] = [BANS_CHAIN, RULES_CHAIN];

/** The raw-table chain that jumps to our bans chain: every packet, before connection tracking. */
export const BANS_HOOK = 'PREROUTING';

/** What a set holds: banned addresses, or ranges that pass every ban. */
export type SetKind = 'bans' | 'trusted';

/** Name of one of our ipset sets; `temp` is the set a replace builds before the swap. */
export function setName(kind: SetKind, family: Family, temp = false): string {
  return `portcullis-${kind}${family}${temp ? '-new' : ''}`;
}

/** Every set name we may have created, temporary ones included. */
export function allSetNames(): string[] {
  const names: string[] = [];
  for (const kind of ['bans', 'trusted'] as const) {
    for (const family of FAMILIES) names.push(setName(kind, family), setName(kind, family, true));
  }
  return names;
}

/** The commands of one family. */
export interface FamilyTools {
  iptables: string;
  restore: string;
  save: string;
}

export function familyTools(family: Family): FamilyTools {
  return family === 4
    ? { iptables: 'iptables', restore: 'iptables-restore', save: 'iptables-save' }
    : { iptables: 'ip6tables', restore: 'ip6tables-restore', save: 'ip6tables-save' };
}

/**
 * The blocklists' raw-table chain (made by src/blocklist), jumped to from PREROUTING right after
 * the ban chain, and the prefix of their ipset sets: named here so that stopping removes them.
 */
export const LISTS_CHAIN = 'PORTCULLIS-BLOCKLISTS';
export const LIST_SET_PREFIX = 'pcbl-';
