import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { IpsetLists } from '../../src/blocklist/ipset-lists.js';
import { NftLists } from '../../src/blocklist/nft-lists.js';
import type { KernelLists } from '../../src/blocklist/manager.js';
import { BlocklistService } from '../../src/commands/blocklist-service.js';
import { parseConfig } from '../../src/config/load.js';
import { EngineLog } from '../../src/engine/engine-log.js';
import { netnsSkipReason } from '../helpers/netns.js';
import { safeSections } from '../helpers/safe-config.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait.js';

/** Runs a command in namespace `ns` and returns its output; throws when it fails. */
const inNs = (ns: string, argv: string[]): string => execFileSync('ip', ['netns', 'exec', ns, ...argv], { stdio: ['ignore', 'pipe', 'pipe'] }).toString();

interface Case {
  name: string;
  tools: string[];
  make: (netns: string) => KernelLists;
  /** The generations of list `drop` present in the kernel: 1 when a refresh left nothing half-made. */
  generations: (ns: string) => number;
  /** Whether list `drop` drops `address`. */
  holds: (ns: string, address: string) => boolean;
}
const CASES: Case[] = [
  {
    name: 'nftables',
    tools: ['nft'],
    make: (netns) => new NftLists({ netns }),
    generations: (ns) => new Set([...inNs(ns, ['nft', '-t', 'list', 'table', 'inet', 'portcullis']).matchAll(/set bl_drop_([01])_/g)].map((m) => m[1])).size,
    holds: (ns, address) => new RegExp(`${address.replaceAll('.', '\\.')}\\b`).test(inNs(ns, ['nft', 'list', 'table', 'inet', 'portcullis'])),
  },
  {
    name: 'iptables+ipset',
    tools: ['iptables', 'ip6tables', 'ipset'],
    make: (netns) => new IpsetLists({ netns }),
    generations: (ns) => inNs(ns, ['ipset', 'list', '-n']).split('\n').filter((set) => /^pcbl-drop-[46]n?$/.test(set)).length / 2,
    holds: (ns, address) => spawnSync('ip', ['netns', 'exec', ns, 'ipset', 'test', 'pcbl-drop-4', address]).status === 0,
  },
];

/** `n` distinct addresses of 198.19.0.0/16 from `first` on. */
const addresses = (first: number, n: number): string[] => Array.from({ length: n }, (_, k) => `198.19.${(first + k) >> 8}.${(first + k) & 255}`);
const OLDER = addresses(0, 20_000);
const NEWER = addresses(20_000, 25_000);
/** How long the server sits on the one slow request: far longer than the reload may take. */
const SLOW_MS = 25_000;

describe.each(CASES)('a reload during a slow download ($name, network namespace)', (c) => {
  it.skipIf(netnsSkipReason(c.tools) !== null)('waits for the refresh under way (its download cut short), then the new lists load the newest list: one generation, no error', async () => {
    const ns = `pc-bl-rl-${randomBytes(3).toString('hex')}`;
    let body = OLDER;
    let slow = false;
    let requests = 0;
    /** Slow requests the client gave up on before the answer. */
    let abandoned = 0;
    const timers: NodeJS.Timeout[] = [];
    const server = createServer((req, res) => {
      if (req.url === '/more') return void res.writeHead(200, { 'content-type': 'text/plain' }).end('198.18.44.0/24\n');
      requests++;
      const text = `${body.join('\n')}\n`;
      const answer = () => {
        if (!res.destroyed) res.writeHead(200, { 'content-type': 'text/plain' }).end(text);
      };
      if (!slow) return answer();
      slow = false;
      res.on('close', () => void (res.writableEnded || abandoned++));
      timers.push(setTimeout(answer, SLOW_MS));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const tmp = makeTempDir('pc-h35-reload-');
    execFileSync('ip', ['netns', 'add', ns]);
    try {
      const configPath = path.join(tmp.dir, 'portcullis.toml');
      const drop = `[blocklists.drop]\nsource = "${base}/drop"\nrefresh = 3600\nmax_entries = 100000\n`;
      const more = `[blocklists.more]\nsource = "${base}/more"\nrefresh = 3600\n`;
      const log = new EngineLog();
      const service = new BlocklistService(parseConfig(safeSections(tmp.dir) + drop, configPath), {
        configPath,
        stateDir: path.join(tmp.dir, 'state'),
        kernel: c.make(ns),
        log,
        trusted: () => [],
      });
      await service.start();
      await service.settled();
      expect(c.holds(ns, OLDER[1]!)).toBe(true);

      body = NEWER;
      slow = true;
      const updating = service.update('drop');
      await waitFor(() => requests === 2, 'the slow download to begin', 20_000);
      // The reload adds a list: the lists are built again while the download of drop is under way.
      const reloaded = Date.now();
      await service.reload(parseConfig(safeSections(tmp.dir) + drop + more, configPath));
      await updating;
      await service.settled();
      // The slow download was given up, not waited for, and the new lists downloaded drop again.
      expect(Date.now() - reloaded).toBeLessThan(SLOW_MS);
      expect(abandoned).toBe(1);
      expect(requests).toBe(3);

      const trouble = log.entries().filter((e) => e.level === 'WARNING' || e.level === 'ERROR');
      expect(trouble.map((e) => e.message)).toEqual([]);
      expect(service.summary()).toEqual([
        expect.objectContaining({ name: 'drop', entries: NEWER.length, lastError: null }),
        expect.objectContaining({ name: 'more', entries: 1, lastError: null }),
      ]);
      expect(c.generations(ns)).toBe(1);
      expect(c.holds(ns, NEWER.at(-1)!)).toBe(true);
      expect(c.holds(ns, OLDER[1]!)).toBe(false);
      await service.stop();
    } finally {
      for (const timer of timers) clearTimeout(timer);
      server.closeAllConnections();
      server.close();
      spawnSync('ip', ['netns', 'del', ns]);
      tmp.remove();
    }
  }, 120_000);
});
