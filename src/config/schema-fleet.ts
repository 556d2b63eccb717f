import { hostname } from 'node:os';
import { z } from 'zod';
import { describeValue } from './errors.js';

/** `[fleet]`: bans shared with other servers through a Redis stream; absent means off. */
export interface FleetSettings {
  /** `redis://[user:password@]host:port[/db]`, or `rediss://` for TLS. */
  redis: string;
  /** Overrides a password in the URL. */
  password?: string;
  /** PEM file of the CA that signed the server's certificate (rediss://; default: the system's CAs). */
  tls_ca?: string;
  /** This server's name in the stream (default: the host name). */
  node: string;
  /** Jails whose bans are published; absent: all (manual bans included). */
  share?: string[];
  /** Whether bans from other servers are applied here. */
  accept: boolean;
  /** Whether bans from other servers count toward this server's escalation (its history). */
  count_remote: boolean;
  /** The stream's key. */
  stream: string;
}

const text = () => z.string({ error: 'expected a string' }).min(1, { error: 'expected a non-empty string' });

export const fleetShape = {
  redis: text().superRefine((value, ctx) => {
    let url: URL | null = null;
    try {
      url = new URL(value);
    } catch {
      // reported below
    }
    if (!url || (url.protocol !== 'redis:' && url.protocol !== 'rediss:') || url.hostname === '') {
      ctx.addIssue({ code: 'custom', message: `${describeValue(value)} is not a redis:// or rediss:// URL with a host` });
    } else if (url.pathname !== '' && url.pathname !== '/' && !/^\/[0-9]{1,2}$/.test(url.pathname)) {
      ctx.addIssue({ code: 'custom', message: `${describeValue(value)}: the path must be a database number ("/0")` });
    }
  }),
  password: text().optional(),
  tls_ca: text().regex(/^\//, { error: 'expected an absolute path' }).optional(),
  // The node name travels in every entry and is shown as a ban's origin: plain text only.
  node: text().regex(/^[A-Za-z0-9_.-]{1,64}$/, { error: 'expected a node name (letters, digits, "_", "." or "-")' }).optional(),
  share: z.array(text(), { error: 'expected an array of jail names' }).optional(),
  accept: z.boolean({ error: 'expected true or false' }).default(true),
  count_remote: z.boolean({ error: 'expected true or false' }).default(false),
  stream: text().default('portcullis:bans'),
};

export const fleetSchema = z.strictObject(fleetShape, { error: 'expected a table' }).superRefine((fleet, ctx) => {
  if (fleet.tls_ca !== undefined && !fleet.redis.startsWith('rediss://')) {
    ctx.addIssue({ code: 'custom', path: ['tls_ca'], message: 'is only used with a rediss:// URL' });
  }
}).transform((fleet): FleetSettings => {
  const { node, share, password, tls_ca, ...rest } = fleet;
  return {
    ...rest,
    node: node ?? hostname().replace(/[^A-Za-z0-9_.-]/g, '-').slice(0, 64),
    ...(share !== undefined ? { share } : {}),
    ...(password !== undefined ? { password } : {}),
    ...(tls_ca !== undefined ? { tls_ca } : {}),
  };
});
