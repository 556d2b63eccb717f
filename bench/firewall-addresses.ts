/**
 * Deterministic ban lists for the firewall bench: IPv4 from 198.18.0.0/15 and IPv6 from
 * 2001:db8::/32 (both reserved for documentation and benchmarking), distinct, in a scrambled but
 * repeatable order, the two families interleaved evenly.
 */
import type { BanEntry } from '../src/firewall/types.js';

/** Addresses in 198.18.0.0/15. */
export const V4_POOL = 131_072;
/** Share of IPv4 wanted; capped by the /15. */
export const V4_SHARE = 0.7;

/** How a list of `total` bans splits into families. */
export interface Mix {
  total: number;
  v4: number;
  v6: number;
}

export function mixFor(total: number): Mix {
  const v4 = Math.min(Math.round(total * V4_SHARE), V4_POOL);
  return { total, v4, v6: total - v4 };
}

/** The i-th IPv4 (i < 131,072): an odd multiplier is a bijection modulo 2^17, so all differ. */
export function v4At(i: number): string {
  const off = Math.imul(i, 40_503) & (V4_POOL - 1);
  return `198.${18 + (off >>> 16)}.${(off >>> 8) & 255}.${off & 255}`;
}

/** The i-th IPv6 (i < 2^32): a bijective 32-bit mix picks the two groups after 2001:db8. */
export function v6At(i: number): string {
  let x = Math.imul(i >>> 0, 0x9e3779b1) >>> 0;
  x = (x ^ (x >>> 15)) >>> 0;
  return `2001:db8:${(x >>> 16).toString(16)}:${(x & 0xffff).toString(16)}::1`;
}

/** `mix.total` permanent bans, families interleaved so that every stretch has the same mix. */
export function banList(mix: Mix): BanEntry[] {
  const out: BanEntry[] = new Array(mix.total);
  let i4 = 0;
  let i6 = 0;
  for (let j = 0; j < mix.total; j++) {
    const isV4 = Math.floor(((j + 1) * mix.v4) / mix.total) > Math.floor((j * mix.v4) / mix.total);
    out[j] = { address: isV4 ? v4At(i4++) : v6At(i6++) };
  }
  return out;
}

/** The first `count` IPv4 of the pool, as the one-at-a-time runs add them. */
export function v4List(count: number): string[] {
  return Array.from({ length: Math.min(count, V4_POOL) }, (_, i) => v4At(i));
}

/** Addresses outside every generated list (203.0.113.0/24, TEST-NET-3), for "one more ban". */
export function extraAddress(i: number): string {
  return `203.0.113.${1 + (i % 254)}`;
}
