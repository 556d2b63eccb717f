import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, cli, ensureCliBuilt, ROOT, run, type RunResult } from '../helpers/cli.js';
import { makeTempDir, type TempDir } from '../helpers/temp-dir.js';
import { dryRunBans, safePaths, safeSections } from '../helpers/safe-config.js';
import { sleep } from '../helpers/wait.js';

let tmp: TempDir;
let configFile: string;
let authLog: string;
let daemon: ChildProcess | null = null;
let stderr = '';

async function waitFor(check: () => boolean | Promise<boolean>, what: string, ms = 20_000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}; daemon stderr:\n${stderr.slice(-3000)}`);
    await sleep(100);
  }
}
const c = (...args: string[]): Promise<RunResult> => cli(...args, '--config', configFile);
const bans = async (): Promise<{ ip: string; count: number }[]> => JSON.parse((await c('bans', '--json')).stdout);
const failure = (ip: string, port: number) =>
  `${new Date(Date.now() - 30_000).toISOString()} web1 sshd[${port}]: Failed password for root from ${ip} port ${port} ssh2\n`;

function configText(enabled = true): string {
  return [
    '[settings]', `enabled = ${enabled}`, 'maxretry = 2', 'findtime = "10m"', 'bantime = "1h"',
    safeSections(tmp.dir),
    '[jails.sshd]', `logpath = [${JSON.stringify(authLog)}]`, 'start_at = "beginning"', '',
  ].join('\n');
}

function startDaemon(): ChildProcess {
  stderr = '';
  const child = spawn(process.execPath, [CLI, '--daemon', '--config', configFile], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr!.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  return child;
}
const exited = (child: ChildProcess): Promise<number | null> =>
  new Promise((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.once('exit', (code) => resolve(code))));

beforeAll(async () => {
  tmp = makeTempDir('portcullis-daemon-');
  authLog = tmp.write('auth.log', '');
  configFile = tmp.write('config.toml', configText());
  await ensureCliBuilt();
}, 200_000);
afterAll(async () => {
  if (daemon && daemon.exitCode === null) {
    daemon.kill('SIGKILL');
    await exited(daemon);
  }
  tmp?.remove();
});

describe('portcullis --daemon with its control socket (dry-run firewall)', () => {
  it('bans from the log, answers the client, survives a bad reload, stops cleanly, restores at restart', async () => {
    daemon = startDaemon();
    const socket = path.join(tmp.dir, 'run', 'portcullis.sock');
    await waitFor(() => existsSync(socket) && stderr.includes('Listening on'), 'the socket');
    expect(statSync(socket).mode & 0o777).toBe(0o600);
    expect(readFileSync(path.join(tmp.dir, 'run', 'portcullis.pid'), 'utf8').trim()).toBe(String(daemon.pid));

    // A second daemon on the same state refuses to start, and so does a direct change that
    // missed the daemon's socket.
    const second = await c('--daemon');
    expect(second.code).toBe(1);
    expect(second.stderr).toContain('another portcullis');
    const direct = await c('ban', '198.18.70.1', '--socket', path.join(tmp.dir, 'elsewhere.sock'));
    expect(direct.code).toBe(1);
    expect(direct.stderr).toContain('another portcullis');

    appendFileSync(authLog, failure('198.18.50.1', 1) + failure('198.18.50.1', 2) + failure('2001:db8:50::1', 3) + failure('2001:db8:50::1', 4));
    await waitFor(async () => (await bans()).length === 2, 'two bans');
    const status = JSON.parse((await c('status', '--json')).stdout);
    expect(status).toMatchObject({ backend: 'dry-run', banned: 2 });
    expect(status.jails[0]).toMatchObject({ name: 'sshd', failures: 4, bans: 2 });

    const unban = await c('unban', '198.18.50.1');
    expect(unban.code, unban.stderr).toBe(0);
    expect((await bans()).map((b) => b.ip)).toEqual(['2001:db8:50::1']);

    // A broken config on SIGHUP: reported, and the daemon keeps running with the old one.
    writeFileSync(configFile, `${configText()}\n[settings]\nbogus = 1\n`);
    daemon.kill('SIGHUP');
    await waitFor(() => stderr.includes('reload failed, the running configuration stays'), 'the reload error');
    // The client finds the socket in the config; with the config broken, it is named instead.
    const during = await c('status', '--json', '--socket', socket);
    expect(during.code, during.stderr).toBe(0);
    writeFileSync(configFile, configText());
    const reload = await c('reload');
    expect(reload.code, reload.stderr).toBe(0);

    // Detection off: bans leave the firewall but stay in the store; on again: back in the firewall.
    const firewallBans = (): string[] => dryRunBans(safePaths(tmp.dir).stateDir);
    writeFileSync(configFile, configText(false));
    expect((await c('reload')).code).toBe(0);
    await waitFor(() => firewallBans().length === 0, 'bans lifted from the firewall');
    expect((await bans()).map((b) => b.ip)).toEqual(['2001:db8:50::1']);
    writeFileSync(configFile, configText(true));
    expect((await c('reload')).code).toBe(0);
    await waitFor(() => firewallBans().length === 1, 'bans restored to the firewall');

    // Firewall rules through the daemon, which keeps the rollback timer.
    const apply = await run(process.execPath, [CLI, 'firewall', 'apply', '--config', configFile], 30_000, { SSH_CONNECTION: '' });
    expect(apply.code, apply.stderr).toBe(0);
    expect(apply.stdout).toContain('applied; confirm within 60 s');
    const shown = JSON.parse((await c('firewall', 'show', '--json')).stdout) as { pending: unknown };
    expect(shown.pending).not.toBeNull();
    expect((await c('firewall', 'confirm')).code).toBe(0);

    daemon.kill('SIGTERM');
    expect(await exited(daemon)).toBe(0);
    expect(existsSync(path.join(tmp.dir, 'state', 'portcullis.lock'))).toBe(false);
    expect(existsSync(socket)).toBe(false);

    // Restart: the ban is restored, and the log already read is not read again.
    daemon = startDaemon();
    await waitFor(() => stderr.includes('Listening on'), 'the restart');
    expect(stderr).toContain('Restored 1 bans');
    expect((await bans()).map((b) => b.ip)).toEqual(['2001:db8:50::1']);
    expect(dryRunBans(safePaths(tmp.dir).stateDir)).toEqual(['2001:db8:50::1']);
    expect(stderr).not.toContain('Found 198.18.50.1');
    daemon.kill('SIGTERM');
    expect(await exited(daemon)).toBe(0);
  }, 90_000);

  it('says clearly when no daemon listens', async () => {
    const status = await c('status');
    expect(status.code).toBe(1);
    expect(status.stderr).toContain('no portcullis daemon is listening on');
  });
});
