import { z } from 'zod';
import { SUBNET_JAIL } from '../domain/field-rules.js';
import { bool, duration, table } from './schema-parts.js';

/**
 * `[settings.subnets]`: when `threshold` distinct addresses (or prefixes) inside one subnet are
 * banned within `window`, the whole subnet is banned instead. Absent, or `enabled = false`: off.
 */
export interface SubnetSettings {
  enabled: boolean;
  /** The subnet an IPv4 ban falls in (default /24). */
  ipv4_prefix: number;
  /** The subnet an IPv6 ban (or prefix) falls in (default /48). */
  ipv6_prefix: number;
  /** Distinct bans inside one subnet that make the subnet banned. */
  threshold: number;
  /** Seconds in which those bans count. */
  window: number;
  /** Seconds, or -1 for permanent; escalated by `[settings.escalation]` like any ban. */
  bantime: number;
}

/** A subnet length: shorter than a single address, or it would hold one ban only. */
const subnetLength = (family: 4 | 6) => {
  const full = family === 4 ? 32 : 128;
  const error = `expected a whole number from 1 to ${full - 1} (IPv${family} subnet prefix length)`;
  return z.number({ error }).int({ error }).min(1, { error }).max(full - 1, { error });
};

export const subnetsShape = {
  enabled: bool().default(false),
  ipv4_prefix: subnetLength(4).default(24),
  ipv6_prefix: subnetLength(6).default(48),
  threshold: z.number({ error: 'expected an integer >= 2' }).int({ error: 'expected an integer >= 2' }).min(2, { error: 'expected an integer >= 2' }).default(5),
  window: duration().prefault('1h'),
  bantime: duration({ allowPermanent: true }).prefault('1h'),
};

export const subnetsSchema = table(subnetsShape);

/**
 * A subnet must be wider than the bans it gathers, or no ban ever falls inside one: checked
 * against `[settings]` ipv4_prefix / ipv6_prefix when subnet escalation is on. Takes the settings
 * as parsed so far, which may be partly wrong (other problems are reported on their own).
 */
export function checkSubnetWidths(settings: { subnets?: unknown; ipv4_prefix?: unknown; ipv6_prefix?: unknown }, ctx: z.core.$RefinementCtx): void {
  const subnets = settings.subnets as Partial<SubnetSettings> | undefined;
  if (!subnets?.enabled) return;
  for (const key of ['ipv4_prefix', 'ipv6_prefix'] as const) {
    const subnet = subnets[key];
    const ban = settings[key];
    if (typeof subnet !== 'number' || typeof ban !== 'number' || subnet < ban) continue;
    ctx.addIssue({
      code: 'custom',
      path: ['subnets', key],
      input: subnet,
      message: `must be shorter than [settings] ${key} (${ban}): a /${subnet} subnet would hold one ban at most`,
    });
  }
}

/** A jail named like the subnet bans' jail would have its bans read as subnet bans. */
export function checkJailNames(jails: Record<string, unknown>, ctx: z.core.$RefinementCtx): void {
  if (!Object.hasOwn(jails, SUBNET_JAIL)) return;
  ctx.addIssue({ code: 'custom', path: [SUBNET_JAIL], message: `the jail name "${SUBNET_JAIL}" is kept for the bans [settings.subnets] makes; choose another name` });
}
