import { spawn } from 'node:child_process';
import { chmodSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ControlClient, ControlServer, daemonAnswers, type ControlServerOptions } from '../../src/control/index.js';
import { peerHolders, processCredentials, readUnixSocketTable } from '../../src/control/peer-credentials.js';
import { makeTempDir, type TempDir } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait.js';
import { fakeHandlers, LineClient } from './helpers.js';

const isRoot = process.getuid?.() === 0;
const NOBODY = 65534;

let temp: TempDir;
let socketPath: string;
const servers: ControlServer[] = [];
const clients: Array<{ close(): unknown }> = [];

beforeEach(() => {
  temp = makeTempDir('portcullis-peer-');
  // Other users must reach the socket through the folder for the peer check to be what stops them.
  chmodSync(temp.dir, 0o711);
  socketPath = path.join(temp.dir, 'portcullis.sock');
});
afterEach(async () => {
  for (const client of clients.splice(0)) await client.close();
  for (const server of servers.splice(0)) await server.stop();
  temp.remove();
});

async function startServer(options: ControlServerOptions = {}): Promise<ControlServer> {
  const server = new ControlServer(socketPath, fakeHandlers(), options);
  await server.start();
  servers.push(server);
  return server;
}

/** Connects as another user, sends a status request, and returns the first line the server writes. */
function firstLineAs(uid: number, gid: number): Promise<string> {
  const script = `
    const socket = require('net').createConnection(${JSON.stringify(socketPath)});
    let text = '';
    socket.on('connect', () => socket.write('{"id":1,"command":"status"}\\n'));
    socket.on('data', (d) => { text += d; if (text.includes('\\n')) { console.log(text.split('\\n')[0]); process.exit(0); } });
    socket.on('error', (e) => { console.log('error ' + e.code); process.exit(0); });
    socket.on('close', () => { console.log(text || 'closed'); process.exit(0); });`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', script], { uid, gid, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.once('error', reject);
    child.once('exit', () => resolve(out.trim()));
  });
}

describe('peer check: who is at the other end of the control socket', () => {
  it('reads the holders of a live connection from the kernel\'s socket table', async () => {
    const server = await startServer({ peers: false });
    const client = await LineClient.connect(socketPath);
    clients.push(client);
    client.send({ id: 1, command: 'status' });
    await client.next();
    const holders = peerHolders(await readUnixSocketTable());
    // Some socket's peer is held by this process: the client end of our own connection.
    expect([...holders.values()].some((pids) => pids.includes(process.pid))).toBe(true);
    expect(server.stats().connections).toBe(1);
    expect(processCredentials(process.pid)).toMatchObject({ pid: process.pid, euid: process.geteuid!() });
  });

  it('takes every pid after the peer field, so a forged name can only add processes to judge', () => {
    const table = [
      'u_str ESTAB 0 0 /run/a b users:(("x",pid=1,fd=3)) 77 * 500 users:(("evil",pid=4242,fd=5))',
      'u_str ESTAB 0 0 * 501 * 600 users:(("node",pid=10,fd=20),("sh",pid=11,fd=20))',
      'u_str LISTEN 0 511 /run/p.sock 9 * 0 users:(("node",pid=10,fd=19))',
    ].join('\n');
    const holders = peerHolders(table);
    expect(holders.get(600)).toEqual([10, 11]);
    expect(holders.get(500)).toBeUndefined();
    // The forged row is read at its first process list: its peer field is "b", not a number.
    expect([...holders.keys()].sort()).toEqual([600]);
  });

  it('a root client is served under the default policy', async () => {
    await startServer();
    const client = await ControlClient.connect(socketPath);
    clients.push(client);
    await expect(client.request({ command: 'status' })).resolves.toMatchObject({ backend: 'dry-run' });
  });

  it.skipIf(!isRoot)('another user is refused even when the socket\'s mode would let them in, and the server keeps serving', async () => {
    const refusals: string[] = [];
    const server = await startServer({ mode: 0o666, onRefused: (reason) => refusals.push(reason) });
    const line = JSON.parse(await firstLineAs(NOBODY, NOBODY)) as { ok: boolean; error: string };
    expect(line.ok).toBe(false);
    expect(line.error).toMatch(new RegExp(`^permission denied: uid ${NOBODY} \\(pid \\d+\\) may not use the control socket$`));
    expect(refusals).toHaveLength(1);
    expect(server.stats()).toMatchObject({ refused: 1, connections: 0 });
    const client = await ControlClient.connect(socketPath);
    clients.push(client);
    await expect(client.request({ command: 'status' })).resolves.toMatchObject({ backend: 'dry-run' });
  }, 20_000);

  it.skipIf(!isRoot)('a member of the socket group is served; the socket is 0660 and that group\'s', async () => {
    const { statSync } = await import('node:fs');
    await startServer({ group: NOBODY });
    expect(statSync(socketPath).mode & 0o777).toBe(0o660);
    expect(statSync(socketPath).gid).toBe(NOBODY);
    const line = JSON.parse(await firstLineAs(NOBODY, NOBODY)) as { ok: boolean; result: unknown };
    expect(line).toMatchObject({ ok: true, result: { backend: 'dry-run' } });
    // Someone outside the group does not even reach it.
    expect(await firstLineAs(NOBODY, 4)).toBe('error EACCES');
  }, 20_000);

  it('a probe that hangs up at once is dropped quietly, not reported as a refusal', async () => {
    const refusals: string[] = [];
    const server = await startServer({ onRefused: (reason) => refusals.push(reason) });
    for (let i = 0; i < 5; i++) expect(await daemonAnswers(socketPath)).toBe(true);
    await waitFor(() => server.stats().checking === 0 && server.stats().connections === 0, 'the probes to be dropped');
    expect(refusals).toEqual([]);
    expect(server.stats().refused).toBe(0);
  });

  it('refuses everyone when the socket table cannot be read (it fails closed)', async () => {
    await startServer({ socketTable: () => Promise.reject(new Error('the "ss" program (iproute2) is not installed')) });
    const client = await LineClient.connect(socketPath);
    clients.push(client);
    client.send({ id: 1, command: 'status' });
    expect(await client.next()).toEqual({
      id: null,
      ok: false,
      error: 'permission denied: cannot read the kernel\'s socket table to identify the peer: the "ss" program (iproute2) is not installed',
    });
    expect(await client.next()).toBeNull();
  });
});

describe('ControlServer: connection limit', () => {
  it('tells the client over the limit so and closes it; those within keep working', async () => {
    const server = await startServer({ maxConnections: 3 });
    const held: ControlClient[] = [];
    for (let i = 0; i < 3; i++) {
      const client = await ControlClient.connect(socketPath);
      clients.push(client);
      await client.request({ command: 'status' });
      held.push(client);
    }
    const extra = await LineClient.connect(socketPath);
    clients.push(extra);
    expect(await extra.next()).toEqual({ id: null, ok: false, error: 'too many connections to the control socket (3 at once); try again' });
    expect(await extra.next()).toBeNull();
    for (const client of held) await expect(client.request({ command: 'bans' })).resolves.toEqual([]);
    expect(server.stats()).toMatchObject({ connections: 3, refused: 1 });
  });
});
