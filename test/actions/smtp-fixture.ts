import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import type { EmailSettings } from '../../src/config/schema.js';
import { EmailNotifier, type BanNotice, type EmailNotifierDeps, type NotifierLogLevel } from '../../src/actions/index.js';

/** A message as the test server received it. */
export interface ReceivedMail {
  mailFrom: string;
  rcptTo: string[];
  raw: string;
  /** Header lines after unfolding, as [lower-case name, value]. */
  headers: Array<[string, string]>;
  subject: string;
  /** The decoded text body. */
  body: string;
  secure: boolean;
  /** What onAuth returned as the user, if the client authenticated. */
  user: unknown;
}

/** A real SMTP server on 127.0.0.1 that keeps what it receives. */
export interface TestSmtp {
  port: number;
  messages: ReceivedMail[];
  /** Connections accepted. */
  connections: number;
  close(): Promise<void>;
}

/** Starts smtp-server on 127.0.0.1 (a random port unless `port` is given). */
export async function startSmtp(options: SMTPServerOptions & { port?: number } = {}): Promise<TestSmtp> {
  const { port: wanted = 0, ...serverOptions } = options;
  const state = { messages: [] as ReceivedMail[], connections: 0 };
  const server = new SMTPServer({
    logger: false,
    disableReverseLookup: true,
    authOptional: true,
    closeTimeout: 200,
    onConnect(_session, callback) {
      state.connections++;
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const envelope = session.envelope;
        state.messages.push(parseMail(Buffer.concat(chunks).toString('utf8'), {
          mailFrom: envelope.mailFrom ? envelope.mailFrom.address : '',
          rcptTo: envelope.rcptTo.map((r) => r.address),
          secure: session.secure,
          user: session.user,
        }));
        callback();
      });
    },
    ...serverOptions,
  });
  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(wanted, '127.0.0.1', () => resolve());
  });
  const address = server.server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return {
    port: address.port,
    get messages() {
      return state.messages;
    },
    get connections() {
      return state.connections;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function parseMail(raw: string, envelope: Omit<ReceivedMail, 'raw' | 'headers' | 'subject' | 'body'>): ReceivedMail {
  const split = raw.indexOf('\r\n\r\n');
  const head = raw.slice(0, split).replace(/\r\n[ \t]+/g, ' ');
  const headers = head.split('\r\n').map((line): [string, string] => {
    const colon = line.indexOf(':');
    return [line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim()];
  });
  const header = (name: string) => headers.find(([n]) => n === name)?.[1] ?? '';
  const encoding = header('content-transfer-encoding').toLowerCase();
  const text = raw.slice(split + 4);
  const body = encoding === 'quoted-printable'
    ? Buffer.from(
      text.replace(/=\r\n/g, '').replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))),
      'latin1',
    ).toString('utf8')
    : encoding === 'base64' ? Buffer.from(text, 'base64').toString('utf8') : text;
  return { ...envelope, raw, headers, subject: header('subject'), body: body.replace(/\r\n/g, '\n'), user: envelope.user };
}

/** A throwaway self-signed certificate for localhost, made with openssl. */
export async function makeSelfSignedCert(dir: string): Promise<{ key: Buffer; cert: Buffer }> {
  const keyFile = path.join(dir, 'key.pem');
  const certFile = path.join(dir, 'cert.pem');
  await promisify(execFile)('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', keyFile, '-out', certFile, '-days', '1', '-subj', '/CN=localhost',
    '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
  ]);
  return { key: readFileSync(keyFile), cert: readFileSync(certFile) };
}

/** Polls `check` every 10 ms until it is true; fails after `timeoutMs`. */
export async function waitFor(check: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Collects what a notifier reports. */
export function logRecorder() {
  const entries: Array<{ level: NotifierLogLevel; message: string }> = [];
  return {
    entries,
    log: (level: NotifierLogLevel, message: string) => {
      entries.push({ level, message });
    },
    at: (level: NotifierLogLevel) => entries.filter((e) => e.level === level).map((e) => e.message),
  };
}

export const T0 = Date.UTC(2026, 10, 26, 12, 0, 0);

/** [notify.email] as the schema would give it, pointed at the test server. */
export function emailSettings(port: number, over: Partial<EmailSettings> = {}): EmailSettings {
  return {
    host: '127.0.0.1',
    port,
    tls: 'none',
    verify_tls: true,
    from: 'portcullis@host.test',
    to: ['admin@example.test'],
    batch: 0,
    max_per_hour: 20,
    ...over,
  };
}

/** A ban of `ip` by sshd: the 10-minute first ban unless overridden. */
export function sshBan(ip: string, over: Partial<BanNotice> = {}): BanNotice {
  return {
    ip,
    jail: 'sshd',
    bannedAt: T0,
    expiresAt: T0 + 600_000,
    count: 1,
    reason: [`Nov 26 12:00:00 host sshd[4242]: Failed password for root from ${ip} port 52344 ssh2`],
    ...over,
  };
}

/** The servers and notifiers of one test file, stopped together after each test (call `cleanup`). */
export function mailKit() {
  const servers: TestSmtp[] = [];
  const notifiers: EmailNotifier[] = [];
  return {
    async server(options: Parameters<typeof startSmtp>[0] = {}): Promise<TestSmtp> {
      const smtp = await startSmtp(options);
      servers.push(smtp);
      return smtp;
    },
    notifier(settings: EmailSettings, deps: Partial<EmailNotifierDeps> = {}) {
      const log = logRecorder();
      const n = new EmailNotifier(settings, { log: log.log, hostname: 'gate.test', retryDelays: [50, 50], ...deps });
      notifiers.push(n);
      return { n, log };
    },
    async cleanup(): Promise<void> {
      await Promise.all(notifiers.splice(0).map((n) => n.stop()));
      await Promise.all(servers.splice(0).map((s) => s.close()));
    },
  };
}
