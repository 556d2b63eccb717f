import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CLI, cli, ensureCliBuilt, ROOT, type RunResult } from '../helpers/cli.js';
import { dryRunBans, safePaths, safeSections } from '../helpers/safe-config.js';
import { makeTempDir, type TempDir } from '../helpers/temp-dir.js';
import { sleep } from '../helpers/wait.js';

// fail2ban's own files come from the installed package, copied at test time; never committed.
const STOCK = '/etc/fail2ban';

/** An sshd line as Debian's rsyslog writes it to auth.log (high-precision date), dated `ago` ms back. */
function sshdLine(text: string, pid: number, ago = 5_000): string {
  const date = new Date(Date.now() - ago).toISOString().replace('Z', '000+00:00');
  return `${date} web1 sshd[${pid}]: ${text}\n`;
}

describe.skipIf(!existsSync(path.join(STOCK, 'jail.conf')))('the daemon on an imported stock Debian install', () => {
  let tmp: TempDir;
  let daemon: ChildProcess | null = null;
  let stderr = '';
  beforeEach(() => {
    tmp = makeTempDir('portcullis-h31-imported-');
  });
  afterEach(async () => {
    if (daemon && daemon.exitCode === null) {
      daemon.kill('SIGKILL');
      await new Promise((resolve) => daemon!.once('exit', resolve));
    }
    daemon = null;
    tmp.remove();
  });

  async function waitFor(check: () => boolean | Promise<boolean>, what: string, ms = 60_000): Promise<void> {
    const until = Date.now() + ms;
    while (!(await check())) {
      if (Date.now() > until) throw new Error(`timed out waiting for ${what}; daemon stderr:\n${stderr.slice(-3000)}`);
      await sleep(100);
    }
  }

  it('runs the sshd jail unchanged, on fail2ban\'s own sshd.conf, and bans from real sshd lines appended to its log', async () => {
    await ensureCliBuilt();
    const f2b = path.join(tmp.dir, 'fail2ban');
    cpSync(STOCK, f2b, { recursive: true });
    // The package's jail.d/defaults-debian.conf enables sshd; the operator's jail.local only
    // points it at a log this test writes.
    const authLog = tmp.write('auth.log', '');
    writeFileSync(path.join(f2b, 'jail.local'), `[sshd]\nlogpath = ${authLog}\n`);
    const configFile = path.join(f2b, 'portcullis.toml');
    const imported = await cli('import-fail2ban', f2b, '--out', configFile);
    expect(imported.code, imported.stderr).toBe(0);
    const text = readFileSync(configFile, 'utf8');
    const stockSshd = path.join(f2b, 'filter.d', 'sshd.conf');
    expect(text).toContain(`filter = ${JSON.stringify(stockSshd)}\nfilter_options = { "mode" = "normal" }\n`);
    // The imported file is left as written: the test's own paths and the dry-run firewall come
    // from an overlay beside it, which the daemon merges over it.
    tmp.write('fail2ban/config.d/00-test.toml', safeSections(tmp.dir));
    const c = (...args: string[]): Promise<RunResult> => cli(...args, '--config', configFile);

    stderr = '';
    daemon = spawn(process.execPath, [CLI, '--daemon', '--config', configFile], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    daemon.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    await waitFor(() => stderr.includes('Listening on'), 'the daemon to listen');
    // The jail follows the log from its end (the config says nothing else): lines are appended once it reads it.
    await waitFor(async () => {
      const status = await c('status', '--json');
      if (status.code !== 0) return false;
      const sshd = (JSON.parse(status.stdout) as { jails: { name: string; sources: unknown[] }[] }).jails.find((j) => j.name === 'sshd');
      return (sshd?.sources.length ?? 0) > 0;
    }, 'the sshd jail to read its log');
    expect(readFileSync(configFile, 'utf8')).toBe(text);

    // jail.conf's maxretry = 5, mode normal: five of these from one address within findtime ban it.
    const lines = [
      sshdLine('Failed password for invalid user admin from 198.18.31.7 port 50412 ssh2', 4101),
      sshdLine('Failed password for root from 198.18.31.7 port 50413 ssh2', 4102),
      sshdLine('Invalid user oracle from 198.18.31.7 port 50414', 4103),
      sshdLine('Failed password for root from 198.18.31.7 port 50415 ssh2', 4104),
      // Another address once: counted, not banned.
      sshdLine('Failed password for root from 2001:db8:31::9 port 50416 ssh2', 4105),
    ];
    appendFileSync(authLog, lines.join(''));
    await waitFor(async () => {
      const status = JSON.parse((await c('status', '--json')).stdout) as { jails: { name: string; failures: number }[] };
      return status.jails.find((j) => j.name === 'sshd')?.failures === 5;
    }, 'five failures counted');
    expect(JSON.parse((await c('bans', '--json')).stdout)).toEqual([]);
    appendFileSync(authLog, sshdLine('Failed password for invalid user test from 198.18.31.7 port 50417 ssh2', 4106));
    await waitFor(async () => (JSON.parse((await c('bans', '--json')).stdout) as { ip: string }[]).length === 1, 'the ban');
    const bans = JSON.parse((await c('bans', '--json')).stdout) as { ip: string; jail: string }[];
    expect(bans).toMatchObject([{ ip: '198.18.31.7', jail: 'sshd' }]);
    await waitFor(() => dryRunBans(safePaths(tmp.dir).stateDir).includes('198.18.31.7'), 'the ban in the firewall');
    expect(dryRunBans(safePaths(tmp.dir).stateDir)).toEqual(['198.18.31.7']);

    daemon.kill('SIGTERM');
    const code = await new Promise<number | null>((resolve) => (daemon!.exitCode !== null ? resolve(daemon!.exitCode) : daemon!.once('exit', resolve)));
    expect(code).toBe(0);
  }, 180_000);
});
