import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ControlClient, ControlServer, DROPPED_EVENT, type ControlServerOptions } from '../../src/control/index.js';
import { makeTempDir, type TempDir } from '../helpers/temp-dir.js';
import { fakeHandlers, LineClient } from './helpers.js';
import { waitFor } from '../helpers/wait.js';

let temp: TempDir;
let socketPath: string;
let server: ControlServer;
const clients: Array<{ close(): unknown }> = [];

async function startServer(options?: ControlServerOptions): Promise<void> {
  server = new ControlServer(socketPath, fakeHandlers(), options);
  await server.start();
}

beforeEach(() => {
  temp = makeTempDir('portcullis-control-');
  socketPath = path.join(temp.dir, 'portcullis.sock');
});

afterEach(async () => {
  for (const client of clients.splice(0)) await client.close();
  await server.stop();
  temp.remove();
});

async function lineClient(): Promise<LineClient> {
  const client = await LineClient.connect(socketPath);
  clients.push(client);
  return client;
}

describe('ControlServer: subscriptions', () => {
  it('pushes broadcast events to subscribers only, until they unsubscribe', async () => {
    await startServer();
    const subscriber = await lineClient();
    const other = await lineClient();
    subscriber.send({ id: 1, command: 'subscribe' });
    expect(await subscriber.next()).toEqual({ id: 1, ok: true, result: { subscribed: true, events: null } });
    server.broadcast('ban', { ip: '192.0.2.7', jail: 'sshd' });
    server.broadcast('log', { level: 'NOTICE', message: 'Ban 192.0.2.7' });
    expect(await subscriber.next()).toEqual({ event: 'ban', data: { ip: '192.0.2.7', jail: 'sshd' } });
    expect(await subscriber.next()).toEqual({ event: 'log', data: { level: 'NOTICE', message: 'Ban 192.0.2.7' } });

    subscriber.send({ id: 2, command: 'unsubscribe' });
    expect(await subscriber.next()).toEqual({ id: 2, ok: true, result: { subscribed: false } });
    server.broadcast('unban', { ip: '192.0.2.7' });
    // The next line is the answer to this request, not the event.
    subscriber.send({ id: 3, command: 'bans' });
    expect(await subscriber.next()).toEqual({ id: 3, ok: true, result: [] });
    // The connection that never subscribed saw nothing but its own answer.
    other.send({ id: 9, command: 'status' });
    expect(await other.next()).toMatchObject({ id: 9, ok: true });
  });

  it('sends only the events named in the subscription', async () => {
    await startServer();
    const client = await ControlClient.connect(socketPath);
    clients.push(client);
    const seen: string[] = [];
    await client.subscribe((event, _data) => { seen.push(event); }, ['log']);
    server.broadcast('failure', { ip: '192.0.2.7' });
    server.broadcast('log', { message: 'one' });
    server.broadcast('ban', { ip: '192.0.2.7' });
    server.broadcast('log', { message: 'two' });
    await waitFor(() => seen.length >= 2, 'the subscription events', 15_000);
    await client.request({ command: 'status' }); // events before this answer have arrived
    expect(seen).toEqual(['log', 'log']);
  });

  it('delivers events through ControlClient.subscribe and stops after unsubscribe', async () => {
    await startServer();
    const client = await ControlClient.connect(socketPath);
    clients.push(client);
    const seen: Array<[string, unknown]> = [];
    await client.subscribe((event, data) => seen.push([event, data]));
    expect(server.stats().subscribers).toBe(1);
    server.broadcast('ban', { ip: '192.0.2.1' });
    await waitFor(() => seen.length === 1, 'the subscription events', 15_000);
    await client.unsubscribe();
    expect(server.stats().subscribers).toBe(0);
    server.broadcast('ban', { ip: '192.0.2.2' });
    await client.request({ command: 'jails' });
    expect(seen).toEqual([['ban', { ip: '192.0.2.1' }]]);
  });

  it('bounds the queue of a subscriber that does not read: oldest dropped, then one dropped event', async () => {
    const maxQueuedEvents = 100;
    await startServer({ maxQueuedEvents });
    const slow = await lineClient();
    const brisk = await lineClient();
    slow.send({ id: 1, command: 'subscribe' });
    brisk.send({ id: 1, command: 'subscribe', events: ['tick'] });
    expect(await slow.next()).toMatchObject({ id: 1, ok: true });
    expect(await brisk.next()).toMatchObject({ id: 1, ok: true });
    slow.socket.pause();

    const total = 20_000;
    const padding = 'x'.repeat(200);
    for (let i = 0; i < total; i++) {
      server.broadcast('failure', { seq: i, line: padding });
      if (i % 1000 === 0) {
        // Let the sockets move data, as a running daemon would between log reads.
        await new Promise((r) => setImmediate(r));
      }
    }
    server.broadcast('tick', { seq: total });
    expect(server.stats().queuedEvents).toBeLessThanOrEqual(maxQueuedEvents);
    // The brisk subscriber was not held back by the slow one.
    expect(await brisk.next()).toEqual({ event: 'tick', data: { seq: total } });

    slow.socket.resume();
    let received = 0;
    let dropped = 0;
    let lastSeq = -1;
    for (;;) {
      const message = (await slow.next())!;
      if (message['event'] === DROPPED_EVENT) {
        dropped += (message['data'] as { count: number }).count;
        continue;
      }
      const seq = (message['data'] as { seq: number }).seq;
      expect(seq).toBeGreaterThan(lastSeq); // order kept across the gap
      lastSeq = seq;
      received++;
      if (message['event'] === 'tick') break;
    }
    expect(dropped).toBeGreaterThan(0);
    expect(received + dropped).toBe(total + 1);
    // What reached it: the socket buffers' worth plus at most the queue, not the whole burst.
    expect(received).toBeLessThan(total / 4);
  });

  it('drops a subscriber that disconnects without unsubscribing', async () => {
    await startServer();
    const client = await lineClient();
    client.send({ id: 1, command: 'subscribe' });
    await client.next();
    client.close();
    await waitFor(() => server.stats().connections === 0, 'the connection to close', 15_000);
    expect(() => server.broadcast('ban', { ip: '192.0.2.7' })).not.toThrow();
  });
});
