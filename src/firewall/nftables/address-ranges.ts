import ipaddr from 'ipaddr.js';
import type { CheckedAddress } from '../../net/index.js';

/** The first and last address an entry covers, as numbers, so entries can be compared. */
export interface AddressRange {
  family: 4 | 6;
  first: bigint;
  last: bigint;
}

/** The numeric value of an IPv4 or IPv6 address written without a prefix. */
export function addressValue(text: string): bigint {
  let value = 0n;
  for (const byte of ipaddr.parse(text).toByteArray()) value = (value << 8n) | BigInt(byte);
  return value;
}

/** The range a checked address or network covers. */
export function rangeOf(checked: CheckedAddress): AddressRange {
  const bits = checked.family === 4 ? 32 : 128;
  const first = addressValue(checked.text.split('/')[0]!);
  const size = 1n << BigInt(bits - checked.prefix);
  return { family: checked.family, first, last: first + size - 1n };
}

/** Whether `outer` covers every address of `inner` (same family). */
export function covers(outer: AddressRange, inner: AddressRange): boolean {
  return outer.family === inner.family && outer.first <= inner.first && inner.last <= outer.last;
}

/** Whether two ranges are the same addresses. */
export function sameRange(a: AddressRange, b: AddressRange): boolean {
  return a.family === b.family && a.first === b.first && a.last === b.last;
}

/**
 * Drops every item another item covers, duplicates included: an nft interval set refuses
 * overlapping elements ("conflicting intervals specified"), while networks only ever nest or are
 * disjoint. Among equal ranges, `prefer` decides which one stays (the greater). Sorted by address.
 */
export function withoutCovered<T extends { range: AddressRange }>(items: T[], prefer: (a: T, b: T) => number = () => 0): T[] {
  const sorted = [...items].sort((a, b) => {
    if (a.range.family !== b.range.family) return a.range.family - b.range.family;
    if (a.range.first !== b.range.first) return a.range.first < b.range.first ? -1 : 1;
    if (a.range.last !== b.range.last) return a.range.last > b.range.last ? -1 : 1;
    return prefer(b, a);
  });
  const kept: T[] = [];
  let reach: AddressRange | null = null;
  for (const item of sorted) {
    if (reach && covers(reach, item.range)) continue;
    kept.push(item);
    reach = item.range;
  }
  return kept;
}
