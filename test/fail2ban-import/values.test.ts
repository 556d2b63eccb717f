import { cpSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { importFail2ban, readBool, readOptions, readSeconds } from '../../src/fail2ban-import/index.js';
import { makeTempDir, type TempDir } from '../helpers/temp-dir.js';

describe('fail2ban values', () => {
  it('reads times in seconds and in unit forms', () => {
    expect(readSeconds('600', false)).toBe(600);
    expect(readSeconds('10m', false)).toBe(600);
    expect(readSeconds('1h 30m', false)).toBe(5400);
    expect(readSeconds('1d', false)).toBe(86400);
    expect(readSeconds('1w', false)).toBe(604800);
    expect(readSeconds('2.5h', false)).toBe(9000);
    expect(readSeconds('5 minutes', false)).toBe(300);
    expect(readSeconds('-1', true)).toBe(-1);
    expect(readSeconds('-1', false)).toBeUndefined();
    expect(readSeconds('soon', false)).toBeUndefined();
    expect(readSeconds('0', false)).toBeUndefined();
  });

  it('reads a filter\'s [key=value, ...] options, bare or quoted', () => {
    expect(readOptions('mode=aggressive')).toEqual({ mode: 'aggressive' });
    expect(readOptions(' mode = extra , knocking_url="/a, b" ')).toEqual({ mode: 'extra', knocking_url: '/a, b' });
    expect(readOptions("logtype='file'")).toEqual({ logtype: 'file' });
    expect(readOptions('')).toEqual({});
    expect(readOptions('mode')).toBeNull();
    expect(readOptions('a=b c="d"')).toBeNull();
  });

  it('reads booleans as fail2ban does', () => {
    expect(['true', 'Yes', 'on', '1'].map(readBool)).toEqual([true, true, true, true]);
    expect(['false', 'no', 'OFF', '0'].map(readBool)).toEqual([false, false, false, false]);
    expect(readBool('maybe')).toBeUndefined();
  });
});

describe.skipIf(!existsSync('/etc/fail2ban/jail.conf'))('fail2ban file order', () => {
  let tmp: TempDir | undefined;
  afterEach(() => tmp?.remove());

  it('applies jail.conf, jail.d/*.conf, jail.local, jail.d/*.local, the last one winning', () => {
    tmp = makeTempDir('portcullis-h21-order-');
    const f2b = path.join(tmp.dir, 'fail2ban');
    cpSync('/etc/fail2ban', f2b, { recursive: true });
    mkdirSync(path.join(f2b, 'jail.d'), { recursive: true });
    writeFileSync(path.join(f2b, 'jail.d', 'zz.conf'), '[sshd]\nmaxretry = 8\nfindtime = 1h\n');
    writeFileSync(path.join(f2b, 'jail.local'), '[sshd]\nmaxretry = 7\n');
    writeFileSync(path.join(f2b, 'jail.d', 'aa.local'), '[sshd]\nbantime = 1d\n');
    const result = importFail2ban(f2b);
    expect(result.files.map((f) => path.relative(f2b, f))).toEqual([
      'paths-common.conf', 'paths-debian.conf', 'jail.conf', 'jail.d/defaults-debian.conf', 'jail.d/zz.conf', 'jail.local', 'jail.d/aa.local',
    ]);
    expect(result.jails[0]).toMatchObject({ name: 'sshd', maxretry: 7, findtime: 3600, bantime: 86400 });
  });
});
