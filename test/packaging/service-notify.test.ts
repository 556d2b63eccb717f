import { spawn } from 'node:child_process';
import { closeSync, fstatSync, openSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ServiceReadiness } from '../../src/commands/service-readiness.js';
import { sdNotify } from '../../src/domain/sd-notify.js';
import { CLI, ensureCliBuilt, run, ROOT } from '../helpers/cli.js';
import { openNotifySocket, type NotifySocket } from '../helpers/notify-socket.js';
import { dryRunBans, safePaths, safeSections, sshdJail } from '../helpers/safe-config.js';
import { makeTempDir, type TempDir } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait.js';

let tmp: TempDir;
let notify: NotifySocket | null = null;
beforeEach(() => {
  tmp = makeTempDir('portcullis-h20-notify-');
});
afterEach(async () => {
  await notify?.close();
  notify = null;
  tmp.remove();
});

describe('sdNotify through a real notify socket', () => {
  it('delivers the assignments as one datagram, one per line, control characters made spaces', async () => {
    notify = await openNotifySocket(tmp.dir);
    const result = await sdNotify({ READY: '1', STATUS: '3 bans\nin force' }, { env: { ...process.env, NOTIFY_SOCKET: notify.path } });
    expect(result).toEqual({ sent: true });
    const message = await notify.waitFor((m) => m.text.includes('READY=1'), 'READY=1');
    expect(message.text.split('\n')).toContain('READY=1');
    expect(message.text.split('\n')).toContain('STATUS=3 bans in force');
  });

  it('sends nothing without NOTIFY_SOCKET, and reports a sender that cannot run', async () => {
    const env = { ...process.env };
    delete env['NOTIFY_SOCKET'];
    expect(await sdNotify({ READY: '1' }, { env })).toEqual({ sent: false, reason: 'no-socket' });
    notify = await openNotifySocket(tmp.dir);
    const missing = await sdNotify({ READY: '1' }, { env: { ...env, NOTIFY_SOCKET: notify.path }, command: path.join(tmp.dir, 'no-such-notify') });
    expect(missing).toMatchObject({ sent: false, reason: 'failed' });
    // Nothing arrives in the meantime: a real message sent afterwards is the first one.
    await sdNotify({ STATUS: 'after' }, { env: { ...env, NOTIFY_SOCKET: notify.path } });
    await notify.waitFor((m) => m.text.includes('STATUS=after'), 'STATUS=after');
    expect(notify.messages.map((m) => m.text).filter((t) => t.includes('READY=1'))).toEqual([]);
  });
});

describe('ServiceReadiness', () => {
  it('sends READY=1 with the counts, then a status line only when the ban count changed, then STOPPING=1', async () => {
    notify = await openNotifySocket(tmp.dir);
    const counts = { banned: 0, jailsRunning: 2 };
    const readiness = new ServiceReadiness(() => counts, { env: { ...process.env, NOTIFY_SOCKET: notify.path }, refreshMs: 50 });
    expect(await readiness.ready()).toEqual({ sent: true });
    // systemd-notify follows each message with BARRIER=1 and waits until it is taken.
    const sent = (): string[] => notify!.messages.map((m) => m.text).filter((t) => t !== 'BARRIER=1');
    expect(sent()).toEqual(['READY=1\nSTATUS=0 bans in force, 2 jails running']);
    counts.banned = 1;
    await notify.waitFor((m) => m.text === 'STATUS=1 ban in force, 2 jails running', 'the refreshed status');
    counts.banned = 3;
    await notify.waitFor((m) => m.text === 'STATUS=3 bans in force, 2 jails running', 'the next status');
    await readiness.stopping();
    const texts = sent();
    expect(texts[texts.length - 1]).toBe('STOPPING=1\nSTATUS=stopping; bans stay in place');
    // One line per change, not one per refresh period.
    expect(texts.filter((t) => t.startsWith('STATUS=1 '))).toHaveLength(1);
  });
});

describe('the daemon under a service manager', () => {
  beforeAll(async () => {
    await ensureCliBuilt();
  }, 180_000);

  it('reports READY=1 only with the stored bans back in the firewall, STATUS= with the count, journald lines, STOPPING=1', async () => {
    const { stateDir } = safePaths(tmp.dir);
    const authLog = tmp.write('auth.log', '');
    const config = tmp.write('config.toml', `${safeSections(tmp.dir)}${sshdJail(authLog)}`);
    const banned = await run(process.execPath, [CLI, 'ban', '198.18.7.1', '--time', '1h', '--config', config]);
    expect(banned.code, banned.stderr).toBe(0);
    // As after a reboot: the ban is stored, the firewall is empty.
    rmSync(path.join(stateDir, 'dry-run-firewall.json'));

    notify = await openNotifySocket(tmp.dir);
    const stderrFile = path.join(tmp.dir, 'stderr.txt');
    const stderrFd = openSync(stderrFile, 'w');
    const stat = fstatSync(stderrFd);
    const env = { ...process.env, NOTIFY_SOCKET: notify.path, JOURNAL_STREAM: `${stat.dev}:${stat.ino}` };
    const child = spawn(process.execPath, [CLI, '--daemon', '--config', config], { cwd: ROOT, env, stdio: ['ignore', 'ignore', stderrFd] });
    closeSync(stderrFd);
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const ready = await notify.waitFor((m) => m.text.split('\n').includes('READY=1'), 'READY=1', 60_000);
      // Ready means restored: the ban is in the firewall by the time systemd hears it.
      expect(dryRunBans(stateDir)).toContain('198.18.7.1');
      expect(ready.text.split('\n')).toContain('STATUS=1 ban in force, 1 jail running');
      const stderr = readFileSync(stderrFile, 'utf8');
      expect(stderr).toMatch(/^<6>INFO Starting: backend dry-run/m);
      expect(stderr).toMatch(/^<6>INFO \[sshd\] /m);
      expect(stderr).not.toMatch(/\d{4}-\d\d-\d\dT\d\d:/);
      // The engine log file keeps its own timestamps.
      expect(readFileSync(safePaths(tmp.dir).logFile, 'utf8')).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z portcullis\[\d+\]: INFO Starting/m);
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      await notify.waitFor((m) => m.text.split('\n').includes('STOPPING=1'), 'STOPPING=1');
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  }, 90_000);

  it('keeps timestamped lines when JOURNAL_STREAM names another stream', async () => {
    const config = tmp.write('config.toml', `${safeSections(tmp.dir)}${sshdJail(tmp.write('auth.log', ''))}`);
    const child = spawn(process.execPath, [CLI, '--daemon', '--config', config], { cwd: ROOT, env: { ...process.env, JOURNAL_STREAM: '1:1' }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      await waitFor(() => stderr.includes('Listening on'), 'the daemon to listen', 60_000);
      expect(stderr).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z portcullis\[\d+\]: INFO Starting/m);
      expect(stderr).not.toContain('<6>');
      child.kill('SIGTERM');
      const code = await exited;
      expect(code, `${child.signalCode} ${stderr}`).toBe(0);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  }, 90_000);

  it('exits 78 (EX_CONFIG) on a config error as a daemon; other commands keep exit 1', async () => {
    const config = tmp.write('config.toml', `${safeSections(tmp.dir)}[settings]\nmaxretry = "lots"\n`);
    const daemon = await run(process.execPath, [CLI, '--daemon', '--config', config], 30_000);
    expect(daemon.code).toBe(78);
    expect(daemon.stderr).toContain('maxretry');
    const bans = await run(process.execPath, [CLI, 'bans', '--config', config], 30_000);
    expect(bans.code).toBe(1);
    const filter = tmp.write('config2.toml', `${safeSections(tmp.dir)}${sshdJail(tmp.write('auth.log', ''))}filter = "no-such-filter"\n`.replace('filter = "sshd"\n', ''));
    const noFilter = await run(process.execPath, [CLI, '--daemon', '--config', filter], 30_000);
    expect(noFilter.stderr).toContain('no-such-filter');
    expect(noFilter.code).toBe(78);
  }, 90_000);
});
