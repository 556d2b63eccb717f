import { z } from 'zod';
import { SUBNET_JAIL } from '../domain/field-rules.js';
import { SUBNET_DEFAULTS, SUBNET_THRESHOLD_MINIMUM, subnetWidthProblem } from '../domain/network-rules.js';
import { prefixLength } from './schema-prefix.js';
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

const THRESHOLD = `expected an integer >= ${SUBNET_THRESHOLD_MINIMUM}`;

export const subnetsShape = {
  enabled: bool().default(SUBNET_DEFAULTS.enabled),
  ipv4_prefix: prefixLength(4, 'subnet').default(SUBNET_DEFAULTS.ipv4_prefix),
  ipv6_prefix: prefixLength(6, 'subnet').default(SUBNET_DEFAULTS.ipv6_prefix),
  threshold: z.number({ error: THRESHOLD }).int({ error: THRESHOLD }).min(SUBNET_THRESHOLD_MINIMUM, { error: THRESHOLD }).default(SUBNET_DEFAULTS.threshold),
  window: duration().prefault(SUBNET_DEFAULTS.window),
  bantime: duration({ allowPermanent: true }).prefault(SUBNET_DEFAULTS.bantime),
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
    const message = typeof subnet === 'number' && typeof ban === 'number' ? subnetWidthProblem(key, subnet, ban) : null;
    if (message) ctx.addIssue({ code: 'custom', path: ['subnets', key], input: subnet, message });
  }
}

/** A jail named like the subnet bans' jail would have its bans read as subnet bans. */
export function checkJailNames(jails: Record<string, unknown>, ctx: z.core.$RefinementCtx): void {
  if (!Object.hasOwn(jails, SUBNET_JAIL)) return;
  ctx.addIssue({ code: 'custom', path: [SUBNET_JAIL], message: `the jail name "${SUBNET_JAIL}" is kept for the bans [settings.subnets] makes; choose another name` });
}
