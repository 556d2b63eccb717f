import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { renderWithProviders, type ConsoleHarness } from './helpers/render-with-providers.js';

// The console over a real engine (dry-run firewall) whose one blocklist comes from a real HTTP
// server on loopback.

let h: ConsoleHarness | null = null;
let server: Server;
let body = '';
let status = 200;

beforeEach(async () => {
  body = '198.18.40.0/24\n198.18.41.1\n';
  status = 200;
  server = createServer((_req, res) => {
    res.writeHead(status, { 'content-type': 'text/plain' }).end(status === 200 ? body : 'oops\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
});
afterEach(async () => {
  await h?.close();
  h = null;
  server.close();
});

const listConfig = () => `[blocklists.drop]\nsource = "http://127.0.0.1:${(server.address() as AddressInfo).port}/drop.txt"\nrefresh = "1h"\n`;

describe('Blocklists pane', () => {
  it('shows each list with its entries, u downloads the selected one now, and a bad download keeps the list and says why', async () => {
    h = await renderWithProviders({ pane: 'blocklists', extraConfig: listConfig() });
    await h.stack.blocklists.settled();
    await h.press('r');
    await h.waitForFrame((f) => /drop +2 +0 +(just now|\d+s ago)/.test(f), 10_000);
    expect(h.frame()).toContain('1 blocklists, 2 entries');

    body = '198.18.40.0/24\n198.18.41.1\n2001:db8:41::/48\n';
    await h.press('u');
    await h.waitForFrame('blocklist drop: 3 entries in force', 10_000);
    await h.waitForFrame((f) => /drop +3 +0/.test(f));

    status = 500;
    await h.press('u');
    await h.waitForFrame('the server answered 500', 10_000);
    expect(h.frame()).toMatch(/drop +3 +0/);
    expect(h.frame()).toContain('the previous list stays');
  });

  it('says how to add one when none is configured, and its tab fits 80 columns', async () => {
    h = await renderWithProviders({ pane: 'blocklists', size: { columns: 80, rows: 24 } });
    await h.waitForFrame('no blocklists configured');
    const lines = h.frame().split('\n');
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(80);
    expect(lines[2]).toContain('7 Activity 8 Lists');
  });
});
