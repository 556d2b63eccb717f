import { z } from 'zod';
import { prefixLimits, type IpFamily } from '../domain/network-rules.js';

/**
 * A prefix length key, as `prefixLimits` says: a ban's network (up to one address) or a subnet
 * (shorter than one address); the error names the range.
 */
export const prefixLength = (family: IpFamily, kind: 'ban' | 'subnet' = 'ban') => {
  const { min, max, what } = prefixLimits(family, kind);
  const error = `expected a whole number from ${min} to ${max} (${what})`;
  return z.number({ error }).int({ error }).min(min, { error }).max(max, { error });
};
