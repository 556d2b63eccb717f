import ipaddr from 'ipaddr.js';
import { z } from 'zod';
import { checkDuration } from './duration.js';
import { describeValue } from './errors.js';
import { bool, oneOf, positiveInt, table, text } from './schema-parts.js';

/** How the connection to the mail server is secured. */
export type EmailTls = 'none' | 'starttls' | 'implicit';

/** `[notify.email]`: ban notices by e-mail, for jails whose `actions` include "email". */
export interface EmailSettings {
  /** SMTP server: a host name or an IP address. */
  host: string;
  /** 1-65535; defaults by `tls`: 25 ("none"), 587 ("starttls"), 465 ("implicit"). */
  port: number;
  /** "starttls" (default) upgrades a plain connection and refuses to go on without TLS. */
  tls: EmailTls;
  /** Verify the server's certificate (default true); false only for a self-signed test server. */
  verify_tls: boolean;
  /** SMTP AUTH user; set together with `password`, or neither. */
  user?: string;
  password?: string;
  /** Sender: `addr@host` or `Name <addr@host>`. */
  from: string;
  /** Recipients, each `addr@host` or `Name <addr@host>`; at least one. */
  to: string[];
  /** Seconds bans are gathered into one digest; 0 sends each ban at once. */
  batch: number;
  /** Messages per hour at most; bans beyond it are counted and reported, not mailed. */
  max_per_hour: number;
}

/** `[notify]`: where notifications go. */
export interface NotifySettings {
  email?: EmailSettings;
}

// E-mail addresses as written in [notify.email]: `addr@host` or `Name <addr@host>`. Stricter than
// RFC 5322 on purpose (no quoted parts, comments or groups): an address is a key in a config file,
// and nothing odd in it should reach a mail header.
const ADDRESS_LOCAL = "[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*";
const HOST_LABEL = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?';
const HOST_NAME = new RegExp(`^${HOST_LABEL}(?:\\.${HOST_LABEL})*$`);
const PLAIN_ADDRESS = new RegExp(`^${ADDRESS_LOCAL}@${HOST_LABEL}(?:\\.${HOST_LABEL})*$`);
const NAMED_ADDRESS = /^([\p{L}\p{N} ._'-]*[\p{L}\p{N}._'-])\s*<([^<>]*)>$/u;

/** True for `addr@host` or `Name <addr@host>` (name: letters, digits, spaces, `.`, `_`, `'`, `-`). */
function isEmailAddress(value: string): boolean {
  const named = NAMED_ADDRESS.exec(value);
  const address = named ? named[2]! : value;
  return address.length <= 254 && PLAIN_ADDRESS.test(address);
}

const emailAddress = () =>
  z.string({ error: 'expected a string' }).superRefine((value, ctx) => {
    if (!isEmailAddress(value)) {
      ctx.addIssue({ code: 'custom', message: `${describeValue(value)} is not an e-mail address ("addr@host" or "Name <addr@host>")` });
    }
  });

const mailHost = () =>
  text().superRefine((value, ctx) => {
    const ip = value.includes(':') ? ipaddr.IPv6.isValid(value) && !value.includes('%') : ipaddr.IPv4.isValidFourPartDecimal(value);
    if (!ip && !(value.length <= 253 && HOST_NAME.test(value))) {
      ctx.addIssue({ code: 'custom', message: `${describeValue(value)} is not a host name or IP address` });
    }
  });

const BATCH_MAX = 24 * 3600;
/** A digest window: like duration(), and also 0 ("0s", "0m", ...), which means "no batching". */
const batchDuration = () =>
  z.unknown().transform((value, ctx) => {
    if (value === 0 || (typeof value === 'string' && /^\s*0+\s*[wdhms]?\s*$/.test(value))) return 0;
    const result = checkDuration(value);
    if (result.ok && result.seconds <= BATCH_MAX) return result.seconds;
    const message = result.ok
      ? `${describeValue(value)} is longer than 1d, which would hold ban mail back too long`
      : `bad duration ${describeValue(value)} (use "0s" to send each ban at once, or 30, "30s", "1m", "10m")`;
    ctx.addIssue({ code: 'custom', message });
    return z.NEVER;
  });

const DEFAULT_SMTP_PORT: Record<EmailTls, number> = { none: 25, starttls: 587, implicit: 465 };

export const emailShape = {
  host: mailHost(),
  port: z
    .number({ error: 'expected a port number 1-65535' })
    .int({ error: 'expected a port number 1-65535' })
    .min(1, { error: 'expected a port number 1-65535' })
    .max(65535, { error: 'expected a port number 1-65535' })
    .optional(),
  tls: oneOf(['none', 'starttls', 'implicit']).default('starttls'),
  verify_tls: bool().default(true),
  user: text().optional(),
  password: z.string({ error: 'expected a string' }).optional(),
  from: emailAddress(),
  to: z.array(emailAddress(), { error: 'expected an array of e-mail addresses' }).min(1, { error: 'expected at least one address' }),
  batch: batchDuration().prefault('1m'),
  max_per_hour: positiveInt().default(20),
};

const emailSchema = table(emailShape)
  .superRefine((email, ctx) => {
    if (email.user !== undefined && email.password === undefined) {
      ctx.addIssue({ code: 'custom', path: ['password'], message: 'is needed when `user` is set' });
    }
    if (email.password !== undefined && email.user === undefined) {
      ctx.addIssue({ code: 'custom', path: ['user'], message: 'is needed when `password` is set' });
    }
  })
  .transform((email): EmailSettings => ({ ...email, port: email.port ?? DEFAULT_SMTP_PORT[email.tls] }));

export const notifyShape = { email: emailSchema.optional() };
