import { checkAddress, type CheckedAddress } from '../../net/index.js';
import type { BanEntry } from '../types.js';
import { rangeOf, withoutCovered } from './address-ranges.js';

/** Our one table; nothing outside it is ever written. */
export const TABLE = 'inet portcullis';
export const TABLE_FAMILY = 'inet';
export const TABLE_NAME = 'portcullis';

/**
 * Ban sets by address family: single addresses in plain hash sets (an element added or removed
 * costs the same with a million in place), networks in interval sets of their own (nft loads an
 * interval set's elements for every change, so those stay small). Trusted sets hold ranges.
 */
export const BAN_SETS = { 4: 'bans4', 6: 'bans6' } as const;
export const NET_SETS = { 4: 'nets4', 6: 'nets6' } as const;
export const TRUSTED_SETS = { 4: 'trusted4', 6: 'trusted6' } as const;

/**
 * Our base chains: the bans at prerouting before connection tracking (raw priority, -300), so a
 * banned packet is dropped before conntrack spends an entry on it, forwarded traffic included;
 * the managed rules at the input filter priority.
 */
export const CHAINS = {
  bans_prerouting: 'type filter hook prerouting priority raw; policy accept;',
  rules_input: 'type filter hook input priority filter; policy accept;',
} as const;
export type ChainName = keyof typeof CHAINS;
export const RULES_CHAIN: ChainName = 'rules_input';

/** Chains of the earlier layout (bans at input and forward), removed when found. */
export const OLD_CHAINS = {
  bans_input: 'type filter hook input priority filter - 10; policy accept;',
  bans_forward: 'type filter hook forward priority filter - 10; policy accept;',
} as const;

/** Elements per `add element` statement: one transaction either way, but readable errors. */
const ELEMENTS_PER_STATEMENT = 1000;

/** A checked entry and, for bans, its timeout in whole seconds. */
export interface SetElement {
  checked: CheckedAddress;
  timeout?: number;
}

/** Checks a ban entry's address and timeout. */
export function banElement(entry: BanEntry): SetElement {
  const checked = checkAddress(entry.address);
  if (entry.timeout === undefined) return { checked };
  if (!Number.isFinite(entry.timeout) || entry.timeout <= 0) {
    throw new Error(`ban timeout must be a positive number of seconds, not ${entry.timeout} (${checked.text})`);
  }
  return { checked, timeout: Math.ceil(entry.timeout) };
}

/** Checks a plain address or range (unban, trusted). */
export function plainElement(text: string): SetElement {
  return { checked: checkAddress(text) };
}

/** Longer bans win over shorter ones for the same range; no timeout is the longest. */
function longerBan(a: SetElement, b: SetElement): number {
  return (a.timeout ?? Infinity) - (b.timeout ?? Infinity);
}

/**
 * Drops duplicates and entries inside another entry, which an interval set would refuse. Only a
 * network can hold another entry, so single addresses alone are told apart by their text.
 */
export function distinctElements(elements: SetElement[]): SetElement[] {
  if (elements.every((e) => e.checked.prefix === (e.checked.family === 4 ? 32 : 128))) {
    const byText = new Map<string, SetElement>();
    for (const e of elements) {
      const seen = byText.get(e.checked.text);
      if (!seen || longerBan(e, seen) > 0) byText.set(e.checked.text, e);
    }
    return [...byText.values()];
  }
  const ranged = elements.map((element) => ({ element, range: rangeOf(element.checked) }));
  return withoutCovered(ranged, (a, b) => longerBan(a.element, b.element)).map((r) => r.element);
}

function elementText(element: SetElement, withTimeout: boolean): string {
  return withTimeout && element.timeout !== undefined ? `${element.checked.text} timeout ${element.timeout}s` : element.checked.text;
}

/** `verb element` statements for both families' sets, chunked; none for an empty family. */
export function elementLines(
  verb: 'add' | 'delete',
  sets: { 4: string; 6: string },
  elements: SetElement[],
  withTimeout = verb === 'add',
): string[] {
  const lines: string[] = [];
  for (const family of [4, 6] as const) {
    const ofFamily = elements.filter((e) => e.checked.family === family);
    for (let i = 0; i < ofFamily.length; i += ELEMENTS_PER_STATEMENT) {
      const chunk = ofFamily.slice(i, i + ELEMENTS_PER_STATEMENT).map((e) => elementText(e, withTimeout));
      lines.push(`${verb} element ${TABLE} ${sets[family]} { ${chunk.join(', ')} }`);
    }
  }
  return lines;
}

/**
 * Removes elements whether or not they are there: adding first makes the delete always valid
 * (this nft has no `destroy element`), and both happen in the same transaction.
 */
export function removeLines(sets: { 4: string; 6: string }, elements: SetElement[]): string[] {
  return [...elementLines('add', sets, elements, false), ...elementLines('delete', sets, elements)];
}

/**
 * How often the kernel sweeps a ban set for elements whose timeout passed. Its default is every
 * second, and a sweep walks the whole set: with a million bans, about one `nft add element` in 50
 * waited 25-45 ms for it (bench/README.md, tenth round). The engine removes its bans when they
 * end; the kernel's timeout is a safety net should it die, and an element past its timeout
 * matches nothing whether swept or not. So the ban sets are swept hourly: what lapsed meanwhile
 * only takes its memory until then.
 */
const BAN_SET_SWEEP = 'gc-interval 1h';

/** Our table, sets and chains; every `add` is a no-op for what exists, but for the ban sets' sweep interval, which it sets. */
export function createLines(): string[] {
  return [
    `add table ${TABLE}`,
    `add set ${TABLE} ${BAN_SETS[4]} { type ipv4_addr; flags timeout; ${BAN_SET_SWEEP}; }`,
    `add set ${TABLE} ${BAN_SETS[6]} { type ipv6_addr; flags timeout; ${BAN_SET_SWEEP}; }`,
    `add set ${TABLE} ${NET_SETS[4]} { type ipv4_addr; flags interval, timeout; ${BAN_SET_SWEEP}; }`,
    `add set ${TABLE} ${NET_SETS[6]} { type ipv6_addr; flags interval, timeout; ${BAN_SET_SWEEP}; }`,
    `add set ${TABLE} ${TRUSTED_SETS[4]} { type ipv4_addr; flags interval; }`,
    `add set ${TABLE} ${TRUSTED_SETS[6]} { type ipv6_addr; flags interval; }`,
    ...Object.entries(CHAINS).map(([chain, spec]) => `add chain ${TABLE} ${chain} { ${spec} }`),
  ];
}

/** The ban chain's rules, rewritten from scratch so a second start adds nothing; trusted first. */
export function banChainLines(): string[] {
  const add = `add rule ${TABLE} bans_prerouting`;
  return [
    `flush chain ${TABLE} bans_prerouting`,
    `${add} ip saddr @${TRUSTED_SETS[4]} return`,
    `${add} ip6 saddr @${TRUSTED_SETS[6]} return`,
    `${add} ip saddr @${BAN_SETS[4]} drop`,
    `${add} ip saddr @${NET_SETS[4]} drop`,
    `${add} ip6 saddr @${BAN_SETS[6]} drop`,
    `${add} ip6 saddr @${NET_SETS[6]} drop`,
  ];
}

/**
 * What turns the earlier layout (one interval set per family for every ban, chains at input and
 * forward) into this one: its chains and ban sets deleted, in a transaction of its own before the
 * start script. The bans they held come back with the `replaceBans` that follows every start.
 */
export function migrationLines(ownTableTerse: string): string[] {
  const lines: string[] = [];
  for (const [chain, spec] of Object.entries(OLD_CHAINS)) {
    if (!ownTableTerse.includes(`\tchain ${chain} {`)) continue;
    lines.push(`add chain ${TABLE} ${chain} { ${spec} }`, `flush chain ${TABLE} ${chain}`, `delete chain ${TABLE} ${chain}`);
  }
  for (const set of Object.values(BAN_SETS)) {
    const block = new RegExp(`\\tset ${set} \\{\\n[^}]*flags [^\\n]*interval`).exec(ownTableTerse);
    if (block) lines.push(`delete set ${TABLE} ${set}`);
  }
  return lines;
}

/** Makes the trusted sets hold exactly `ranges`. */
export function trustedLines(ranges: string[]): string[] {
  const elements = distinctElements(ranges.map(plainElement));
  return [
    `flush set ${TABLE} ${TRUSTED_SETS[4]}`,
    `flush set ${TABLE} ${TRUSTED_SETS[6]}`,
    ...elementLines('add', TRUSTED_SETS, elements),
  ];
}

/** Deletes our chains (created first, so a missing one is no error); the sets stay. */
export function deleteChainLines(): string[] {
  return [
    `add table ${TABLE}`,
    ...Object.entries(CHAINS).flatMap(([chain, spec]) => [
      `add chain ${TABLE} ${chain} { ${spec} }`,
      `flush chain ${TABLE} ${chain}`,
      `delete chain ${TABLE} ${chain}`,
    ]),
  ];
}

/** Deletes the whole table, sets included (created first, so a missing one is no error). */
export function deleteTableLines(): string[] {
  return [`add table ${TABLE}`, `delete table ${TABLE}`];
}

/** One script for `nft -f -`: one transaction. */
export function script(lines: string[]): string {
  return `${lines.join('\n')}\n`;
}
