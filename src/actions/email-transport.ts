import type { Transporter } from 'nodemailer';
import type { EmailSettings } from '../config/schema.js';
import type { MailTransport } from './mail-outbox.js';

/**
 * nodemailer's SMTP transport for `[notify.email]`. "starttls" requires the upgrade (no silent
 * fall-back to plain text), "none" never attempts it. One connection per message: at most
 * `max_per_hour` messages go out, so a pool would only hold idle connections. nodemailer is
 * loaded with the first message, not with the daemon (about 110 ms to load, measured alone).
 */
export function createSmtpTransport(settings: EmailSettings): MailTransport {
  let transporter: Promise<Transporter> | null = null;
  const open = (): Promise<Transporter> => (transporter ??= import('nodemailer').then(({ default: nodemailer }) => nodemailer.createTransport({
    host: settings.host,
    port: settings.port,
    secure: settings.tls === 'implicit',
    requireTLS: settings.tls === 'starttls',
    ignoreTLS: settings.tls === 'none',
    auth: settings.user !== undefined ? { user: settings.user, pass: settings.password ?? '' } : undefined,
    tls: { rejectUnauthorized: settings.verify_tls },
    // nodemailer's defaults (2 min to connect, 10 min of silence) would hold up the queue behind a
    // dead server for as long as the whole retry schedule.
    connectionTimeout: 30_000,
    greetingTimeout: 30_000,
    socketTimeout: 60_000,
    // Messages are built from strings only; refuse anything that would read a file or a URL.
    disableFileAccess: true,
    disableUrlAccess: true,
  })));
  return {
    sendMail: async (mail) => (await open()).sendMail(mail),
    // A transport whose module failed to load has nothing to close (its sends said why).
    close: () => void transporter?.then((t) => t.close(), () => {}),
  };
}
