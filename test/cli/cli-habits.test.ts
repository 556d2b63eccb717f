import { readFileSync } from 'node:fs';
import { parse } from 'smol-toml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, cli, ensureCliBuilt, run, type RunResult } from '../helpers/cli.js';
import { engineLogOf, killDaemon, startDaemon, type DaemonProcess } from '../helpers/daemon-process.js';
import { safePaths, safeSections } from '../helpers/safe-config.js';
import { makeTempDir, type TempDir } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait.js';

/** The habits a fail2ban administrator brings to the command line, and what they get. */

let tmp: TempDir;

beforeAll(async () => {
  await ensureCliBuilt();
  tmp = makeTempDir('portcullis-cli-habits-');
}, 180_000);
afterAll(() => tmp?.remove());

/** A config in its own folder `name`: the given jail lines, then the safe sections (dry-run firewall, own paths). */
function writeConfig(name: string, body: string[]): string {
  return tmp.write(`${name}/config.toml`, [...body, safeSections(`${tmp.dir}/${name}`)].join('\n'));
}
/** The 1-based line of the first line of `file` that holds `text`. */
const lineOf = (text: string, body: string[]): number => body.findIndex((l) => l.includes(text)) + 1;

describe('verbs and checks', () => {
  it('a mistyped verb exits non-zero and suggests the verb meant', async () => {
    const result = await cli('stauts');
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain("unknown command 'stauts'");
    expect(result.stderr).toContain("did you mean 'status'?");
  });

  it('check --config on a good config exits 0', async () => {
    const auth = tmp.write('good/auth.log', '');
    const config = writeConfig('good', ['[jails.sshd]', 'filter = "sshd"', `logpath = [${JSON.stringify(auth)}]`]);
    const result = await cli('check', '--config', config);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`${config}: OK: 1 jail, every filter compiled\n`);
  });

  it('check names the file, line and key of a jail whose filter does not exist, and exits 1', async () => {
    const auth = tmp.write('nofilter/auth.log', '');
    const body = ['[jails.sshd]', 'filter = "sshd"', `logpath = [${JSON.stringify(auth)}]`, '', '[jails.web]', 'enabled = false',
      'filter = "no-such-filter"', `logpath = [${JSON.stringify(auth)}]`];
    const config = writeConfig('nofilter', body);
    const result = await cli('check', '--config', config);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`error: ${config}:${lineOf('no-such-filter', body)}: jails.web.filter: `);
    expect(result.stderr).toContain('no-such-filter');
    expect(result.stdout).toBe('');
  });

  it('check warns of a log path that does not exist and still exits 0', async () => {
    const missing = `${tmp.dir}/nolog/not-there.log`;
    const body = ['[jails.sshd]', 'filter = "sshd"', `logpath = [${JSON.stringify(missing)}]`];
    const config = writeConfig('nolog', body);
    const result = await cli('check', '--config', config);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain(`warning: ${config}:${lineOf('not-there.log', body)}: jails.sshd.logpath: no such file: ${missing}`);
    expect(result.stdout).toContain(': OK: 1 jail');
  });

  it('--daemon with a jail whose filter is missing exits non-zero naming file, line and key', async () => {
    const auth = tmp.write('daemon-nofilter/auth.log', '');
    const body = ['[jails.web]', 'filter = "no-such-filter"', `logpath = [${JSON.stringify(auth)}]`];
    const config = writeConfig('daemon-nofilter', body);
    // Bounded: a daemon that starts anyway is killed by the timeout, and the test fails.
    const result = await run(process.execPath, [CLI, '--daemon', '--config', config], 30_000);
    expect(result.code).not.toBe(0);
    expect(result.code).not.toBe(-1);
    expect(result.stderr).toContain(`${config}:${lineOf('no-such-filter', body)}: jails.web.filter`);
  });

  it('bans prints local time to the second and bans --json ISO UTC', async () => {
    const config = writeConfig('times', ['[settings]', 'bantime = "1h"']);
    const inIndia = (...args: string[]): Promise<RunResult> => run(process.execPath, [CLI, ...args, '--config', config], 60_000, { TZ: 'Asia/Kolkata' });
    const banned = await inIndia('ban', '198.18.5.5');
    expect(banned.code, banned.stderr).toBe(0);
    const json = await inIndia('bans', '--json');
    const [ban] = JSON.parse(json.stdout) as Array<{ ip: string; bannedAt: string; expiresAt: string }>;
    expect(ban!.bannedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(ban!.expiresAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    // India is 5h30 ahead of UTC all year: the table shows the ban's time there, not UTC.
    const local = new Date(Date.parse(ban!.bannedAt) + 5.5 * 3600_000).toISOString().slice(0, 19).replace('T', ' ');
    const text = await inIndia('bans');
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(new RegExp(`^198\\.18\\.5\\.5 +manual +${local} +\\S+ left +ban #1\\n$`));
  });

  it('trust list labels where each range comes from', async () => {
    const config = writeConfig('trust', ['[trusted]', 'ranges = ["198.19.7.0/24"]']);
    const added = await cli('trust', 'add', '198.18.6.0/24', '--config', config);
    expect(added.code, added.stderr).toBe(0);
    const list = await cli('trust', 'list', '--config', config);
    expect(list.code).toBe(0);
    const rows = list.stdout.split('\n');
    expect(rows).toContainEqual(expect.stringMatching(/^127\.0\.0\.0\/8 +this host\b/));
    expect(rows).toContainEqual(expect.stringMatching(/^198\.19\.7\.0\/24 +config file\b/));
    expect(rows).toContainEqual(expect.stringMatching(/^198\.18\.6\.0\/24 +added at run time +added from the command line$/));
  });
});

describe('against a running daemon', () => {
  let daemon: DaemonProcess | undefined;
  let config: string;
  let logFile: string;

  beforeAll(async () => {
    const auth = tmp.write('daemon/auth.log', '');
    config = writeConfig('daemon', ['[jails.sshd]', 'filter = "sshd"', `logpath = [${JSON.stringify(auth)}]`, '',
      '[jails.nginx-http-auth]', 'enabled = false', 'filter = "nginx-http-auth"', `logpath = [${JSON.stringify(auth)}]`]);
    logFile = safePaths(`${tmp.dir}/daemon`).logFile;
    daemon = await startDaemon(config, logFile);
  }, 90_000);
  afterAll(async () => {
    if (daemon) await killDaemon(daemon);
  });

  const jails = async (): Promise<Record<string, boolean>> => {
    const r = await cli('jails', '--json', '--config', config);
    expect(r.code, r.stderr).toBe(0);
    return Object.fromEntries((JSON.parse(r.stdout) as Array<{ name: string; enabled: boolean }>).map((j) => [j.name, j.enabled]));
  };

  it('jail needs the daemon: with none answering it says so', async () => {
    const result = await cli('jail', 'sshd', 'off', '--config', config, '--socket', `${tmp.dir}/daemon/run/nobody.sock`);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('no portcullis daemon is listening');
  });

  it('its engine log says which backend and how many jails of all are enabled', () => {
    expect(engineLogOf(logFile, daemon!.pid)).toContain('INFO Starting: backend dry-run, 1 of 2 jails enabled');
  });

  it("logs prints the daemon's pid, not the client's", async () => {
    const result = await cli('logs', '--config', config);
    expect(result.code, result.stderr).toBe(0);
    const rows = result.stdout.trim().split('\n');
    expect(rows.some((l) => l.includes('Starting: backend dry-run'))).toBe(true);
    for (const row of rows) expect(row).toMatch(new RegExp(`^\\S+ portcullis\\[${daemon!.pid}\\]: `));
  });

  it('jail NAME on and jail disable NAME both reach the daemon and change the jail', async () => {
    expect(await jails()).toEqual({ sshd: true, 'nginx-http-auth': false });

    const on = await cli('jail', 'nginx-http-auth', 'on', '--config', config);
    expect(on.code, on.stderr).toBe(0);
    expect(on.stdout).toBe('jail nginx-http-auth enabled\n');
    await waitFor(async () => (await jails())['nginx-http-auth'] === true, 'nginx-http-auth to be on', 30_000, 50);

    const off = await cli('jail', 'disable', 'sshd', '--config', config);
    expect(off.code, off.stderr).toBe(0);
    expect(off.stdout).toBe('jail sshd disabled\n');
    await waitFor(async () => (await jails())['sshd'] === false, 'sshd to be off', 30_000, 50);

    // Kept in the overlay file, the administrator's own config left as written.
    const overlay = parse(readFileSync(`${tmp.dir}/daemon/config.d/console.toml`, 'utf8')) as { jails?: Record<string, { enabled?: boolean }> };
    expect(overlay.jails).toEqual({ 'nginx-http-auth': { enabled: true }, sshd: { enabled: false } });
    const log = engineLogOf(logFile, daemon!.pid);
    expect(log).toContain('NOTICE [nginx-http-auth] Jail enabled at run time');
    expect(log).toContain('NOTICE [sshd] Jail disabled at run time');
  });
});
