import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadConfig, parseConfig } from '../../src/config/index.js';
import { catchConfigError } from '../config/helpers.js';

const FILE = 'config.toml';
const EXAMPLE = fileURLToPath(new URL('../../config.example.toml', import.meta.url));
const MINIMAL = '[notify.email]\nhost = "smtp.example.com"\nfrom = "alerts@example.com"\nto = ["admin@example.com"]\n';

/** Problems of a config as "key: message" lines. */
function problems(text: string): string[] {
  return catchConfigError(() => parseConfig(text, FILE)).problems.map((p) => `${p.key}: ${p.message}`);
}

describe('[notify.email]', () => {
  it('fills defaults: starttls on 587, certificate checked, 1m batches, 20 messages an hour', () => {
    expect(parseConfig(MINIMAL, FILE).notify?.email).toEqual({
      host: 'smtp.example.com',
      port: 587,
      tls: 'starttls',
      verify_tls: true,
      from: 'alerts@example.com',
      to: ['admin@example.com'],
      batch: 60,
      max_per_hour: 20,
    });
  });

  it.each([['none', 25], ['starttls', 587], ['implicit', 465]] as const)('defaults the port for tls = "%s" to %d', (tls, port) => {
    expect(parseConfig(`${MINIMAL}tls = "${tls}"\n`, FILE).notify?.email?.port).toBe(port);
  });

  it('reads every key, with "0s" meaning no batching', () => {
    const email = parseConfig(
      `${MINIMAL.replace('to = ["admin@example.com"]', 'to = ["admin@example.com", "Night Shift <ops@example.net>"]')}`
        + 'port = 2525\ntls = "implicit"\nverify_tls = false\nuser = "alerts"\npassword = "s3cret"\nbatch = "0s"\nmax_per_hour = 5\n',
      FILE,
    ).notify?.email;
    expect(email).toMatchObject({ port: 2525, tls: 'implicit', verify_tls: false, user: 'alerts', password: 's3cret', batch: 0, max_per_hour: 5 });
    expect(email?.to).toEqual(['admin@example.com', 'Night Shift <ops@example.net>']);
    expect(parseConfig(`${MINIMAL}batch = 0\n`, FILE).notify?.email?.batch).toBe(0);
    expect(parseConfig(`${MINIMAL}batch = "2s"\n`, FILE).notify?.email?.batch).toBe(2);
  });

  it('names the key of a bad address', () => {
    const text = MINIMAL.replace('"alerts@example.com"', '"alerts"').replace('["admin@example.com"]', '["admin@example.com", "a@b.test\\r\\nBcc: x@y.test", "<>"]');
    expect(problems(text)).toEqual([
      'notify.email.from: "alerts" is not an e-mail address ("addr@host" or "Name <addr@host>")',
      'notify.email.to[1]: "a@b.test\\r\\nBcc: x@y.test" is not an e-mail address ("addr@host" or "Name <addr@host>")',
      'notify.email.to[2]: "<>" is not an e-mail address ("addr@host" or "Name <addr@host>")',
    ]);
    expect(problems(MINIMAL.replace('["admin@example.com"]', '[]'))).toEqual(['notify.email.to: expected at least one address, got []']);
    expect(problems(MINIMAL.replace('["admin@example.com"]', '"admin@example.com"'))[0]).toMatch(/^notify\.email\.to: expected an array/);
  });

  it.each([0, 65536, 1.5, '"587"'])('rejects port = %s', (port) => {
    expect(problems(`${MINIMAL}port = ${port}\n`)).toEqual([`notify.email.port: expected a port number 1-65535, got ${String(port)}`]);
  });

  it('rejects bad tls, host, batch, max_per_hour and half of a login', () => {
    expect(problems(`${MINIMAL}tls = "ssl"\n`)[0]).toMatch(/^notify\.email\.tls: expected "none", "starttls" or "implicit"/);
    expect(problems(MINIMAL.replace('smtp.example.com', 'smtp example.com'))[0]).toMatch(/^notify\.email\.host: .* is not a host name or IP address$/);
    expect(problems(`${MINIMAL}batch = "soon"\n`)[0]).toMatch(/^notify\.email\.batch: bad duration "soon" \(use "0s"/);
    expect(problems(`${MINIMAL}batch = "2d"\n`)[0]).toMatch(/^notify\.email\.batch: "2d" is longer than 1d/);
    expect(problems(`${MINIMAL}max_per_hour = 0\n`)[0]).toMatch(/^notify\.email\.max_per_hour: expected an integer >= 1/);
    expect(problems(`${MINIMAL}user = "alerts"\n`)).toEqual(['notify.email.password: is needed when `user` is set']);
    expect(problems(`${MINIMAL}password = "x"\n`)).toEqual(['notify.email.user: is needed when `password` is set']);
  });

  it('rejects unknown keys with a suggestion', () => {
    expect(problems(`${MINIMAL}max_per_hours = 3\n`)).toEqual(['notify.email.max_per_hours: unknown key (did you mean "max_per_hour"?)']);
  });

  it('accepts an IP address as host', () => {
    expect(parseConfig(MINIMAL.replace('smtp.example.com', '::1'), FILE).notify?.email?.host).toBe('::1');
    expect(parseConfig(MINIMAL.replace('smtp.example.com', '127.0.0.1'), FILE).notify?.email?.host).toBe('127.0.0.1');
  });
});

describe('the "email" action', () => {
  const jail = (name: string, actions: string) => `[jails.${name}]\nlogpath = ["/var/log/auth.log"]\nactions = ${actions}\n`;

  it('needs [notify.email]: the error names the jail', () => {
    const error = catchConfigError(() => parseConfig(jail('sshd', '["firewall"]') + jail('web', '["firewall", "email"]'), FILE));
    expect(error.problems).toEqual([
      { file: FILE, line: 6, key: 'jails.web.actions[1]', message: 'jail "web" uses the "email" action, but there is no [notify.email] table' },
    ]);
  });

  it('is accepted with [notify.email]', () => {
    expect(parseConfig(jail('web', '["firewall", "email"]') + MINIMAL, FILE).jails.web?.actions).toEqual(['firewall', 'email']);
  });
});

describe('config.example.toml', () => {
  it('loads and sends nothing: its [notify.email] is commented out', () => {
    const config = loadConfig(EXAMPLE);
    expect(config.notify).toBeUndefined();
    expect(Object.values(config.jails).some((j) => j.actions.includes('email'))).toBe(false);
  });

  it('documents a [notify.email] that is valid once uncommented', () => {
    const text = readFileSync(EXAMPLE, 'utf8');
    const start = text.indexOf('# [notify.email]');
    const block = text.slice(start).split('\n');
    const uncommented = block
      .slice(0, block.findIndex((line) => line === '') > 0 ? block.findIndex((line) => line === '') : undefined)
      .filter((line) => !line.startsWith('# # '))
      .map((line) => line.replace(/^# /, ''))
      .join('\n');
    const email = parseConfig(uncommented, FILE).notify?.email;
    expect(email).toEqual({
      host: 'smtp.example.com',
      tls: 'starttls',
      port: 587,
      verify_tls: true,
      user: 'alerts@example.com',
      password: 'change-me',
      from: 'portcullis <alerts@example.com>',
      to: ['admin@example.com'],
      batch: 60,
      max_per_hour: 20,
    });
  });
});
