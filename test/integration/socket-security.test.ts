import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ControlClient } from '../../src/control/index.js';
import { CLI, cli, ensureCliBuilt, ROOT, run } from '../helpers/cli.js';
import { dryRunBans, safePaths, safeSections } from '../helpers/safe-config.js';
import { makeTempDir, type TempDir } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait.js';

const isRoot = process.getuid?.() === 0;
const NOBODY = 65534; // nobody:nogroup on Debian

let tmp: TempDir;
let daemon: ChildProcess | null = null;
let stderr = '';

beforeAll(ensureCliBuilt, 200_000);
afterEach(async () => {
  if (daemon && daemon.exitCode === null && daemon.signalCode === null) {
    daemon.kill('SIGKILL');
    await new Promise((resolve) => daemon!.once('exit', resolve));
  }
  daemon = null;
  tmp?.remove();
});

function writeConfig(daemonLines: string[] = []): string {
  tmp = makeTempDir('portcullis-sec-');
  // Other users must be able to reach the config and the socket's folder for these tests.
  chmodSync(tmp.dir, 0o711);
  const text = ['[settings]', 'maxretry = 2', safeSections(tmp.dir), ...daemonLines, ''].join('\n');
  const file = tmp.write('config.toml', text);
  chmodSync(file, 0o644);
  return file;
}

async function startDaemon(config: string): Promise<string> {
  stderr = '';
  daemon = spawn(process.execPath, [CLI, '--daemon', '--config', config], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  daemon.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  await waitFor(() => stderr.includes('Listening on') || daemon!.exitCode !== null, 'the daemon to listen', 30_000, 20);
  if (daemon.exitCode !== null) throw new Error(`daemon exited: ${stderr}`);
  return safePaths(tmp.dir).socket;
}

/** One request line sent on a raw connection as another user; the first line back, or the connect error. */
function firstLineAs(socket: string, uid: number, gid: number): Promise<string> {
  const script = `
    const s = require('net').createConnection(${JSON.stringify(socket)});
    let text = '';
    s.on('connect', () => s.write('{"id":1,"command":"status"}\\n'));
    s.on('data', (d) => { text += d; if (text.includes('\\n')) { console.log(text.split('\\n')[0]); process.exit(0); } });
    s.on('error', (e) => { console.log('error ' + e.code); process.exit(0); });`;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['-e', script], { uid, gid, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.once('exit', () => resolve(out.trim()));
  });
}

describe('the daemon\'s control socket and state, as started from the CLI', () => {
  it('socket 0600 in a 0700 folder, state folder 0700 and every state file 0600', async () => {
    const config = writeConfig();
    const socket = await startDaemon(config);
    expect(statSync(socket).mode & 0o777).toBe(0o600);
    expect(statSync(path.dirname(socket)).mode & 0o777).toBe(0o700);
    const ban = await cli('ban', '198.18.90.1', '--config', config);
    expect(ban.code, ban.stderr).toBe(0);
    const { stateDir } = safePaths(tmp.dir);
    expect(statSync(stateDir).mode & 0o777).toBe(0o700);
    const files = readdirSync(stateDir);
    expect(files).toContain('portcullis.lock');
    expect(files).toContain('dry-run-firewall.json');
    for (const file of files) expect(statSync(path.join(stateDir, file)).mode & 0o777, file).toBe(0o600);
    // The lock names the daemon by pid and start time, not by pid alone.
    expect(JSON.parse(readFileSync(path.join(stateDir, 'portcullis.lock'), 'utf8'))).toMatchObject({ pid: daemon!.pid, startTime: expect.any(String) });
  }, 60_000);

  it.skipIf(!isRoot)('another user is refused by the peer check even through a socket opened to everyone', async () => {
    const config = writeConfig();
    const socket = await startDaemon(config);
    chmodSync(path.dirname(socket), 0o755);
    chmodSync(socket, 0o666);
    const refused = await run(process.execPath, [CLI, 'status', '--config', config], 30_000);
    expect(refused.code, refused.stderr).toBe(0); // root still is served
    const line = JSON.parse(await firstLineAs(socket, NOBODY, NOBODY)) as { ok: boolean; error: string };
    expect(line.ok).toBe(false);
    expect(line.error).toMatch(/^permission denied: uid 65534 \(pid \d+\) may not use the control socket$/);
    await waitFor(() => stderr.includes('Control socket: refused a connection: permission denied: uid 65534'), 'the refusal in the engine log');
    // The real client, run as that user, reports it and fails.
    const asNobody = await new Promise<{ code: number | null; err: string }>((resolve) => {
      const child = spawn(process.execPath, [CLI, 'status', '--socket', socket, '--config', config], { cwd: ROOT, uid: NOBODY, gid: NOBODY, stdio: ['ignore', 'ignore', 'pipe'] });
      let err = '';
      child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
      child.once('exit', (code) => resolve({ code, err }));
    });
    expect(asNobody.code).not.toBe(0);
    expect(asNobody.err).toContain('permission denied: uid 65534');
  }, 60_000);

  it.skipIf(!isRoot)('socket_group: the socket is 0660 and the group\'s, its members are served, others do not reach it', async () => {
    const config = writeConfig(['socket_group = "nogroup"']);
    const socket = await startDaemon(config);
    expect(statSync(socket).mode & 0o777).toBe(0o660);
    expect(statSync(socket).gid).toBe(NOBODY);
    expect(statSync(path.dirname(socket)).mode & 0o777).toBe(0o750);
    expect(JSON.parse(await firstLineAs(socket, NOBODY, NOBODY))).toMatchObject({ id: 1, ok: true, result: { backend: 'dry-run' } });
    expect(await firstLineAs(socket, NOBODY, 4)).toBe('error EACCES');
  }, 60_000);

  it('an unknown socket_group stops the daemon with the key named; a malformed one is a config error', async () => {
    const config = writeConfig(['socket_group = "no-such-group-pc"']);
    const started = await cli('--daemon', '--config', config);
    expect(started.code).toBe(1);
    expect(started.stderr).toContain('[daemon] socket_group = "no-such-group-pc": no such group on this system');
    writeFileSync(config, readFileSync(config, 'utf8').replace('no-such-group-pc', 'adm; rm -rf'));
    const bad = await cli('status', '--json', '--config', config);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('socket_group');
  }, 60_000);

  it('a read-only client cannot change state through the daemon', async () => {
    const config = writeConfig();
    const socket = await startDaemon(config);
    const viewer = await ControlClient.connect(socket, 5000, { readOnly: true });
    try {
      await expect(viewer.request({ command: 'ban', ip: '198.18.91.1' })).rejects.toThrow('read-only connection: "ban" changes state and is refused');
      await expect(viewer.request({ command: 'trust', action: 'add', range: '198.18.0.0/15' })).rejects.toThrow('changes state');
      await expect(viewer.request({ command: 'status' })).resolves.toMatchObject({ backend: 'dry-run' });
      expect(dryRunBans(safePaths(tmp.dir).stateDir)).toEqual([]);
      const bans = JSON.parse((await cli('bans', '--json', '--config', config)).stdout) as unknown[];
      expect(bans).toEqual([]);
    } finally {
      await viewer.close();
    }
  }, 60_000);

  it('garbage, a 10 MiB request and 1,000 connections at once: clear errors, and the daemon keeps serving', async () => {
    const config = writeConfig();
    const socket = await startDaemon(config);
    // Garbage: binary noise with newlines in it, then a valid request on the same connection.
    const garbage = await exchange(socket, Buffer.concat([Buffer.from([0, 0xff, 0xfe, 0x1b, 0x5b, 0x0a]), Buffer.from('{"id":'), Buffer.from('\n{"id":7,"command":"status"}\n')]), 3);
    expect(garbage[0]).toMatchObject({ id: null, ok: false, error: expect.stringContaining('invalid JSON') });
    expect(garbage[1]).toMatchObject({ id: null, ok: false, error: expect.stringContaining('invalid JSON') });
    expect(garbage[2]).toMatchObject({ id: 7, ok: true });
    // 10 MiB on one line: refused once it passes 1 MiB, and the connection closed.
    const huge = await exchange(socket, Buffer.alloc(10 * 1024 * 1024, 0x61), 1);
    expect(huge[0]).toEqual({ id: null, ok: false, error: 'request line longer than 1048576 bytes: closing the connection' });
    // 1,000 at once: each is answered or told there are too many, none is left hanging.
    const answers = await Promise.all(Array.from({ length: 1000 }, () => exchange(socket, Buffer.from('{"id":1,"command":"status"}\n'), 1).catch((err: Error) => [{ connectError: err.message }])));
    const served = answers.filter((a) => (a[0] as { ok?: boolean }).ok === true).length;
    const tooMany = answers.filter((a) => String((a[0] as { error?: string }).error).startsWith('too many connections')).length;
    expect(served).toBeGreaterThan(0);
    expect(served + tooMany, JSON.stringify(answers.find((a) => (a[0] as { ok?: boolean }).ok !== true && !String((a[0] as { error?: string }).error).startsWith('too many')))).toBe(1000);
    const after = await cli('status', '--json', '--config', config);
    expect(after.code, after.stderr).toBe(0);
    expect(daemon!.exitCode).toBeNull();
  }, 120_000);
});

/** Sends `data` on a new connection and collects `lines` JSON lines (fewer if the server hangs up). */
function exchange(socket: string, data: Buffer, lines: number): Promise<Array<Record<string, unknown>>> {
  return new Promise((resolve, reject) => {
    const conn = createConnection(socket);
    const got: Array<Record<string, unknown>> = [];
    let text = '';
    const done = (): void => {
      conn.destroy();
      resolve(got);
    };
    conn.on('connect', () => conn.write(data));
    conn.setEncoding('utf8');
    conn.on('data', (chunk: string) => {
      text += chunk;
      let at: number;
      while ((at = text.indexOf('\n')) !== -1 && got.length < lines) {
        got.push(JSON.parse(text.slice(0, at)) as Record<string, unknown>);
        text = text.slice(at + 1);
      }
      if (got.length >= lines) done();
    });
    conn.on('error', (err) => (got.length > 0 ? done() : reject(err)));
    conn.on('close', done);
  });
}
