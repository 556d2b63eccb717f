import ipaddr from 'ipaddr.js';
import { checkAddress } from './address.js';

/** How wide a ban is per family: 32 / 128 ban one address, shorter prefixes a whole network. */
export interface PrefixLengths {
  ipv4: number;
  ipv6: number;
}

/** One address per ban in both families: the behaviour before prefixes existed. */
export const SINGLE_ADDRESS: PrefixLengths = { ipv4: 32, ipv6: 128 };

/**
 * The network an address (or a narrower CIDR) falls in under `prefixes`, in canonical text:
 * "2001:db8:1:2::/64" for 2001:db8:1:2::5 under 64, the address itself under 32 / 128. A CIDR
 * already as wide or wider is returned as it is. Throws for text checkAddress refuses.
 */
export function prefixOf(address: string, prefixes: PrefixLengths): string {
  const checked = checkAddress(address);
  const bits = checked.family === 4 ? prefixes.ipv4 : prefixes.ipv6;
  if (checked.prefix <= bits) return checked.text;
  const bare = checked.text.includes('/') ? checked.text.slice(0, checked.text.indexOf('/')) : checked.text;
  const network = checked.family === 4
    ? ipaddr.IPv4.networkAddressFromCIDR(`${bare}/${bits}`)
    : ipaddr.IPv6.networkAddressFromCIDR(`${bare}/${bits}`);
  return checkAddress(`${network.toString()}/${bits}`).text;
}
