import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { configOverlayDir, loadConfig, resolveConfigPath } from '../../src/config/index.js';
import { catchConfigError, makeTempDir } from './helpers.js';

const EXAMPLE = fileURLToPath(new URL('../../config.example.toml', import.meta.url));

describe('config.example.toml', () => {
  it('loads cleanly', () => {
    const config = loadConfig(EXAMPLE);
    expect(config.trusted.ranges).toEqual(['127.0.0.1/8', '::1']);
    expect(config.firewall.backend).toBe('auto');
    expect(config.jails.sshd).toMatchObject({ enabled: true, logpath: ['/var/log/auth.log'] });
    expect(config.jails.recidive).toMatchObject({
      enabled: true,
      logpath: [config.daemon.log_file],
      bantime: 604_800,
      findtime: 86_400,
      maxretry: 3,
    });
    const enabled = Object.entries(config.jails)
      .filter(([, jail]) => jail.enabled)
      .map(([name]) => name);
    expect(enabled.sort()).toEqual(['recidive', 'sshd']);
    for (const name of ['postfix', 'dovecot', 'nginx-http-auth', 'apache-auth', 'wordpress', 'proftpd', 'pure-ftpd', 'vsftpd', 'plesk-panel']) {
      expect(config.jails[name]?.enabled, name).toBe(false);
    }
  });
});

describe('loadConfig', () => {
  let tmp: ReturnType<typeof makeTempDir>;
  beforeEach(() => {
    tmp = makeTempDir();
  });
  afterEach(() => {
    tmp.remove();
  });

  it('reports a missing file', () => {
    const file = path.join(tmp.dir, 'absent.toml');
    const error = catchConfigError(() => loadConfig(file));
    expect(error.file).toBe(file);
    expect(error.message).toContain('cannot read');
  });

  it('gives file:line for TOML syntax errors', () => {
    const file = tmp.write('config.toml', '[settings]\nmaxretry = 3\n[jails.sshd\n');
    const error = catchConfigError(() => loadConfig(file));
    expect(error).toMatchObject({ file, line: 3 });
    expect(error.message.startsWith(`${file}:3: TOML syntax error`)).toBe(true);
  });

  it('merges config.d overlays in sorted order: tables by key, arrays replaced', () => {
    const file = tmp.write(
      'config.toml',
      [
        '[settings]',
        'bantime = "10m"',
        'maxretry = 5',
        '[trusted]',
        'ranges = ["127.0.0.1/8", "::1"]',
        '[jails.sshd]',
        'logpath = ["/var/log/auth.log"]',
        'maxretry = 3',
      ].join('\n'),
    );
    tmp.write('config.d/20-later.toml', '[settings]\nbantime = "2h"\n');
    tmp.write('config.d/10-first.toml', '[settings]\nbantime = "1h"\nmaxretry = 4\n[trusted]\nranges = ["198.18.0.0/15"]\n');
    tmp.write('config.d/30-jail.toml', '[jails.sshd]\nenabled = false\n[jails.vsftpd]\nlogpath = ["/var/log/vsftpd.log"]\n');
    tmp.write('config.d/notes.txt', 'not toml [');

    const config = loadConfig(file);
    expect(config.settings.bantime).toBe(7200);
    expect(config.settings.maxretry).toBe(4);
    expect(config.trusted.ranges).toEqual(['198.18.0.0/15']);
    expect(config.jails.sshd).toMatchObject({ enabled: false, maxretry: 3, logpath: ['/var/log/auth.log'] });
    expect(config.jails.vsftpd?.logpath).toEqual(['/var/log/vsftpd.log']);
  });

  it('names the overlay file, and its line, for an error in an overlay', () => {
    const file = tmp.write('config.toml', '[jails.sshd]\nlogpath = ["/var/log/auth.log"]\nmaxretry = 3\n');
    const overlay = tmp.write('config.d/50-console.toml', '# written by the console\n[jails.sshd]\nmaxretry = "lots"\n');
    const error = catchConfigError(() => loadConfig(file));
    expect(error).toMatchObject({ file: overlay, line: 3, key: 'jails.sshd.maxretry' });
  });

  it('keeps errors of the main file attributed to it', () => {
    const file = tmp.write('config.toml', '[settings]\nbogus = 1\n[jails.sshd]\nlogpath = ["/x"]\n');
    tmp.write('config.d/50-console.toml', '[jails.sshd]\nenabled = false\n[trusted]\nranges = ["::1", "300.1.1.1"]\n');
    const error = catchConfigError(() => loadConfig(file));
    expect(error.problems.map((p) => [path.basename(p.file ?? ''), p.line, p.key])).toEqual([
      ['config.toml', 2, 'settings.bogus'],
      ['50-console.toml', 4, 'trusted.ranges[1]'],
    ]);
  });

  it('names the overlay file for a TOML syntax error in it', () => {
    const file = tmp.write('config.toml', '[settings]\n');
    const overlay = tmp.write('config.d/10-x.toml', '\n\nmaxretry = = 3\n');
    const error = catchConfigError(() => loadConfig(file));
    expect(error).toMatchObject({ file: overlay, line: 3 });
  });

  it('does without a config.d folder', () => {
    const file = tmp.write('config.toml', '[settings]\nmaxretry = 2\n');
    expect(configOverlayDir(file)).toBe(path.join(tmp.dir, 'config.d'));
    expect(loadConfig(file).settings.maxretry).toBe(2);
  });
});

describe('resolveConfigPath', () => {
  it('resolves relative paths against the config file folder', () => {
    expect(resolveConfigPath('/etc/portcullis/config.toml', 'logs/app.log')).toBe('/etc/portcullis/logs/app.log');
    expect(resolveConfigPath('/etc/portcullis/config.toml', '../x.log')).toBe('/etc/x.log');
  });
  it('keeps absolute paths', () => {
    expect(resolveConfigPath('/etc/portcullis/config.toml', '/var/log/auth.log')).toBe('/var/log/auth.log');
  });
});
