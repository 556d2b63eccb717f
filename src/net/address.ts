import ipaddr from 'ipaddr.js';
import { isMapped, readCanonicalIPv6 } from './ipv6-text.js';

/** An address or network checked by ipaddr.js, in canonical text, with its family. */
export interface CheckedAddress {
  text: string;
  family: 4 | 6;
  /** Prefix length; 32 or 128 for a single address. */
  prefix: number;
}

/** The groups of a canonical IPv6 address being recognised. */
const groups = new Uint16Array(8);

/**
 * Parses an IP or CIDR with ipaddr.js; the only way text reaches a firewall command. IPv4 must be
 * dotted quad ("10" or "0x7f.1" parse in ipaddr.js but are typos here), a zone id ("%eth0")
 * means nothing to a firewall, a prefix is plain decimal; an IPv4-mapped IPv6 address becomes
 * IPv4, and a CIDR is reduced to its network. Throws with the offending text.
 */
export function checkAddress(text: string): CheckedAddress {
  // Most text here is already canonical (every ban of a flood passes by again): that needs no parse.
  if (isCanonicalIPv4(text)) return { text, family: 4, prefix: 32 };
  if (readCanonicalIPv6(text, groups) && !isMapped(groups)) return { text, family: 6, prefix: 128 };
  const value = text.trim();
  try {
    if (value.includes('%')) throw new Error('zone id');
    if (value.includes('/')) {
      if (!/^(0|[1-9][0-9]{0,2})$/.test(value.slice(value.indexOf('/') + 1))) throw new Error('not a plain prefix');
      const [addr, bits] = ipaddr.parseCIDR(value);
      if (addr.kind() === 'ipv4' && !ipaddr.IPv4.isValidFourPartDecimal(value.split('/')[0]!)) throw new Error('not dotted quad');
      const network = addr.kind() === 'ipv4'
        ? ipaddr.IPv4.networkAddressFromCIDR(value)
        : ipaddr.IPv6.networkAddressFromCIDR(value);
      const family = addr.kind() === 'ipv4' ? 4 : 6;
      const full = family === 4 ? 32 : 128;
      return { text: bits === full ? network.toString() : `${network.toString()}/${bits}`, family, prefix: bits };
    }
    if (!value.includes(':')) {
      if (!ipaddr.IPv4.isValidFourPartDecimal(value)) throw new Error('not dotted quad');
      return { text: ipaddr.IPv4.parse(value).toString(), family: 4, prefix: 32 };
    }
    const v6 = ipaddr.IPv6.parse(value);
    if (v6.isIPv4MappedAddress()) return { text: v6.toIPv4Address().toString(), family: 4, prefix: 32 };
    return { text: v6.toString(), family: 6, prefix: 128 };
  } catch {
    throw new Error(`not an IP address or CIDR: ${JSON.stringify(text)}`);
  }
}

/** Dotted quad, each part 0-255 without leading zeros: what ipaddr.js would print back unchanged. */
export function isCanonicalIPv4(text: string): boolean {
  let parts = 0;
  let digits = 0;
  let value = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || ++parts > 3) return false;
      digits = 0;
      value = 0;
      continue;
    }
    if (c < 48 || c > 57 || (digits > 0 && value === 0)) return false;
    value = value * 10 + (c - 48);
    if (++digits > 3 || value > 255) return false;
  }
  return parts === 3 && digits > 0;
}

/** True for text {@link checkAddress} accepts as it stands (no surrounding blanks). */
export function isIpOrCidr(value: string): boolean {
  if (value.trim() !== value) return false;
  try {
    checkAddress(value);
    return true;
  } catch {
    return false;
  }
}
