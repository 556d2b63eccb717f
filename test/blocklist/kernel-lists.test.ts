import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { IpsetLists } from '../../src/blocklist/ipset-lists.js';
import { NftLists } from '../../src/blocklist/nft-lists.js';
import { createNetnsPair, netnsSkipReason } from '../helpers/netns.js';

interface Backend {
  name: string;
  tools: string[];
  index: number;
  make: (netns: string) => NftLists | IpsetLists;
  trust: (v4: string, v6: string) => string[][];
  /** What is left of the lists in the kernel: chains, sets, counters. */
  leftovers: string[][];
}
const BACKENDS: Backend[] = [
  {
    name: 'nftables',
    tools: ['nft'],
    index: 225,
    make: (netns) => new NftLists({ netns }),
    trust: (v4, v6) => [['nft', 'add', 'element', 'inet', 'portcullis', 'trusted4', `{ ${v4} }`], ['nft', 'add', 'element', 'inet', 'portcullis', 'trusted6', `{ ${v6} }`]],
    leftovers: [['nft', '-t', 'list', 'table', 'inet', 'portcullis']],
  },
  {
    name: 'iptables+ipset',
    tools: ['iptables', 'ip6tables', 'ipset'],
    index: 226,
    make: (netns) => new IpsetLists({ netns }),
    trust: (v4, v6) => [['ipset', 'add', 'portcullis-trusted4', v4], ['ipset', 'add', 'portcullis-trusted6', v6]],
    leftovers: [['ipset', 'list', '-n'], ['iptables-save', '-t', 'raw'], ['ip6tables-save', '-t', 'raw']],
  },
];
const PORT = 7225;
const UDP_PORT = 7226;
const CONNECT = `const net=require('node:net');const [h,p,l]=process.argv.slice(1);const s=net.connect({host:h,port:+p,localAddress:l});const t=setTimeout(()=>process.exit(1),1200);s.on('connect',()=>{clearTimeout(t);s.destroy();process.exit(0)});s.on('error',()=>process.exit(1));`;
// Counts datagrams that arrive; prints the count when its stdin closes.
const RECEIVE = `const d=require('node:dgram').createSocket('udp4');let n=0;d.on('message',()=>n++);d.bind(+process.argv[1],()=>console.log('ready'));process.stdin.on('end',()=>{console.log(n);process.exit(0)});process.stdin.resume();`;
// Sends a datagram every 2 ms from one address until its stdin closes; prints how many it sent.
const SEND = `const d=require('node:dgram').createSocket('udp4');const [h,p,l]=process.argv.slice(1);let n=0;d.bind(0,l,()=>{const t=setInterval(()=>{d.send('x',+p,h);n++},2);process.stdin.on('end',()=>{clearInterval(t);console.log(n);process.exit(0)});process.stdin.resume();console.log('ready')});`;

/** Starts a node script in a namespace; resolves once it prints its first line. */
async function startInNs(ns: string, script: string, args: string[]): Promise<{ child: ChildProcess; last: () => Promise<number> }> {
  const child = spawn('ip', ['netns', 'exec', ns, process.execPath, '-e', script, ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  await new Promise<void>((resolve, reject) => {
    child.stdout!.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`script exited (${code})`)));
  });
  return {
    child,
    last: async () => {
      child.stdin!.end();
      await new Promise((resolve) => child.once('exit', resolve));
      return Number(out.trim().split('\n').pop());
    },
  };
}

describe.each(BACKENDS)('blocklists in $name (network namespace)', (backend) => {
  it.skipIf(netnsSkipReason(backend.tools) !== null)('drops listed addresses and networks, lets a trusted one inside through, counts, refreshes without a gap and leaves nothing behind', async () => {
    const pair = createNetnsPair(backend.index, 'pc-bl-');
    const i = backend.index;
    const children: ChildProcess[] = [];
    try {
      const dev = pair.exec(pair.client, ['ip', '-o', 'link', 'show', 'type', 'veth']).split(':')[1]!.trim().split('@')[0]!;
      for (const host of [3, 9]) pair.exec(pair.client, ['ip', 'addr', 'add', `198.18.${i}.${host}/24`, 'dev', dev]);
      for (const host of [3, 9]) pair.exec(pair.client, ['ip', '-6', 'addr', 'add', `2001:db8:${i.toString(16)}::${host}/64`, 'dev', dev, 'nodad']);
      await pair.listen(PORT);
      const connects = (host: string, from: string): boolean => {
        try {
          pair.exec(pair.client, [process.execPath, '-e', CONNECT, host, String(PORT), from]);
          return true;
        } catch {
          return false;
        }
      };
      const v4 = (host: number) => `198.18.${i}.${host}`;
      const v6 = (host: number) => `2001:db8:${i.toString(16)}::${host}`;
      expect(connects(pair.serverV4, v4(2))).toBe(true);
      // Each side learns the other's IPv6 link address now: once ::9 is listed, a neighbour
      // solicitation the client sends from ::9 is dropped too, and ::3 would wait on it.
      expect(connects(pair.serverV6, v6(3))).toBe(true);
      const lists = backend.make(pair.server);
      await lists.start(['drop']);
      for (const argv of backend.trust(v4(3), v6(3))) pair.exec(pair.server, argv);
      // .2 and ::9 as single addresses; .0/29 and ::/120 as networks holding .9, ::2 and the trusted .3 and ::3.
      await lists.replace('drop', [v4(2), `198.18.${i}.0/29`], [v6(9), `${v6(0).replace(/::0$/, '::')}/120`]);
      expect(connects(pair.serverV4, v4(2))).toBe(false);
      expect(connects(pair.serverV4, v4(9))).toBe(true);
      expect(connects(pair.serverV4, v4(3))).toBe(true);
      expect(connects(pair.serverV6, v6(2))).toBe(false);
      expect(connects(pair.serverV6, v6(9))).toBe(false);
      expect(connects(pair.serverV6, v6(3))).toBe(true);
      const before = (await lists.dropped()).get('drop') ?? 0;
      expect(before).toBeGreaterThanOrEqual(3);

      // Refreshes while a client sends from a listed address: not one datagram may get through.
      const receiver = await startInNs(pair.server, RECEIVE, [String(UDP_PORT)]);
      children.push(receiver.child);
      const sender = await startInNs(pair.client, SEND, [pair.serverV4, String(UDP_PORT), v4(2)]);
      children.push(sender.child);
      const big = Array.from({ length: 20000 }, (_, k) => `198.19.${k >> 8}.${k & 255}`);
      for (let round = 0; round < 6; round++) await lists.replace('drop', round % 2 ? [`198.18.${i}.0/30`] : [...big, v4(2), '198.19.128.0/17'], []);
      const sent = await sender.last();
      const received = await receiver.last();
      expect(sent).toBeGreaterThan(0);
      expect(received).toBe(0);
      expect((await lists.dropped()).get('drop')).toBeGreaterThanOrEqual(before + sent);

      // The last refresh holds only .9: .2 comes back, .9 is dropped.
      await lists.replace('drop', [v4(9)], []);
      expect(connects(pair.serverV4, v4(2))).toBe(true);
      expect(connects(pair.serverV4, v4(9))).toBe(false);
      await lists.stop(['drop']);
      expect(connects(pair.serverV4, v4(9))).toBe(true);
      const left = backend.leftovers.map((argv) => pair.exec(pair.server, argv)).join('\n');
      expect(left).not.toMatch(/bl_|pcbl-|BLOCKLISTS|blocklists_prerouting/);
    } finally {
      for (const child of children) child.kill('SIGKILL');
      pair.destroy();
    }
  }, 120_000);
});

/** `n` distinct addresses of 198.19.0.0/16 from `first` on: lists big enough that a kernel load takes a while. */
const addresses = (first: number, n: number): string[] => Array.from({ length: n }, (_, k) => `198.19.${(first + k) >> 8}.${(first + k) & 255}`);

describe.each(BACKENDS)('two refreshes of one list at once in $name (network namespace)', (backend) => {
  it.skipIf(netnsSkipReason(backend.tools) !== null)('both complete, one after the other: the later list is in force and nothing half-made is left', async () => {
    const ns = `pc-bl-two-${randomBytes(3).toString('hex')}`;
    const inNs = (argv: string[]): string => execFileSync('ip', ['netns', 'exec', ns, ...argv], { stdio: ['ignore', 'pipe', 'pipe'] }).toString();
    execFileSync('ip', ['netns', 'add', ns]);
    try {
      const lists = backend.make(ns);
      await lists.start(['drop']);
      const older = addresses(0, 30_000);
      const newer = addresses(30_000, 25_000);
      const results = await Promise.allSettled([lists.replace('drop', older, []), lists.replace('drop', newer, [])]);
      expect(results.map((r) => (r.status === 'rejected' ? String(r.reason) : 'ok'))).toEqual(['ok', 'ok']);
      const left = backend.leftovers.map((argv) => inNs(argv)).join('\n');
      if (backend.name === 'nftables') {
        const listed = inNs(['nft', 'list', 'ruleset']);
        expect(listed).toMatch(/198\.19\.214\.215\b/);
        expect(listed).not.toMatch(/198\.19\.0\.1\b/);
        // One generation: the sets of only one of 0 and 1.
        expect(new Set([...left.matchAll(/set bl_drop_([01])_/g)].map((m) => m[1])).size).toBe(1);
      } else {
        expect(inNs(['ipset', 'list', '-t', 'pcbl-drop-4'])).toMatch(/Number of entries: 25000/);
        expect(() => inNs(['ipset', 'test', 'pcbl-drop-4', '198.19.214.215'])).not.toThrow();
        expect(() => inNs(['ipset', 'test', 'pcbl-drop-4', '198.19.0.1'])).toThrow();
        expect(left).not.toMatch(/pcbl-drop-[46]n/);
      }
    } finally {
      spawnSync('ip', ['netns', 'del', ns]);
    }
  }, 120_000);
});

describe('nftables lists after a restart (network namespace)', () => {
  it.skipIf(netnsSkipReason(['nft']) !== null)('a holder whose last refresh is not the one in force reads the generation from the kernel: no error, no gap', async () => {
    const pair = createNetnsPair(227, 'pc-bl-');
    const children: ChildProcess[] = [];
    try {
      const listed = pair.clientV4;
      const before = new NftLists({ netns: pair.server });
      await before.start(['drop']);
      await before.replace('drop', [listed, ...addresses(0, 1000)], []);
      // A second holder over the same kernel (the daemon started again) refreshes: the kernel's generation moves on.
      const after = new NftLists({ netns: pair.server });
      await after.start(['drop']);
      await after.replace('drop', [listed, ...addresses(1000, 1000)], []);

      const receiver = await startInNs(pair.server, RECEIVE, [String(UDP_PORT)]);
      children.push(receiver.child);
      const sender = await startInNs(pair.client, SEND, [pair.serverV4, String(UDP_PORT), listed]);
      children.push(sender.child);
      await before.replace('drop', [listed, ...addresses(2000, 1000)], []);
      await after.replace('drop', [listed, ...addresses(3000, 1000)], []);
      const sent = await sender.last();
      expect(sent).toBeGreaterThan(0);
      expect(await receiver.last()).toBe(0);
      const terse = pair.exec(pair.server, ['nft', '-t', 'list', 'table', 'inet', 'portcullis']);
      expect(new Set([...terse.matchAll(/set bl_drop_([01])_/g)].map((m) => m[1])).size).toBe(1);
      expect((await after.dropped()).get('drop')).toBeGreaterThanOrEqual(sent);
    } finally {
      for (const child of children) child.kill('SIGKILL');
      pair.destroy();
    }
  }, 120_000);
});
