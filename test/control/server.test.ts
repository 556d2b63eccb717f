import { lstatSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ControlClient, ControlServer, type CommandHandlers, type ControlServerOptions } from '../../src/control/index.js';
import { makeTempDir, type TempDir } from '../helpers/temp-dir.js';
import { fakeHandlers, LineClient } from './helpers.js';

let temp: TempDir;
let socketPath: string;
const servers: ControlServer[] = [];
const clients: Array<{ close(): unknown }> = [];

beforeEach(() => {
  temp = makeTempDir('portcullis-control-');
  socketPath = path.join(temp.dir, 'run', 'portcullis.sock');
});

afterEach(async () => {
  for (const client of clients.splice(0)) await client.close();
  for (const server of servers.splice(0)) await server.stop();
  temp.remove();
});

async function startServer(handlers: CommandHandlers = fakeHandlers(), options?: ControlServerOptions): Promise<ControlServer> {
  const server = new ControlServer(socketPath, handlers, options);
  await server.start();
  servers.push(server);
  return server;
}

async function lineClient(): Promise<LineClient> {
  const client = await LineClient.connect(socketPath);
  clients.push(client);
  return client;
}

async function controlClient(): Promise<ControlClient> {
  const client = await ControlClient.connect(socketPath);
  clients.push(client);
  return client;
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('ControlServer: socket', () => {
  it('creates its folder 0700 and its socket 0600', async () => {
    await startServer();
    expect(lstatSync(socketPath).isSocket()).toBe(true);
    expect(statSync(socketPath).mode & 0o777).toBe(0o600);
    expect(statSync(path.dirname(socketPath)).mode & 0o777).toBe(0o700);
  });

  it('leaves an existing folder as it is', async () => {
    socketPath = path.join(temp.dir, 'portcullis.sock');
    const before = statSync(temp.dir).mode;
    await startServer();
    expect(statSync(temp.dir).mode).toBe(before);
  });

  it('refuses to start while another server answers on the path', async () => {
    await startServer();
    const second = new ControlServer(socketPath, fakeHandlers());
    await expect(second.start()).rejects.toThrow(`another portcullis is running on ${socketPath}`);
    // The first one still works.
    const client = await controlClient();
    await expect(client.request({ command: 'status' })).resolves.toMatchObject({ backend: 'dry-run' });
  });

  it('replaces a stale socket file that nothing listens on', async () => {
    // A socket file left by a killed daemon: bound, then the listener gone without unlinking.
    socketPath = path.join(temp.dir, 'stale.sock');
    const { spawnSync } = await import('node:child_process');
    const script = `const s=require('net').createServer().listen(${JSON.stringify(socketPath)},()=>process.kill(process.pid,'SIGKILL'))`;
    spawnSync(process.execPath, ['-e', script]);
    expect(lstatSync(socketPath).isSocket()).toBe(true);
    await startServer();
    const client = await controlClient();
    await expect(client.request({ command: 'reload' })).resolves.toEqual({ message: 'reloaded' });
  });

  it('never replaces a file that is not a socket', async () => {
    socketPath = temp.write('not-a-socket', 'data');
    await expect(new ControlServer(socketPath, fakeHandlers()).start()).rejects.toThrow('exists and is not a socket');
  });

  it('removes its socket on stop, and a stopped server can be started again', async () => {
    const server = await startServer();
    await server.stop();
    expect(() => lstatSync(socketPath)).toThrow();
    await server.start();
    const client = await controlClient();
    await expect(client.request({ command: 'jails' })).resolves.toEqual([]);
  });

  it('does not unlink a socket that another server put in its place', async () => {
    const server = await startServer();
    // Someone removed ours and listens on the path now.
    const { unlinkSync } = await import('node:fs');
    unlinkSync(socketPath);
    const other = createServer();
    await new Promise<void>((resolve) => other.listen(socketPath, resolve));
    await server.stop();
    expect(lstatSync(socketPath).isSocket()).toBe(true);
    await new Promise<void>((resolve) => other.close(() => resolve()));
  });
});

describe('ControlServer: requests', () => {
  it('answers each request under its id, out of order when a handler is slow', async () => {
    const slow = deferred();
    await startServer(
      fakeHandlers({
        ban: async (request) => {
          await slow.promise;
          return { ip: request.ip, jail: 'manual', bannedAt: 0, expiresAt: null, count: 1, reason: [] };
        },
      }),
    );
    const client = await lineClient();
    client.send({ id: 1, command: 'ban', ip: '192.0.2.7' });
    client.send({ id: 2, command: 'status' });
    client.send({ id: 3, command: 'jail', name: 'sshd', enabled: true });
    expect(await client.next()).toMatchObject({ id: 2, ok: true, result: { backend: 'dry-run' } });
    expect(await client.next()).toEqual({ id: 3, ok: true, result: { name: 'sshd', enabled: true } });
    slow.resolve();
    expect(await client.next()).toMatchObject({ id: 1, ok: true, result: { ip: '192.0.2.7' } });
  });

  it('matches many concurrent requests to their answers (ControlClient)', async () => {
    await startServer(
      fakeHandlers({
        logs: async (request) => {
          await new Promise((r) => setTimeout(r, Math.random() * 20));
          return [{ time: request.limit!, level: 'INFO', jail: null, message: `limit ${request.limit}` }];
        },
      }),
    );
    const client = await controlClient();
    const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => client.request({ command: 'logs', limit: i + 1 })));
    answers.forEach((entries, i) => expect(entries[0]!.message).toBe(`limit ${i + 1}`));
  });

  it('turns a handler exception into an error answer and keeps serving', async () => {
    await startServer(
      fakeHandlers({
        reload: async () => {
          throw new Error('config.toml line 4: "maxretry" must be >= 1');
        },
        jails: () => {
          throw new TypeError('not even async');
        },
        // Resolving to a value JSON cannot hold.
        status: async () => ({ uptimeMs: 1n }) as never,
      }),
    );
    const client = await lineClient();
    client.send({ id: 1, command: 'reload' });
    expect(await client.next()).toEqual({ id: 1, ok: false, error: 'config.toml line 4: "maxretry" must be >= 1' });
    client.send({ id: 2, command: 'jails' });
    expect(await client.next()).toEqual({ id: 2, ok: false, error: 'not even async' });
    client.send({ id: 3, command: 'status' });
    expect(await client.next()).toMatchObject({ id: 3, ok: false, error: expect.stringMatching(/could not be encoded as JSON/) });
    client.send({ id: 4, command: 'ban', ip: '192.0.2.99' });
    expect(await client.next()).toEqual({ id: 4, ok: false, error: '192.0.2.99 is trusted (range 192.0.2.0/24), not banned' });
    client.send({ id: 5, command: 'bans' });
    expect(await client.next()).toEqual({ id: 5, ok: true, result: [] });
  });

  it('answers invalid JSON, unknown commands and bad fields with errors, and the connection stays usable', async () => {
    await startServer();
    const client = await lineClient();
    client.send('{"id":1,"command":\n');
    expect(await client.next()).toMatchObject({ id: null, ok: false, error: expect.stringMatching(/^invalid JSON/) });
    client.send({ id: 2, command: 'explode' });
    expect(await client.next()).toMatchObject({ id: 2, ok: false, error: expect.stringMatching(/^unknown command "explode"/) });
    client.send({ id: 3, command: 'ban', ip: '192.0.2.7', seconds: 'ten' });
    expect(await client.next()).toEqual({ id: 3, ok: false, error: 'ban: "seconds" must be a whole number of seconds >= 1, or -1 (permanent), got "ten"' });
    client.send('\n\n');
    client.send({ id: 4, command: 'ban', ip: '192.0.2.7', seconds: 60 });
    expect(await client.next()).toMatchObject({ id: 4, ok: true, result: { ip: '192.0.2.7', expiresAt: 61_000 } });
  });

  it('closes the connection that sends an over-long line, and only that one', async () => {
    const server = await startServer(fakeHandlers(), { maxRequestBytes: 64 * 1024 });
    const bystander = await lineClient();
    const offender = await lineClient();
    offender.send({ id: 1, command: 'status' });
    expect(await offender.next()).toMatchObject({ id: 1, ok: true });
    offender.send(`{"id":2,"command":"ban","ip":"${'9'.repeat(100 * 1024)}`);
    expect(await offender.next()).toEqual({ id: null, ok: false, error: 'request line longer than 65536 bytes: closing the connection' });
    expect(await offender.next()).toBeNull();
    bystander.send({ id: 7, command: 'bans' });
    expect(await bystander.next()).toEqual({ id: 7, ok: true, result: [] });
    expect(server.stats().connections).toBe(1);
  });

  it('has a 1 MiB line limit by default', async () => {
    await startServer();
    const client = await lineClient();
    client.send(`{"id":1,"command":"status","pad":"${'x'.repeat(1024 * 1024 - 100)}"}\n`);
    expect(await client.next()).toEqual({ id: 1, ok: false, error: 'status: unknown field "pad"' });
    client.send(`${' '.repeat(1024 * 1024 + 1)}`);
    expect(await client.next()).toMatchObject({ id: null, error: expect.stringMatching(/longer than 1048576 bytes/) });
    expect(await client.next()).toBeNull();
  });
});
