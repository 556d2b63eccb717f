import ipaddr from 'ipaddr.js';
import { isCanonicalIPv4, isMapped, readCanonicalIPv6 } from '../../net/index.js';
import { detach } from '../detach.js';

const CACHE_LIMIT = 50_000;
const cache = new Map<string, string | null>();
/** The groups of a canonical IPv6 address being recognised. */
const groups = new Uint16Array(8);

/**
 * The canonical form of an IP written in a log line, or null when the text is not an IP
 * (a hostname, or a loose regex match such as a time). IPv4-mapped IPv6 counts as its IPv4.
 * Attackers repeat themselves, so results are cached (bounded; cleared when full).
 */
export function normalizeIp(text: string): string | null {
  if (isCanonicalIPv4(text)) return text;
  // Canonical IPv6 (not IPv4-mapped, which counts as its IPv4) is its own normal form too.
  if (readCanonicalIPv6(text, groups) && !isMapped(groups)) return text;
  const hit = cache.get(text);
  if (hit !== undefined) return hit;
  const value = parse(text);
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(detach(text), value);
  return value;
}

function parse(text: string): string | null {
  const bare = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  // ipaddr.isValid accepts forms like "1" or "0x7f.1"; a log's IPv4 is always dotted quad. Text
  // with a colon is never IPv4, and asking ipaddr would cost it a thrown error per address.
  if (!bare.includes(':')) return ipaddr.IPv4.isValidFourPartDecimal(bare) ? ipaddr.IPv4.parse(bare).toString() : null;
  if (!ipaddr.IPv6.isValid(bare)) return null;
  const v6 = ipaddr.IPv6.parse(bare.split('%')[0]!);
  return v6.isIPv4MappedAddress() ? v6.toIPv4Address().toString() : v6.toString();
}

