import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, type TempDir } from '../helpers/temp-dir.js';
import { emailSettings, makeSelfSignedCert, sshBan, startSmtp, T0, waitFor, mailKit } from './smtp-fixture.js';

let tmp: TempDir;
let tlsFiles: { key: Buffer; cert: Buffer };
const kit = mailKit();
const { server, notifier } = kit;

beforeAll(async () => {
  tmp = makeTempDir('portcullis-mail-');
  tlsFiles = await makeSelfSignedCert(tmp.dir);
});
afterAll(() => tmp.remove());
afterEach(() => kit.cleanup());

describe('EmailNotifier delivery', () => {
  it('says what happened and why: jail, address, length, count and the matched lines', async () => {
    const smtp = await server();
    const { n, log } = notifier(emailSettings(smtp.port));
    n.notify(sshBan('203.0.113.7', {
      count: 3,
      expiresAt: T0 + 5400_000,
      reason: ['line one from 203.0.113.7', 'line two from 203.0.113.7'],
    }));
    await waitFor(() => smtp.messages.length === 1, 5000, 'the message');
    const mail = smtp.messages[0]!;
    expect(mail.mailFrom).toBe('portcullis@host.test');
    expect(mail.rcptTo).toEqual(['admin@example.test']);
    expect(mail.subject).toBe('[portcullis gate.test] sshd: banned 203.0.113.7 (1h30m, ban #3)');
    expect(mail.headers).toContainEqual(['auto-submitted', 'auto-generated']);
    expect(mail.headers.find(([name]) => name === 'content-type')?.[1]).toMatch(/^text\/plain/);
    expect(mail.raw).not.toMatch(/text\/html/i);
    expect(mail.body).toContain('  Jail:        sshd\n');
    expect(mail.body).toContain('  Address:     203.0.113.7\n');
    expect(mail.body).toContain('  Banned at:   2026-11-26T12:00:00Z\n');
    expect(mail.body).toContain('  Ban length:  1h30m, until 2026-11-26T13:30:00Z\n');
    expect(mail.body).toContain('  Ban count:   3 ');
    expect(mail.body).toContain('Why: 2 log lines matched:\n\n  | line one from 203.0.113.7\n  | line two from 203.0.113.7\n');
    await waitFor(() => log.at('INFO').length === 1, 2000, 'the report');
    expect(log.at('INFO')[0]).toMatch(/^e-mail: sent "\[portcullis gate\.test\] sshd: banned 203\.0\.113\.7.*" \(1 ban\) to 1 recipient$/);
    expect(n.status()).toEqual({ queued: 0, sentLastHour: 1, suppressedLastHour: 0, lastError: null, failing: false });
  });

  it('quotes hostile log lines inertly and never lets them become headers or commands', async () => {
    const smtp = await server();
    const { n } = notifier(emailSettings(smtp.port, { to: ['admin@example.test', 'Night Shift <ops@example.test>'] }));
    const pwned = path.join(tmp.dir, 'pwned');
    n.notify(sshBan('198.51.100.9', {
      jail: 'sshd\r\nBcc: victim@evil.test',
      expiresAt: null,
      reason: [
        'Failed password for invalid user x\r\nBcc: victim@evil.test\r\n\r\nInjected body from 198.51.100.9',
        'user $(rm -rf /) from 198.51.100.9',
        `user \`touch ${pwned}\` from 198.51.100.9`,
        '\x1b[2J\x1b[31mred\x1b[0m and a bell\x07 from 198.51.100.9',
        'a dot line\r\n.\r\nMAIL FROM:<x@evil.test> from 198.51.100.9',
        'bidi \u202egnp.exe and a NUL \0 and C1 \u0085 from 198.51.100.9',
        `long ${'A'.repeat(10_000)} from 198.51.100.9`,
      ],
    }));
    await waitFor(() => smtp.messages.length === 1, 5000, 'the message');
    const mail = smtp.messages[0]!;

    // Only the configured recipients, and no header that a log line wrote.
    expect(mail.rcptTo).toEqual(['admin@example.test', 'ops@example.test']);
    expect(mail.headers.map(([name]) => name)).not.toContain('bcc');
    expect(mail.raw.slice(0, mail.raw.indexOf('\r\n\r\n'))).not.toMatch(/^Bcc:/im);
    expect(mail.subject).toBe('[portcullis gate.test] sshd\\r\\nBcc: victim@evil.test: banned 198.51.100.9 (permanent, ban #1)');
    // No terminal or bidi control character reaches the message; each is shown as an escape.
    expect(mail.raw).not.toMatch(/[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u0080-\u009f\u202e]/);
    const quoted = mail.body.split('\n').filter((line) => line.startsWith('  | '));
    expect(quoted).toEqual([
      '  | Failed password for invalid user x\\r\\nBcc: victim@evil.test\\r\\n\\r\\nInjected body from 198.51.100.9',
      '  | user $(rm -rf /) from 198.51.100.9',
      `  | user \`touch ${pwned}\` from 198.51.100.9`,
      '  | \\x1b[2J\\x1b[31mred\\x1b[0m and a bell\\x07 from 198.51.100.9',
      '  | a dot line\\r\\n.\\r\\nMAIL FROM:<x@evil.test> from 198.51.100.9',
      '  | bidi \\u202egnp.exe and a NUL \\x00 and C1 \\u0085 from 198.51.100.9',
      `  | long ${'A'.repeat(395)} [cut: 9623 more characters]`,
    ]);
    expect(Math.max(...mail.body.split('\n').map((line) => line.length))).toBeLessThan(450);
    expect(existsSync(pwned)).toBe(false);
  });

  it('sends each ban at once with batch = 0', async () => {
    const smtp = await server();
    const { n } = notifier(emailSettings(smtp.port, { batch: 0 }));
    for (const ip of ['192.0.2.1', '192.0.2.2', '192.0.2.3']) n.notify(sshBan(ip));
    await waitFor(() => smtp.messages.length === 3, 5000, 'three messages');
    expect(smtp.messages.map((m) => m.subject.match(/banned (\S+)/)?.[1])).toEqual(['192.0.2.1', '192.0.2.2', '192.0.2.3']);
  });

  it('flushes an open batch window when stopped', async () => {
    const smtp = await server();
    const { n } = notifier(emailSettings(smtp.port, { batch: 600 }));
    n.notify(sshBan('192.0.2.10'));
    n.notify(sshBan('192.0.2.11', { jail: 'postfix' }));
    expect(smtp.messages).toHaveLength(0);
    await n.stop();
    expect(smtp.messages).toHaveLength(1);
    expect(smtp.messages[0]!.subject).toBe('[portcullis gate.test] 2 bans (sshd 1, postfix 1)');
  });
});

describe('EmailNotifier TLS and authentication', () => {
  const credentials = { user: 'alerts', password: 'pa:ss wörd' };
  const checkCredentials: NonNullable<Parameters<typeof startSmtp>[0]>['onAuth'] = (auth, _session, callback) => {
    if (auth.username === credentials.user && auth.password === credentials.password) callback(null, { user: { name: auth.username, method: auth.method } });
    else callback(Object.assign(new Error('Authentication failed'), { responseCode: 535 }));
  };

  it.each(['PLAIN', 'LOGIN'])('upgrades with STARTTLS (self-signed, verify_tls = false) and authenticates with AUTH %s', async (method) => {
    const smtp = await server({ ...tlsFiles, authOptional: false, authMethods: [method], onAuth: checkCredentials });
    const { n } = notifier(emailSettings(smtp.port, { tls: 'starttls', verify_tls: false, ...credentials }));
    n.notify(sshBan('192.0.2.20'));
    await waitFor(() => smtp.messages.length === 1, 5000, 'the message');
    expect(smtp.messages[0]!.secure).toBe(true);
    expect(smtp.messages[0]!.user).toEqual({ name: 'alerts', method });
  });

  it('sends over implicit TLS', async () => {
    const smtp = await server({ ...tlsFiles, secure: true, authOptional: false, onAuth: checkCredentials });
    const { n } = notifier(emailSettings(smtp.port, { tls: 'implicit', verify_tls: false, ...credentials }));
    n.notify(sshBan('192.0.2.21'));
    await waitFor(() => smtp.messages.length === 1, 5000, 'the message');
    expect(smtp.messages[0]!.secure).toBe(true);
  });

  it('refuses a self-signed certificate while verify_tls is on, and reports it', async () => {
    const smtp = await server({ ...tlsFiles });
    const { n, log } = notifier(emailSettings(smtp.port, { tls: 'starttls' }), { retryDelays: [] });
    n.notify(sshBan('192.0.2.22'));
    await waitFor(() => log.at('ERROR').length === 1, 5000, 'the failure report');
    expect(log.at('ERROR')[0]).toMatch(/^e-mail: gave up on ".*192\.0\.2\.22.*" after 1 attempt: .*(certificate|self.signed)/i);
    expect(smtp.messages).toHaveLength(0);
    expect(n.status()).toMatchObject({ failing: true, queued: 0 });
  });

  it('never falls back to plain text when STARTTLS is required but not offered', async () => {
    // nodemailer tries STARTTLS even when it is not advertised, so the server must refuse the command.
    const smtp = await server({ hideSTARTTLS: true, disabledCommands: ['STARTTLS'] });
    const { n, log } = notifier(emailSettings(smtp.port, { tls: 'starttls', verify_tls: false }), { retryDelays: [] });
    n.notify(sshBan('192.0.2.23'));
    await waitFor(() => log.at('ERROR').length === 1, 5000, 'the failure report');
    expect(log.at('ERROR')[0]).toMatch(/ETLS/);
    expect(smtp.messages).toHaveLength(0);
  });

  it('retries a refused login, reports it, and delivers once the server accepts it', async () => {
    let refusals = 2;
    const smtp = await server({
      ...tlsFiles,
      authOptional: false,
      onAuth(auth, session, callback) {
        if (refusals-- > 0) callback(Object.assign(new Error('Authentication failed'), { responseCode: 535 }));
        else checkCredentials(auth, session, callback);
      },
    });
    const { n, log } = notifier(emailSettings(smtp.port, { tls: 'starttls', verify_tls: false, ...credentials }), { retryDelays: [50, 50, 50] });
    n.notify(sshBan('192.0.2.24'));
    await waitFor(() => smtp.messages.length === 1, 5000, 'the message');
    const warnings = log.at('WARNING');
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(/failed \(attempt 1\): EAUTH: .*535.*; next attempt in 50ms$/);
    expect(warnings.join('\n')).not.toContain(credentials.password);
    await waitFor(() => log.at('INFO').length === 1, 2000, 'the report');
    expect(log.at('NOTICE')[0]).toMatch(/^e-mail: the mail server works again/);
    expect(log.at('INFO')[0]).toMatch(/after 3 attempts$/);
    expect(n.status()).toMatchObject({ failing: false, lastError: null, sentLastHour: 1 });
  });
});
