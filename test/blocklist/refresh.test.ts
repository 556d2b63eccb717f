import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Blocklist, listFile, parseList, type BlocklistSettings } from '../../src/blocklist/index.js';
import { makeTempDir } from '../helpers/temp-dir.js';

/** 198.18.0.0/15 holds 131,072 addresses: enough for 100,000 distinct entries. */
function bigList(n: number): string {
  const lines: string[] = ['# big list'];
  for (let i = 0; i < n; i++) lines.push(`198.${18 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`);
  return `${lines.join('\n')}\n`;
}

const GOOD = '# hostile\n198.18.5.0/24\n198.18.7.7\n2001:db8:66::/48 ; comment\n';
let etagHits = 0;
let server: Server;
let base = '';

beforeAll(async () => {
  const big = bigList(100_000);
  server = createServer((req, res) => {
    switch (req.url) {
      case '/good':
        res.writeHead(200, { 'content-type': 'text/plain' }).end(GOOD);
        return;
      case '/big':
        res.writeHead(200, { 'content-type': 'text/plain' }).end(big);
        return;
      case '/few':
        res.writeHead(200, { 'content-type': 'text/plain' }).end('198.18.9.9\n');
        return;
      case '/truncated-line':
        res.writeHead(200, { 'content-type': 'text/plain' }).end('198.18.5.0/24\n198.18.7');
        return;
      case '/truncated-length':
        // Claims more bytes than it sends, then closes the connection.
        res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '5000' });
        res.write('198.18.5.0/24\n');
        setImmediate(() => res.socket?.destroy());
        return;
      case '/html':
        res.writeHead(200, { 'content-type': 'text/html' }).end('<!DOCTYPE html><html><body>Login</body></html>\n');
        return;
      case '/html-as-text':
        res.writeHead(200, { 'content-type': 'text/plain' }).end('<html><body>503</body></html>\n');
        return;
      case '/empty':
        res.writeHead(200, { 'content-type': 'text/plain' }).end('# nothing today\n');
        return;
      case '/error':
        res.writeHead(500).end('oops\n');
        return;
      case '/slow':
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.write('198.18.5.0/24\n');
        return; // never ends
      case '/etag':
        if (req.headers['if-none-match'] === '"v1"') {
          etagHits++;
          res.writeHead(304).end();
          return;
        }
        res.writeHead(200, { 'content-type': 'text/plain', etag: '"v1"' }).end(GOOD);
        return;
      default:
        res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => {
  server.closeAllConnections();
  server.close();
});

function makeList(dir: string, source: string, extra: Partial<BlocklistSettings> = {}) {
  const loaded: { v4: readonly string[]; v6: readonly string[] }[] = [];
  const log: string[] = [];
  const settings: BlocklistSettings = { name: 'drop', source, refresh: 3600, format: 'auto', minCount: 1, maxEntries: 200_000, ...extra };
  const list = new Blocklist(settings, dir, async (_n, v4, v6) => void loaded.push({ v4, v6 }), (line) => log.push(line), 1000);
  return { list, loaded, log };
}

describe('blocklist refresh over HTTP', () => {
  it('loads a good list, saves it, and a restart loads it without downloading', async () => {
    const tmp = makeTempDir('pc-h25-bl-');
    try {
      const { list, loaded } = makeList(tmp.dir, `${base}/good`);
      expect(await list.refresh()).toBe('replaced');
      expect(loaded[0]).toEqual({ v4: ['198.18.5.0/24', '198.18.7.7'], v6: ['2001:db8:66::/48'] });
      // A restart pointing at a dead source still has the list.
      const again = makeList(tmp.dir, 'http://127.0.0.1:1/gone');
      expect(again.list.entries).toBe(3);
      expect(await again.list.loadSaved()).toBe(true);
      expect(again.loaded[0]?.v4).toEqual(['198.18.5.0/24', '198.18.7.7']);
      expect(listFile(tmp.dir, 'drop')).toContain('blocklists');
    } finally {
      tmp.remove();
    }
  });

  it('loads 100,000 entries', async () => {
    const tmp = makeTempDir('pc-h25-bl-');
    try {
      const { list, loaded } = makeList(tmp.dir, `${base}/big`);
      expect(await list.refresh()).toBe('replaced');
      expect(loaded[0]?.v4.length).toBe(100_000);
      expect(list.status().entries).toBe(100_000);
    } finally {
      tmp.remove();
    }
  });

  const bad: [string, RegExp][] = [
    ['/truncated-line', /truncated: the last line has no end/],
    ['/truncated-length', /truncated|download failed/],
    ['/html', /HTML page/],
    ['/html-as-text', /HTML page/],
    ['/empty', /no addresses/],
    ['/error', /server answered 500/],
    ['/slow', /no complete answer within 1 s/],
    ['/few', /only 1 entries where the last good list had 100000/],
  ];
  for (const [path, reason] of bad) {
    it(`keeps the previous list when the download is ${path.slice(1)}`, async () => {
      const tmp = makeTempDir('pc-h25-bl-');
      try {
        const first = makeList(tmp.dir, `${base}/big`);
        expect(await first.list.refresh()).toBe('replaced');
        const { list, loaded, log } = makeList(tmp.dir, `${base}${path}`);
        expect(await list.refresh()).toBe('kept');
        expect(loaded).toEqual([]);
        expect(list.status().entries).toBe(100_000);
        expect(list.status().lastError).toMatch(reason);
        expect(log.join('\n')).toMatch(/keeping the previous 100000 entries/);
      } finally {
        tmp.remove();
      }
    });
  }

  it('refuses a list over max_entries', async () => {
    const tmp = makeTempDir('pc-h25-bl-');
    try {
      const { list, loaded } = makeList(tmp.dir, `${base}/big`, { maxEntries: 50_000 });
      expect(await list.refresh()).toBe('kept');
      expect(loaded).toEqual([]);
      expect(list.status().lastError).toMatch(/100000 entries is over max_entries = 50000/);
    } finally {
      tmp.remove();
    }
  });

  it('sends the ETag back and a 304 leaves the list as it is', async () => {
    const tmp = makeTempDir('pc-h25-bl-');
    try {
      const { list, loaded } = makeList(tmp.dir, `${base}/etag`);
      expect(await list.refresh()).toBe('replaced');
      const before = etagHits;
      expect(await list.refresh()).toBe('unchanged');
      expect(etagHits).toBe(before + 1);
      expect(loaded.length).toBe(1);
      expect(list.status().lastError).toBeNull();
    } finally {
      tmp.remove();
    }
  });

  it('reads a file source', async () => {
    const tmp = makeTempDir('pc-h25-bl-');
    try {
      const file = tmp.write('mine.txt', '198.18.1.1\n198.18.2.0/23\n');
      const { list, loaded } = makeList(tmp.dir, file);
      expect(await list.refresh()).toBe('replaced');
      expect(loaded[0]?.v4).toEqual(['198.18.1.1', '198.18.2.0/23']);
    } finally {
      tmp.remove();
    }
  });
});

describe('list formats', () => {
  it('reads Spamhaus DROP lines and ipsum counts', () => {
    expect(parseList('; Spamhaus DROP\n198.18.0.0/20 ; SBL123\n', 'auto').v4).toEqual(['198.18.0.0/20']);
    const ipsum = parseList('# ipsum\n198.18.1.1\t5\n198.18.1.2\t1\n', 'ipsum', 3);
    expect(ipsum.v4).toEqual(['198.18.1.1']);
    const bad = parseList('198.18.1.1\nnot-an-address\n198.18.1.300\n198.18.0.0/33\n');
    expect(bad.v4).toEqual(['198.18.1.1']);
    expect(bad.bad).toBe(3);
    expect(bad.firstBad).toEqual({ line: 2, text: 'not-an-address' });
    // Everything is no entry, and a zone id means nothing to a firewall.
    expect(parseList('0.0.0.0/0\n::/0\nfe80::1%eth0\n198.18.0.0/15\n')).toMatchObject({ v4: ['198.18.0.0/15'], v6: [], bad: 3 });
  });
});
