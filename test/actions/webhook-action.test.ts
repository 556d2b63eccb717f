import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { HookEvent } from '../../src/actions/hook-event.js';
import { WebhookAction } from '../../src/actions/webhook-action.js';
import type { WebhookActionSettings } from '../../src/config/schema.js';
import { waitFor } from '../helpers/wait.js';

interface Received {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A loopback server that records requests and answers each with `answer(n)` (n from 1); null never answers. */
async function startServer(answer: (n: number) => number | null) {
  const received: Received[] = [];
  const hanging: http.ServerResponse[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      received.push({ method: req.method!, url: req.url!, headers: req.headers, body });
      const status = answer(received.length);
      if (status === null) hanging.push(res);
      else res.writeHead(status, { 'content-type': 'text/plain' }).end(status === 200 ? 'ok' : 'server broke');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook?x=1`,
    received,
    close: () => new Promise<void>((resolve) => {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

const BAN: HookEvent = { event: 'ban', ip: '198.51.100.7', jail: 'sshd', bantime: 600, failures: 5, expiry: '2026-01-01T00:10:00.000Z' };

describe('webhook action', () => {
  let logged: string[];
  const cleanups: Array<() => Promise<void>> = [];
  const log = (level: string, message: string) => logged.push(`${level} ${message}`);
  beforeEach(() => {
    logged = [];
  });
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  const make = (extra: Partial<WebhookActionSettings> & { url: string }) => {
    const settings: WebhookActionSettings = { type: 'webhook', headers: {}, events: ['ban', 'unban'], timeout: 10, retries: 3, concurrency: 2, queue: 100, ...extra };
    const action = new WebhookAction('hook', settings, 'node-a', log, () => 20);
    cleanups.push(() => action.stop());
    return action;
  };
  const serve = async (answer: (n: number) => number | null) => {
    const server = await startServer(answer);
    cleanups.push(server.close);
    return server;
  };

  it('POSTs the event as JSON with the configured headers', async () => {
    const server = await serve(() => 200);
    const action = make({ url: server.url, headers: { Authorization: 'Bearer t0ken', 'X-Team': 'ops' } });
    const hostile = '$(reboot); "quoted" \\ \n next';
    action.handle({ ...BAN, jail: hostile });
    await waitFor(() => action.status().done === 1, 'the request');
    const [request] = server.received;
    expect(request).toMatchObject({ method: 'POST', url: '/hook?x=1' });
    expect(request!.headers).toMatchObject({ authorization: 'Bearer t0ken', 'x-team': 'ops', 'content-type': 'application/json' });
    expect(JSON.parse(request!.body)).toEqual({
      event: 'ban', ip: '198.51.100.7', jail: hostile, bantime: 600, failures: 5, expiry: '2026-01-01T00:10:00.000Z', node: 'node-a',
    });
  });

  it('sends only the configured events', async () => {
    const server = await serve(() => 200);
    const action = make({ url: server.url, events: ['unban'] });
    action.handle(BAN);
    action.handle({ ...BAN, event: 'unban', ip: '198.51.100.8' });
    await waitFor(() => action.status().done === 1, 'the request');
    expect(server.received.map((r) => JSON.parse(r.body).ip)).toEqual(['198.51.100.8']);
    expect(action.status()).toMatchObject({ done: 1, queued: 0, running: 0 });
  });

  it('retries after a 500 and succeeds', async () => {
    const server = await serve((n) => (n === 1 ? 500 : 200));
    const action = make({ url: server.url });
    action.handle(BAN);
    await waitFor(() => action.status().done === 1, 'the retry');
    expect(server.received).toHaveLength(2);
    expect(server.received[1]!.body).toBe(server.received[0]!.body);
    expect(logged[0]).toMatch(/^WARNING webhook action "hook": ban 198\.51\.100\.7 \(sshd\): failed \(attempt 1\): HTTP 500: "server broke"; retrying/);
    expect(logged[1]).toBe('NOTICE webhook action "hook": ban 198.51.100.7 (sshd): succeeded on attempt 2');
  });

  it('times out on a server that never answers, retries, then gives up', async () => {
    const server = await serve(() => null);
    const action = make({ url: server.url, timeout: 0.3, retries: 1 });
    action.handle(BAN);
    await waitFor(() => action.status().failed === 1, 'giving up', 15000);
    expect(server.received).toHaveLength(2);
    expect(logged.at(-1)).toBe('ERROR webhook action "hook": ban 198.51.100.7 (sshd): gave up after 2 attempts: no answer within the 0.3s timeout');
  });

  it('reports a refused connection', async () => {
    const server = await serve(() => 200);
    const url = server.url;
    await server.close();
    const action = make({ url, retries: 0 });
    action.handle(BAN);
    await waitFor(() => action.status().failed === 1, 'the failure');
    expect(logged.at(-1)).toMatch(/gave up after 1 attempt: .*ECONNREFUSED/);
  });
});
