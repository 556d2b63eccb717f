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
      const first = new BlocklistManager(settings, tmp.dir, kernel, () => undefined, 1000);
      await first.start();
      expect(hits).toBe(1);
      expect(kernel.sets.get('drop')).toEqual({ v4: ['198.18.3.0/24'], v6: ['2001:db8:3::/48'] });
      await first.stop();

      const again = new DryRunLists();
      const second = new BlocklistManager(settings, tmp.dir, again, () => undefined, 1000);
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
});
