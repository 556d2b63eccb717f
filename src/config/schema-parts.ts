import { z } from 'zod';
import { isIpOrCidr } from '../net/index.js';
import { checkDuration, type DurationOptions } from './duration.js';
import { describeValue } from './errors.js';

// Every schema carries its own "expected ..." text; load.ts adds the offending value.
export const bool = () => z.boolean({ error: 'expected true or false' });
export const text = () => z.string({ error: 'expected a string' }).min(1, { error: 'expected a non-empty string' });
export const textList = () => z.array(text(), { error: 'expected an array of strings' });
export const positiveInt = () => {
  const error = 'expected an integer >= 1';
  return z.number({ error }).int({ error }).min(1, { error });
};
export const oneOf = <const T extends readonly [string, ...string[]]>(values: T) => {
  const quoted = values.map((v) => JSON.stringify(v));
  const last = quoted.pop()!;
  return z.enum(values, { error: `expected ${quoted.length > 0 ? `${quoted.join(', ')} or ${last}` : last}` });
};
export const table = <T extends z.core.$ZodLooseShape>(shape: T) => z.strictObject(shape, { error: 'expected a table' });

/** A duration in the config: any form checkDuration reads, out as seconds. */
export function duration(opts: DurationOptions = {}) {
  return z.unknown().transform((value, ctx) => {
    const result = checkDuration(value, opts);
    if (result.ok) return result.seconds;
    ctx.addIssue({ code: 'custom', message: result.message });
    return z.NEVER;
  });
}

export const ipOrCidr = () =>
  z.string({ error: 'expected a string' }).superRefine((value, ctx) => {
    if (!isIpOrCidr(value)) {
      ctx.addIssue({ code: 'custom', message: `${describeValue(value)} is not an IP address or CIDR` });
    }
  });
