import ipaddr from 'ipaddr.js';
import { checkAddress } from './address.js';
import { isMapped } from './ipv6-text.js';

export { isMapped };

/** A range parsed to the numbers the trusted index keys on. */
export interface ParsedRange {
  family: 4 | 6;
  prefix: number;
  parts: number[]; // the address in 16-bit parts: 2 for IPv4, 8 for IPv6
  text: string;
}

/** The 32-bit word made of 16-bit parts i and i+1, unsigned. */
export function word(parts: ArrayLike<number>, i: number): number {
  return parts[i]! * 65536 + parts[i + 1]!;
}

/**
 * The network bits of an address (16-bit parts) under a prefix: a number up to 32 bits (`>>> 32`
 * would be a no-op in JS, hence the 0), else a short string with one character per 16-bit part.
 */
export function keyOf(parts: number[] | Uint16Array, prefix: number): number | string {
  if (prefix <= 32) return prefix === 0 ? 0 : word(parts, 0) >>> (32 - prefix);
  const count = Math.ceil(prefix / 16);
  const units = parts.slice(0, count);
  units[count - 1] = units[count - 1]! & (0xffff << (count * 16 - prefix)) & 0xffff;
  return String.fromCharCode(...units);
}


/** A strict dotted quad (no leading zeros, as isValidFourPartDecimal) as a uint32, or -1. */
export function parseDottedQuad(text: string): number {
  let value = 0, octet = 0, digits = 0, dots = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      if (digits > 0 && octet === 0) return -1;
      octet = octet * 10 + (c - 48);
      if (octet > 255) return -1;
      digits++;
    } else if (c === 46 && digits > 0 && dots < 3) {
      value = value * 256 + octet;
      octet = 0;
      digits = 0;
      dots++;
    } else {
      return -1;
    }
  }
  return digits > 0 && dots === 3 ? value * 256 + octet : -1;
}

/** Checks a range with checkAddress, then folds IPv4-mapped IPv6 ranges into IPv4. */
export function parseRange(range: string): ParsedRange {
  const checked = checkAddress(range);
  const slash = checked.text.indexOf('/');
  const address = slash === -1 ? checked.text : checked.text.slice(0, slash);
  if (checked.family === 4) {
    const v4 = parseDottedQuad(address);
    return { family: 4, prefix: checked.prefix, parts: [v4 >>> 16, v4 & 0xffff], text: checked.text };
  }
  const parts = ipaddr.IPv6.parse(address).parts;
  if (checked.prefix >= 96 && isMapped(parts)) {
    const prefix = checked.prefix - 96;
    const v4 = `${parts[6]! >> 8}.${parts[6]! & 0xff}.${parts[7]! >> 8}.${parts[7]! & 0xff}`;
    return { family: 4, prefix, parts: parts.slice(6), text: prefix === 32 ? v4 : `${v4}/${prefix}` };
  }
  return { family: 6, prefix: checked.prefix, parts, text: checked.text };
}

/** Whether two addresses or CIDRs share any address (IPv4-mapped IPv6 read as IPv4). */
export function rangesOverlap(a: string, b: string): boolean {
  const pa = parseRange(a);
  const pb = parseRange(b);
  if (pa.family !== pb.family) return false;
  const prefix = Math.min(pa.prefix, pb.prefix);
  return keyOf(pa.parts, prefix) === keyOf(pb.parts, prefix);
}

/** Whether `cidr` (an address or a CIDR range) holds `address`. */
export function rangeContains(cidr: string, address: ipaddr.IPv4 | ipaddr.IPv6): boolean {
  const [net, bits] = cidr.includes('/') ? ipaddr.parseCIDR(cidr) : [ipaddr.process(cidr), address.kind() === 'ipv4' ? 32 : 128];
  return net.kind() === address.kind() && address.match(net, bits);
}
