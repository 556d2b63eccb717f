import { z } from 'zod';

/** A prefix length key: a whole number from `min` to the family's full width, named in the error. */
export const prefixLength = (family: 4 | 6) => {
  const full = family === 4 ? 32 : 128;
  const error = `expected a whole number from 1 to ${full} (IPv${family} prefix length)`;
  return z.number({ error }).int({ error }).min(1, { error }).max(full, { error });
};
