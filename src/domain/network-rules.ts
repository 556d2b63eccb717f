// The rules of the network-ban settings (`[settings] ipv4_prefix`/`ipv6_prefix` and
// `[settings.subnets]`), the same in the config file, the control protocol and the console's
// Settings pane: one definition each.

/** An address family. */
export type IpFamily = 4 | 6;

/** Bits in an address of each family: a prefix this long is one address. */
export const ADDRESS_BITS = { 4: 32, 6: 128 } as const;

/**
 * What a prefix length key takes: a ban's network (`[settings] ipv4_prefix`, up to one address)
 * or a subnet (`[settings.subnets] ipv4_prefix`, shorter than one address, or it would hold one
 * ban only). `what` names it in messages.
 */
export function prefixLimits(family: IpFamily, kind: 'ban' | 'subnet'): { min: number; max: number; what: string } {
  const full = ADDRESS_BITS[family];
  return kind === 'ban'
    ? { min: 1, max: full, what: `IPv${family} prefix length` }
    : { min: 1, max: full - 1, what: `IPv${family} subnet prefix length` };
}

/** True for a whole number inside `prefixLimits(family, kind)`. */
export function isPrefixLength(value: unknown, family: IpFamily, kind: 'ban' | 'subnet'): value is number {
  const { min, max } = prefixLimits(family, kind);
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= min && value <= max;
}

/** `[settings.subnets]` as it is when the table is absent or leaves a key out (durations in seconds). */
export const SUBNET_DEFAULTS = { enabled: false, ipv4_prefix: 24, ipv6_prefix: 48, threshold: 5, window: 3600, bantime: 3600 } as const;

/** The fewest distinct bans inside one subnet that make it banned (one would be a plain ban). */
export const SUBNET_THRESHOLD_MINIMUM = 2;

/**
 * Why subnets of `subnet` bits cannot gather bans of `ban` bits (`key` is the `[settings]` key
 * of the bans), or null when they can: a subnet must be wider than the bans it gathers.
 */
export function subnetWidthProblem(key: 'ipv4_prefix' | 'ipv6_prefix', subnet: number, ban: number): string | null {
  if (subnet < ban) return null;
  return `must be shorter than [settings] ${key} (${ban}): a /${subnet} subnet would hold one ban at most`;
}
