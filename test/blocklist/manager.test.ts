import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { BlocklistManager, DryRunLists, type BlocklistSettings } from '../../src/blocklist/index.js';
import { makeTempDir } from '../helpers/temp-dir.js';

describe('blocklist manager over the dry-run backend', () => {
  it('downloads at first start, loads the saved list at the next, and update names an unknown list', async () => {
    let hits = 0;
    const server = createServer((_req, res) => {
      hits++;
      res.writeHead(200, { 'content-type': 'text/plain' }).end('198.18.3.0/24\n2001:db8:3::/48\n');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const tmp = makeTempDir('pc-h25-mgr-');
    try {
      const settings: BlocklistSettings[] = [{ name: 'drop', source: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, refresh: 3600, format: 'auto', minCount: 1, maxEntries: 10 }];
      const kernel = new DryRunLists();
      const first = new BlocklistManager(settings, tmp.dir, kernel, { log: () => undefined, timeoutMs: 1000 });
      await first.start();
      await first.settled();
      expect(hits).toBe(1);
      expect(kernel.sets.get('drop')).toEqual({ v4: ['198.18.3.0/24'], v6: ['2001:db8:3::/48'] });
      await first.stop();

      const again = new DryRunLists();
      const second = new BlocklistManager(settings, tmp.dir, again, { log: () => undefined, timeoutMs: 1000 });
      await second.start();
      expect(hits).toBe(1);
      expect(again.sets.get('drop')?.v4).toEqual(['198.18.3.0/24']);
      const rows = await second.update('drop');
      expect(hits).toBe(2);
      expect(rows[0]).toMatchObject({ name: 'drop', entries: 2, lastError: null, dropped: 0 });
      await expect(second.update('nope')).rejects.toThrow(/no blocklist named "nope" \(known: drop\)/);
      await second.stop();
    } finally {
      tmp.remove();
      server.close();
    }
  });

  it('reports a list overlapping a trusted range when it is loaded, and keeps the list when the kernel refuses it', async () => {
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('198.18.3.0/24\n198.18.4.4\n2001:db8:3::/48\n2001:db8:9::1\n');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const tmp = makeTempDir('pc-h26-mgr-');
    try {
      const source = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
      const settings: BlocklistSettings[] = [{ name: 'drop', source, refresh: 3600, format: 'auto', minCount: 1, maxEntries: 10 }];
      const lines: string[] = [];
      const trusted = ['127.0.0.0/8', '::1', '198.18.3.7', '198.18.0.0/16', '2001:db8:3:5::/64', '198.19.0.1'];
      const manager = new BlocklistManager(settings, tmp.dir, new DryRunLists(), { log: (line) => lines.push(line), timeoutMs: 1000, trusted: () => trusted });
      await manager.start();
      await manager.settled();
      expect(lines).toContain('blocklist drop: 3 entries overlap trusted 198.18.3.7, 198.18.0.0/16, 2001:db8:3:5::/64; trusted addresses stay allowed');

      const refusing = new DryRunLists();
      refusing.replace = async () => {
        throw new Error('nft: No such file or directory');
      };
      const broken = new BlocklistManager(settings, makeTempDir('pc-h26-mgr-').dir, refusing, { log: (line) => lines.push(line), timeoutMs: 1000 });
      const rows = await broken.update('drop');
      expect(rows[0]).toMatchObject({ name: 'drop', entries: 0, lastError: 'the kernel refused the new list: nft: No such file or directory', dropped: 0 });
      await manager.stop();
      await broken.stop();
    } finally {
      tmp.remove();
      server.close();
    }
  });
});
