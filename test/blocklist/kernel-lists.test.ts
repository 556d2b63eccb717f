import { execFileSync, spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { IpsetLists } from '../../src/blocklist/ipset-lists.js';
import { NftLists } from '../../src/blocklist/nft-lists.js';
import { createNetnsPair, netnsSkipReason } from '../helpers/netns.js';

interface Backend {
  name: string;
  tools: string[];
  make: (netns: string) => NftLists | IpsetLists;
  trust: (ns: string, v4: string, v6: string) => string[][];
  list: (ns: string) => string[];
}
const BACKENDS: Backend[] = [
  { name: 'nftables', tools: ['nft'], make: (netns) => new NftLists({ netns }), trust: (_ns, v4, v6) => [['nft', 'add', 'element', 'inet', 'portcullis', 'trusted4', `{ ${v4} }`], ['nft', 'add', 'element', 'inet', 'portcullis', 'trusted6', `{ ${v6} }`]], list: () => ['nft', 'list', 'set', 'inet', 'portcullis', 'bl_drop_4'] },
  { name: 'iptables+ipset', tools: ['iptables', 'ip6tables', 'ipset'], make: (netns) => new IpsetLists({ netns }), trust: (_ns, v4, v6) => [['ipset', 'add', 'portcullis-trusted4', v4], ['ipset', 'add', 'portcullis-trusted6', v6]], list: () => ['ipset', 'list', 'pcbl-drop-4'] },
];
const PORT = 7225;
const CONNECT = `const net=require('node:net');const [h,p,l]=process.argv.slice(1);const s=net.connect({host:h,port:+p,localAddress:l});const t=setTimeout(()=>process.exit(1),1200);s.on('connect',()=>{clearTimeout(t);s.destroy();process.exit(0)});s.on('error',()=>process.exit(1));`;

describe.each(BACKENDS)('blocklists in $name (network namespace)', (backend) => {
  it.skipIf(netnsSkipReason(backend.tools) !== null)('drops a listed address, lets a trusted one inside the list through, counts, and refreshes without a gap', async () => {
    const pair = createNetnsPair(225, 'pc-bl-');
    try {
      const dev = pair.exec(pair.client, ['ip', '-o', 'link', 'show', 'type', 'veth']).split(':')[1]!.trim().split('@')[0]!;
      pair.exec(pair.client, ['ip', 'addr', 'add', '198.18.225.3/24', 'dev', dev]);
      pair.exec(pair.client, ['ip', '-6', 'addr', 'add', '2001:db8:e1::3/64', 'dev', dev, 'nodad']);
      await pair.listen(PORT);
      const connects = (host: string, from: string): boolean => {
        try {
          pair.exec(pair.client, [process.execPath, '-e', CONNECT, host, String(PORT), from]);
          return true;
        } catch {
          return false;
        }
      };
      expect(connects(pair.serverV4, '198.18.225.2')).toBe(true);
      const lists = backend.make(pair.server);
      await lists.start(['drop']);
      for (const argv of backend.trust(pair.server, '198.18.225.3', '2001:db8:e1::3')) pair.exec(pair.server, argv);
      await lists.replace('drop', ['198.18.225.0/30', '198.18.225.2'], ['2001:db8:e1::/120']);
      expect(connects(pair.serverV4, '198.18.225.2')).toBe(false);
      expect(connects(pair.serverV4, '198.18.225.3')).toBe(true);
      expect(connects(pair.serverV6, pair.clientV6)).toBe(false);
      expect(connects(pair.serverV6, '2001:db8:e1::3')).toBe(true);
      expect((await lists.dropped()).get('drop')).toBeGreaterThanOrEqual(2);

      // Refreshes while a watcher lists the set: it must never be seen empty.
      const watcher = spawn('ip', ['netns', 'exec', pair.server, process.execPath, '-e', `
        const {execFileSync}=require('node:child_process');let reads=0,empty=0;const end=Date.now()+4000;
        process.stdin.on('data',()=>{console.log(JSON.stringify({reads,empty}));process.exit(0)});
        (function loop(){const argv=JSON.parse(process.argv[1]);const out=execFileSync(argv[0],argv.slice(1)).toString();reads++;if(!/(elements = \\{|Members:\\n\\d)/.test(out))empty++;if(Date.now()<end)setImmediate(loop);else{console.log(JSON.stringify({reads,empty}));process.exit(0)}})();`, JSON.stringify(backend.list(pair.server))], { stdio: ['pipe', 'pipe', 'inherit'] });
      let out = '';
      watcher.stdout.on('data', (d: Buffer) => (out += d.toString()));
      const big = Array.from({ length: 20000 }, (_, i) => `198.19.${i >> 8}.${i & 255}`);
      for (let round = 0; round < 6; round++) await lists.replace('drop', round % 2 ? ['198.18.225.0/30'] : [...big, '198.18.225.0/30'], []);
      watcher.stdin.end('stop\n');
      await new Promise((resolve) => watcher.once('exit', resolve));
      const seen = JSON.parse(out.trim().split('\n').pop()!) as { reads: number; empty: number };
      expect(seen.reads).toBeGreaterThan(0);
      expect(seen.empty).toBe(0);
      expect(connects(pair.serverV4, '198.18.225.2')).toBe(false);
      await lists.stop(['drop']);
      expect(connects(pair.serverV4, '198.18.225.2')).toBe(true);
      if (backend.name === 'nftables') expect(execFileSync('ip', ['netns', 'exec', pair.server, 'nft', 'list', 'table', 'inet', 'portcullis']).toString()).not.toContain('bl_drop');
      else expect(pair.exec(pair.server, ['ipset', 'list', '-n'])).not.toContain('pcbl-drop');
    } finally {
      pair.destroy();
    }
  }, 60_000);
});
