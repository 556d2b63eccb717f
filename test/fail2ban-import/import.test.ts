import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkCommand, checkJails } from '../../src/commands/check-command.js';
import { importCommand } from '../../src/commands/import-command.js';
import { loadConfig } from '../../src/config/index.js';
import { importFail2ban } from '../../src/fail2ban-import/index.js';
import { makeTempDir, type TempDir } from '../helpers/temp-dir.js';

// fail2ban's own files come from the installed package, copied at test time; never committed.
const STOCK = '/etc/fail2ban';

// Every key the import reads; line numbers below are this text's (1-based).
const JAIL_LOCAL = [
  '[DEFAULT]', // 1
  'bantime = 1h', // 2
  'findtime = 10m', // 3
  'maxretry = 3', // 4
  'ignoreip = 127.0.0.1 ::1 198.51.100.0/24 trusted.example.org', // 5
  'bantime.increment = true', // 6
  'bantime.factor = 1', // 7
  'bantime.maxtime = 1w', // 8
  'bantime.multipliers = 1 2 4 8 16', // 9
  'bantime.overalljails = false', // 10
  'destemail = admin@example.org', // 11
  'sender = fail2ban@example.org', // 12
  '', // 13
  '[sshd]', // 14
  'enabled = true', // 15
  'filter = sshd[mode=aggressive]', // 16
  'port = 2222', // 17
  'backend = systemd', // 18
  'journalmatch = _SYSTEMD_UNIT=sshd.service + _COMM=sshd', // 19
  'action = iptables-multiport[name=SSH, port="%(port)s"]', // 20
  '         sendmail-whois[name=SSH]', // 21
  '         cloudflare[cfuser=x]', // 22
  '', // 23
  '[nginx-http-auth]', // 24
  'enabled = true', // 25
  'logpath = %(nginx_error_log)s', // 26
  '          /var/log/nginx/site-*/error.log', // 27
  'bantime = 2d', // 28
  'maxretry = 4', // 29
  'ignoreregex = ^<HOST> ok$', // 30
  '', // 31
  '[web]', // 32
  'enabled = true', // 33
  'filter = apache-auth', // 34
  '', // 35
  '[postfix]', // 36
  'enabled = true', // 37
  'filter = postfix[mode=nosuchmode]', // 38
  '', // 39
  '[custom]', // 40
  'enabled = true', // 41
  'filter = my-own-filter', // 42
  'logpath = /var/log/custom.log', // 43
  '', // 44
  '[slapd]', // 45
  'enabled = true', // 46
].join('\n');

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

function runImport(dir: string, options: { out?: string; force?: boolean } = {}): Ran {
  const out = new PassThrough();
  const err = new PassThrough();
  const code = importCommand(dir, options, out, err);
  return { code, stdout: String(out.read() ?? ''), stderr: String(err.read() ?? '') };
}

describe.skipIf(!existsSync(path.join(STOCK, 'jail.conf')))('import-fail2ban', () => {
  let tmp: TempDir;
  let f2b: string;
  beforeEach(() => {
    tmp = makeTempDir('portcullis-h21-import-');
    f2b = path.join(tmp.dir, 'fail2ban');
    cpSync(STOCK, f2b, { recursive: true });
  });
  afterEach(() => tmp.remove());

  it('imports the stock Debian install (sshd enabled) into a config that loads and passes check', () => {
    const out = path.join(f2b, 'portcullis.toml');
    const ran = runImport(f2b, { out });
    expect(ran.code).toBe(0);
    const config = loadConfig(out);
    expect(Object.keys(config.jails)).toEqual(['sshd']);
    const sshd = config.jails['sshd']!;
    // The jail names fail2ban's own filter file, by its path in the folder read.
    const stockSshd = path.join(f2b, 'filter.d', 'sshd.conf');
    expect(sshd).toMatchObject({ enabled: true, filter: stockSshd, backend: 'file', logpath: ['/var/log/auth.log'], actions: ['firewall'] });
    // jail.conf's `filter = %(__name__)s[mode=%(mode)s]` with `mode = normal`.
    expect(sshd.filter_options).toEqual({ mode: 'normal' });
    // jail.conf's [DEFAULT]: bantime = 10m, findtime = 10m, maxretry = 5.
    expect(config.settings).toMatchObject({ bantime: 600, findtime: 600, maxretry: 5 });
    expect(readFileSync(out, 'utf8')).toContain(`filter = ${JSON.stringify(stockSshd)}\nfilter_options = { "mode" = "normal" }\n`);
    expect(checkJails(out, config).filter((p) => p.severity === 'error')).toEqual([]);
    const out2 = new PassThrough();
    const err2 = new PassThrough();
    expect(checkCommand(out, out2, err2)).toBe(0);
    // The stock chain (paths-debian.conf, paths-common.conf, %(default/backend)s) resolves whole.
    expect(ran.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/jail\.conf:\d+: jail sshd: port = ssh: portcullis bans all ports/),
      `${out}: 1 jail(s) written, 1 thing(s) not carried over`,
    ]);
  });

  it('carries over every key of a hand-written jail.local, and reports what it cannot with file and line', () => {
    const local = path.join(f2b, 'jail.local');
    writeFileSync(local, JAIL_LOCAL);
    const out = path.join(f2b, 'imported.toml');
    const ran = runImport(f2b, { out });
    expect(ran.code).toBe(0);
    const config = loadConfig(out);
    expect(Object.keys(config.jails).sort()).toEqual(['nginx-http-auth', 'postfix', 'sshd']);
    expect(config.settings).toMatchObject({ bantime: 3600, findtime: 600, maxretry: 3 });
    expect(config.settings.escalation).toMatchObject({ enabled: true, multipliers: [1, 2, 4, 8, 16], maxtime: 604800, scope: 'jail' });
    expect(config.trusted.ranges).toEqual(['127.0.0.1', '::1', '198.51.100.0/24']);
    const stock = (name: string): string => path.join(f2b, 'filter.d', `${name}.conf`);
    expect(config.jails['sshd']).toMatchObject({ filter: stock('sshd'), backend: 'journal', journalmatch: ['_SYSTEMD_UNIT=sshd.service + _COMM=sshd'], actions: ['firewall', 'email'] });
    // The mode is carried: the stock sshd loads in aggressive mode.
    expect(config.jails['sshd']!.filter_options).toEqual({ mode: 'aggressive' });
    // A mode the filter does not have is not: reported below, and the filter's default is used.
    expect(config.jails['postfix']!.filter_options).toBeUndefined();
    expect(config.jails['postfix']!.filter).toBe(stock('postfix'));
    expect(config.jails['nginx-http-auth']!.filter).toBe(stock('nginx-http-auth'));
    expect(config.notify?.email).toMatchObject({ from: 'fail2ban@example.org', to: ['admin@example.org'] });
    const nginx = config.jails['nginx-http-auth']!;
    expect(nginx.logpath).toEqual(['/var/log/nginx/*error.log', '/var/log/nginx/site-*/error.log']) // paths-common.conf's nginx_error_log, then ours;
    expect(nginx.bantime).toBe(2 * 86400);
    expect(nginx.maxretry).toBe(4);
    expect(nginx.ignoreregex).toEqual(['^<HOST> ok$']);
    const lines = ran.stderr.split('\n');
    const at = (line: number, says: RegExp): void => {
      expect(lines.some((l) => l.startsWith(`${local}:${line}: `) && says.test(l)), `${local}:${line} ${says}\n${ran.stderr}`).toBe(true);
    };
    at(5, /trusted\.example\.org .*DNS name/);
    at(38, /jail postfix: filter postfix\[mode=nosuchmode\] does not load \(.*postfix\.conf:\d+: <mdpr-<mode>> names <mdpr-nosuchmode>, which this filter does not define.*\); the options are left out and the filter's default is used$/);
    expect(ran.stderr).not.toMatch(/mode=aggressive/);
    at(17, /port = 2222: portcullis bans all ports/);
    at(20, /action cloudflare has no portcullis equivalent/);
    at(33, /jail web: no logpath; left out/);
    // A filter the folder does not have: the jail is left out, and the line that names it is given.
    // A stock filter portcullis refuses: left out with the reason, at the line that names it (jail.conf's [DEFAULT]).
    const slapd = ran.stderr.split('\n').find((l) => l.includes('jail slapd:'));
    expect(slapd).toMatch(new RegExp(`^${path.join(f2b, 'jail.conf')}:\\d+: jail slapd: filter ${path.join(f2b, 'filter.d', 'slapd.conf')} does not load here \\(.*backreference.*\\); left out$`));
    at(42, new RegExp(`jail custom: no filter file my-own-filter\\.conf or my-own-filter\\.local in ${f2b}/filter\\.d; left out$`));
    expect(ran.stderr).not.toMatch(/action (iptables-multiport|sendmail-whois)/);
    // The stock filters compile for every jail, sshd in its aggressive mode (the config sits next to the stock filter.d).
    expect(checkJails(out, config).filter((p) => p.severity === 'error')).toEqual([]);
    expect(readFileSync(out, 'utf8')).toContain(`filter = ${JSON.stringify(stock('sshd'))}\nfilter_options = { "mode" = "aggressive" }\n`);
  });

  it('writes absolute filter paths from a relative folder, and warns when the config is written where they will not be read', () => {
    const relative = path.relative(process.cwd(), f2b);
    const beside = runImport(relative, { out: path.join(f2b, 'portcullis.toml') });
    expect(beside.code).toBe(0);
    expect(beside.stderr).not.toContain('warning');
    expect(loadConfig(path.join(f2b, 'portcullis.toml')).jails['sshd']!.filter).toBe(path.join(f2b, 'filter.d', 'sshd.conf'));
    const elsewhere = path.join(tmp.dir, 'elsewhere.toml');
    const away = runImport(f2b, { out: elsewhere });
    expect(away.code).toBe(0);
    expect(away.stderr).toContain(`warning: the jails name their filters by path in ${path.join(f2b, 'filter.d')}`);
    expect(away.stderr).toContain(`${elsewhere} will not start as it is`);
    // What the warning says: the engine refuses the path, naming the folders it reads.
    const problems = checkJails(elsewhere, loadConfig(elsewhere)).filter((p) => p.severity === 'error');
    expect(problems.map((p) => p.message).join('\n')).toMatch(/must be in one of the filter folders/);
  });

  it('turns a bantime.factor into doubling multipliers capped by maxtime', () => {
    writeFileSync(path.join(f2b, 'jail.local'), '[DEFAULT]\nbantime = 1h\nbantime.increment = yes\nbantime.factor = 3\nbantime.maxtime = 1d\nbantime.overalljails = true\n');
    const result = importFail2ban(f2b);
    expect(result.settings.escalation).toEqual({ enabled: true, maxtime: 86400, scope: 'all', multipliers: [1, 6, 12, 24] });
  });

  it('writes stdout without --out, and never over an existing file without --force', () => {
    const toStdout = runImport(f2b);
    expect(toStdout.code).toBe(0);
    expect(toStdout.stdout).toContain('[jails."sshd"]');
    const out = tmp.write('taken.toml', '# mine\n');
    const refused = runImport(f2b, { out });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/taken\.toml exists; add --force/);
    expect(readFileSync(out, 'utf8')).toBe('# mine\n');
    const forced = runImport(f2b, { out, force: true });
    expect(forced.code).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe(toStdout.stdout);
  });
});
