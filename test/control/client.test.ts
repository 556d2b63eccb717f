import { execFileSync, spawnSync } from 'node:child_process';
import { accessSync, chmodSync, constants, existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, expectTypeOf, it } from 'vitest';
import {
  ControlClient,
  ControlConnectError,
  ControlRequestError,
  ControlServer,
  daemonAnswers,
  InProcessControl,
} from '../../src/control/index.js';
import type { BanRecord } from '../../src/engine/types.js';
import { makeTempDir, type TempDir } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait.js';
import { fakeHandlers } from './helpers.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

let temp: TempDir;
let socketPath: string;
let server: ControlServer | null;

beforeEach(() => {
  temp = makeTempDir('portcullis-control-');
  socketPath = path.join(temp.dir, 'portcullis.sock');
  server = null;
});

afterEach(async () => {
  await server?.stop();
  temp.remove();
});

async function startServer(handlers = fakeHandlers()): Promise<ControlServer> {
  server = new ControlServer(socketPath, handlers);
  await server.start();
  return server;
}

/** Leaves a socket file that nothing listens on, as a killed daemon does. */
function staleSocket(at: string): void {
  const script = `require('net').createServer().listen(${JSON.stringify(at)},()=>process.kill(process.pid,'SIGKILL'))`;
  spawnSync(process.execPath, ['-e', script]);
}

describe('ControlClient: connecting', () => {
  it('says no daemon listens when there is no socket file', async () => {
    const failure = ControlClient.connect(socketPath);
    await expect(failure).rejects.toBeInstanceOf(ControlConnectError);
    await expect(failure).rejects.toThrow(`no portcullis daemon is listening on ${socketPath}`);
    await expect(daemonAnswers(socketPath)).resolves.toBe(false);
  });

  it('says the same for a stale socket file', async () => {
    staleSocket(socketPath);
    await expect(ControlClient.connect(socketPath)).rejects.toThrow(`no portcullis daemon is listening on ${socketPath}`);
    await expect(daemonAnswers(socketPath)).resolves.toBe(false);
  });

  it('daemonAnswers is true while a server runs, false after it stopped', async () => {
    const running = await startServer();
    await expect(daemonAnswers(socketPath)).resolves.toBe(true);
    await running.stop();
    await expect(daemonAnswers(socketPath)).resolves.toBe(false);
  });

  const nobodyCanRunNode = canRunAsNobody();
  it.skipIf(!nobodyCanRunNode)('tells a user without permission to run as root or as the daemon user', async () => {
    // The folder may be entered by anyone; the socket itself is 0600 root.
    chmodSync(temp.dir, 0o755);
    const scratch = path.join(temp.dir, 'tmp'); // tsx's cache, removed with the rest
    mkdirSync(scratch);
    chmodSync(scratch, 0o777);
    await startServer();
    const script = [
      `const { ControlClient, daemonAnswers } = await import(${JSON.stringify(path.join(ROOT, 'src/control/index.ts'))});`,
      `const p = ${JSON.stringify(socketPath)};`,
      'const out = {};',
      'try { await ControlClient.connect(p); out.connect = "connected"; } catch (e) { out.connect = e.message; }',
      'try { out.answers = await daemonAnswers(p); } catch (e) { out.answers = e.message; }',
      'console.log(JSON.stringify(out));',
    ].join('\n');
    const output = execFileSync(
      'setpriv',
      ['--reuid=nobody', '--regid=nogroup', '--clear-groups', process.execPath, '--import', 'tsx', '--input-type=module', '-e', script],
      { cwd: ROOT, encoding: 'utf8', env: { ...process.env, HOME: scratch, TMPDIR: scratch }, timeout: 20_000 },
    );
    const expected = `permission denied on ${socketPath}: run as root or as the daemon's user`;
    expect(JSON.parse(output.trim().split('\n').pop()!)).toEqual({ connect: expected, answers: expected });
  });
});

describe('ControlClient: requests', () => {
  it('resolves with the result and rejects with the daemon error message', async () => {
    await startServer();
    const client = await ControlClient.connect(socketPath);
    try {
      const record = await client.request({ command: 'ban', ip: '192.0.2.7', seconds: -1 });
      expect(record).toMatchObject({ ip: '192.0.2.7', expiresAt: null });
      expectTypeOf(record).toEqualTypeOf<BanRecord>();
      expectTypeOf<Awaited<ReturnType<typeof client.request<'unban'>>>>().toEqualTypeOf<{ unbanned: number }>();
      // Checked by tsc only, never sent:
      void (() => [
        // @ts-expect-error -- subscriptions go through subscribe()
        client.request({ command: 'subscribe' }),
        // @ts-expect-error -- a field the command does not have
        client.request({ command: 'status', verbose: true }),
      ]);
      await expect(client.request({ command: 'unban', ip: '192.0.2.7' })).resolves.toEqual({ unbanned: 1 });
      const refused = client.request({ command: 'ban', ip: '192.0.2.99' });
      await expect(refused).rejects.toBeInstanceOf(ControlRequestError);
      await expect(refused).rejects.toMatchObject({ command: 'ban', message: '192.0.2.99 is trusted (range 192.0.2.0/24), not banned' });
      // A bad field is caught by the daemon's checks and named.
      await expect(client.request({ command: 'ban', ip: 'example.org' })).rejects.toThrow('ban: "ip" must be an IP address or CIDR range, got "example.org"');
      await expect(client.request({ command: 'trust', action: 'list' })).resolves.toEqual({ action: 'list', ranges: [] });
      // Too long to send: refused here, and the connection stays up.
      await expect(client.request({ command: 'trust', action: 'add', range: '198.51.100.1', note: 'x'.repeat(1024 * 1024) })).rejects.toThrow(
        'trust: request longer than 1048576 bytes, not sent',
      );
      await expect(client.request({ command: 'bans' })).resolves.toEqual([]);
    } finally {
      await client.close();
    }
  });

  it('rejects waiting requests and reports the close when the daemon goes away', async () => {
    let release!: () => void;
    const running = await startServer(fakeHandlers({ reload: () => new Promise((resolve) => (release = () => resolve({ message: 'late' }))) }));
    const client = await ControlClient.connect(socketPath);
    const closed = new Promise<Error | null>((resolve) => client.onClose(resolve));
    const waiting = client.request({ command: 'reload' });
    // Stopped only once the request is being handled (read past the peer check).
    await waitFor(() => release !== undefined, 'the reload handler to start');
    await running.stop();
    await expect(waiting).rejects.toThrow(`the portcullis daemon on ${socketPath} closed the connection`);
    expect((await closed)?.message).toBe(`the portcullis daemon on ${socketPath} closed the connection`);
    expect(client.isClosed).toBe(true);
    await expect(client.request({ command: 'status' })).rejects.toThrow('closed the connection');
    release();
  });

  it('close() ends the connection quietly', async () => {
    const running = await startServer();
    const client = await ControlClient.connect(socketPath);
    const closed = new Promise<Error | null>((resolve) => client.onClose(resolve));
    await client.close();
    expect(await closed).toBeNull();
    await expect(client.request({ command: 'status' })).rejects.toThrow('was closed');
    await waitFor(() => running.stats().connections === 0 && running.stats().checking === 0, 'the server to drop the connection');
  });
});

describe('InProcessControl', () => {
  it('runs the same handlers with the same checks, and delivers events', async () => {
    const channel = new InProcessControl(fakeHandlers());
    await expect(channel.request({ command: 'ban', ip: '192.0.2.7' })).resolves.toMatchObject({ ip: '192.0.2.7' });
    await expect(channel.request({ command: 'ban', ip: 'nope' })).rejects.toThrow('ban: "ip" must be an IP address or CIDR range, got "nope"');
    const seen: string[] = [];
    await channel.subscribe((event, _data) => { seen.push(event); }, ['ban']);
    channel.broadcast('ban', {});
    channel.broadcast('log', {});
    await channel.unsubscribe();
    channel.broadcast('ban', {});
    expect(seen).toEqual(['ban']);
    await channel.close();
    await expect(channel.request({ command: 'status' })).rejects.toThrow('closed');
  });
});

/** Root with setpriv and a checkout `nobody` can read: then the permission test runs for real. */
function canRunAsNobody(): boolean {
  if (process.getuid?.() !== 0 || !existsSync('/usr/bin/setpriv')) return false;
  try {
    execFileSync('setpriv', ['--reuid=nobody', '--regid=nogroup', '--clear-groups', 'test', '-r', path.join(ROOT, 'node_modules/tsx/package.json')]);
    accessSync(process.execPath, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
