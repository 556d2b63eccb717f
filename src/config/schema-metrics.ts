import { z } from 'zod';
import { describeValue } from './errors.js';

/** `[metrics]`: the Prometheus endpoint; absent means off. */
export interface MetricsSettings {
  /** `host:port` (IPv6 as `[::1]:9191`) that serves `/metrics`. */
  listen: string;
}

/** A `host:port` the metrics server listens on, split; the host as written (IPv6 without brackets). */
export function parseListen(listen: string): { host: string; port: number } {
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9.-]+)):([0-9]{1,5})$/.exec(listen);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port < 1 || port > 65535) throw new Error(`${describeValue(listen)} is not "host:port" (IPv6 as "[::1]:9191")`);
  return { host: m[1] ?? m[2]!, port };
}

export const metricsShape = {
  listen: z.string({ error: 'expected a string "host:port"' }).superRefine((value, ctx) => {
    try {
      parseListen(value);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message });
    }
  }),
};

export const metricsSchema = z.strictObject(metricsShape, { error: 'expected a table' });
