import { appendFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, ensureCliBuilt } from '../helpers/cli.js';
import { killDaemon, startDaemon, type DaemonProcess } from '../helpers/daemon-process.js';
import { safePaths, safeSections } from '../helpers/safe-config.js';
import { makeTempDir, type TempDir } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait.js';

/** fail2ban-client's `status [JAIL]` and `set JAIL banip|unbanip`, against a real daemon with a dry-run firewall. */

let tmp: TempDir;
let daemon: DaemonProcess | undefined;
let config: string;
let auth: string;

/** A syslog line of sshd's for a failed password from `ip`, stamped now (local time, as syslog writes it). */
function failedPassword(ip: string): string {
  const d = new Date();
  const month = d.toLocaleString('en-US', { month: 'short' });
  const time = [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
  return `${month} ${String(d.getDate()).padStart(2, ' ')} ${time} host sshd[4242]: Failed password for root from ${ip} port 50022 ssh2\n`;
}

beforeAll(async () => {
  await ensureCliBuilt();
  tmp = makeTempDir('portcullis-f2b-client-');
  auth = tmp.write('d/auth.log', '');
  config = tmp.write('d/config.toml', ['[jails.sshd]', 'filter = "sshd"', 'maxretry = 3', `logpath = [${JSON.stringify(auth)}]`, '',
    '[jails.nginx-http-auth]', 'enabled = false', 'filter = "nginx-http-auth"', `logpath = [${JSON.stringify(auth)}]`,
    safeSections(`${tmp.dir}/d`)].join('\n'));
  daemon = await startDaemon(config, safePaths(`${tmp.dir}/d`).logFile);
}, 180_000);
afterAll(async () => {
  if (daemon) await killDaemon(daemon);
  tmp?.remove();
});

type JailJson = { name: string; currentlyFailed: number; totalFailed: number; fileList: string[]; currentlyBanned: number; totalBanned: number; bannedIps: string[] };
const jailJson = async (name: string): Promise<JailJson> => {
  const r = await cli('status', name, '--json', '--config', config);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as JailJson;
};

describe('fail2ban-client habits', () => {
  it('status without a jail adds the jail count and list', async () => {
    const r = await cli('status', '--config', config);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('|- Number of jail:\t1\n');
    expect(r.stdout).toContain('`- Jail list:\tsshd\n');
  });

  it('status JAIL after a failure and a ban from the log shows the counts and the banned list', async () => {
    appendFileSync(auth, failedPassword('198.18.40.1'));
    await waitFor(async () => (await jailJson('sshd')).totalFailed >= 1, 'a failure counted', 30_000, 50);
    appendFileSync(auth, failedPassword('198.18.40.2').repeat(3));
    await waitFor(async () => (await jailJson('sshd')).currentlyBanned >= 1, 'a ban from the log', 30_000, 50);

    const r = await cli('status', 'sshd', '--config', config);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe([
      'Status for the jail: sshd',
      '|- Filter',
      '|  |- Currently failed:\t1',
      '|  |- Total failed:\t4',
      `|  \`- File list:\t${auth}`,
      '`- Actions',
      '   |- Currently banned:\t1',
      '   |- Total banned:\t1',
      '   `- Banned IP list:\t198.18.40.2',
      '',
    ].join('\n'));
    const json = await jailJson('sshd');
    expect(json).toMatchObject({ name: 'sshd', currentlyFailed: 1, totalFailed: 4, fileList: [auth], currentlyBanned: 1, totalBanned: 1, bannedIps: ['198.18.40.2'] });
  });

  it('status of an unknown jail exits 1 and suggests the closest name', async () => {
    const r = await cli('status', 'sshdd', '--config', config);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("no jail named 'sshdd'");
    expect(r.stderr).toContain("did you mean 'sshd'?");
  });

  it('set JAIL banip bans each address in that jail, 1 per success, errors named, non-zero when any fails', async () => {
    const r = await cli('set', 'sshd', 'banip', '198.18.41.1', '198.18.41.2', 'not-an-ip', '--config', config);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('1\n1\n');
    expect(r.stderr).toContain('not-an-ip');
    expect((await jailJson('sshd')).bannedIps).toEqual(expect.arrayContaining(['198.18.41.1', '198.18.41.2']));

    const ok = await cli('set', 'sshd', 'banip', '198.18.41.3', '--config', config);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toBe('1\n');
  });

  it('set JAIL unbanip lifts the bans; an address not banned is named and fails the command', async () => {
    const r = await cli('set', 'sshd', 'unbanip', '198.18.41.1', '198.18.41.2', '--config', config);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('1\n1\n');
    const after = await jailJson('sshd');
    expect(after.bannedIps).not.toContain('198.18.41.1');
    expect(after.bannedIps).toContain('198.18.41.3');

    const again = await cli('set', 'sshd', 'unbanip', '198.18.41.1', '--config', config);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('198.18.41.1');
  });

  it('set with an unknown action or jail is refused with a clear error', async () => {
    const bad = await cli('set', 'sshd', 'bantime', '10', '--config', config);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('banip or unbanip');
    const nojail = await cli('set', 'sshdd', 'banip', '198.18.41.9', '--config', config);
    expect(nojail.code).toBe(1);
    expect(nojail.stderr).toContain('sshdd');
  });
});

describe("regex takes fail2ban-regex's argument forms", () => {
  type Out = { failures: { line: number; host: string }[]; lines: number; matched: number };
  const json = (stdout: string): Out => JSON.parse(stdout) as Out;
  const line = 'Dec  5 10:00:00 host sshd[1]: Failed password for root from 198.18.42.7 port 50022 ssh2';

  it('a single log line (not a file) with a filter name', async () => {
    const r = await cli('regex', line, 'sshd', '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(json(r.stdout)).toMatchObject({ lines: 1, matched: 1, failures: [{ line: 1, host: '198.18.42.7' }] });
  });

  it('a log file with a regex string holding <HOST>', async () => {
    const log = tmp.write('regex/auth.log', `${line}\nDec  5 10:00:01 host sshd[1]: Accepted publickey for me from 198.18.42.8 port 1 ssh2\n`);
    const r = await cli('regex', log, 'Failed password for \\S+ from <HOST>', '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(json(r.stdout)).toMatchObject({ lines: 2, matched: 1, failures: [{ line: 1, host: '198.18.42.7' }] });
  });

  it('a single line with the path of a filter file', async () => {
    const conf = tmp.write('regex/mine.conf', '[Definition]\nfailregex = ^.* sshd\\[\\d+\\]: Failed \\S+ for \\S+ from <HOST>\n');
    const r = await cli('regex', line, conf, '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(json(r.stdout).matched).toBe(1);
    const miss = await cli('regex', 'Dec  5 10:00:00 host sshd[1]: Accepted password for root from 198.18.42.7', conf, '--json');
    expect(json(miss.stdout).matched).toBe(0);
  });

  it('a filter name that exists nowhere is a clear error', async () => {
    const r = await cli('regex', line, 'no-such-filter');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('no-such-filter');
    expect(r.stderr).not.toContain('    at ');
  });
});

describe('regex keeps a mistyped path an error', () => {
  it('a word without spaces that is not a file is reported as no such file', async () => {
    const r = await cli('regex', `${tmp.dir}/not-there.log`, 'sshd');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/no such file/i);
  });
});
