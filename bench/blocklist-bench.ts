// Load and refresh times of a blocklist per backend, inside a throw-away network namespace.
// For each size: parsing the text as a download is parsed, the first load into empty sets, and a
// refresh that replaces every entry (the other generation filled, then swapped in). Wall seconds
// and CPU seconds (user + system, of this process and of the nft / ipset commands it ran), which
// stay meaningful on a loaded machine where the wall clock does not. The load average is printed.
// Usage: npm run bench:blocklist [-- 100000 1000000]
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { IpsetLists } from '../src/blocklist/ipset-lists.js';
import { NftLists } from '../src/blocklist/nft-lists.js';
import { parseList } from '../src/blocklist/parse.js';

const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0);
if (sizes.length === 0) sizes.push(100_000);

/** n entries: 90% single addresses, 10% /24 networks, spread over 11.0.0.0-110.255.255.255 (only inside the namespace). */
function makeText(n: number, seed: number): string {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const x = (i * 2654435761 + seed) >>> 0;
    out.push(i % 10 === 0 ? `${11 + (x % 100)}.${(x >>> 8) & 255}.${(x >>> 16) & 255}.0/24` : `${11 + (x % 100)}.${(x >>> 8) & 255}.${(x >>> 16) & 255}.${i & 255}`);
  }
  return `${out.join('\n')}\n`;
}

/** CPU seconds (user + system) of this process's finished children, from /proc. */
function childCpu(): number {
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[13]) + Number(fields[14])) / 100;
}

/** Wall seconds, and CPU seconds of this process (building the scripts) plus the commands it ran. */
async function measure(fn: () => Promise<unknown>): Promise<{ wall: number; cpu: number }> {
  const children = childCpu();
  const own = process.cpuUsage();
  const start = process.hrtime.bigint();
  await fn();
  const used = process.cpuUsage(own);
  return { wall: Number(process.hrtime.bigint() - start) / 1e9, cpu: childCpu() - children + (used.user + used.system) / 1e6 };
}

const ns = `pc-bench-bl-${randomBytes(2).toString('hex')}`;
execFileSync('ip', ['netns', 'add', ns]);
try {
  const target = { netns: ns };
  const show = (m: { wall: number; cpu: number }) => `${m.wall.toFixed(2).padStart(7)} s (cpu ${m.cpu.toFixed(2).padStart(5)})`;
  console.log(`blocklist bench: inside a network namespace; wall seconds (CPU seconds); load average ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`);
  console.log('backend           entries   parse         load                       refresh');
  for (const n of sizes) {
    const [firstText, secondText] = [makeText(n, 1), makeText(n, 7)];
    const parseStart = process.hrtime.bigint();
    const first = parseList(firstText);
    const parse = Number(process.hrtime.bigint() - parseStart) / 1e9;
    const second = parseList(secondText);
    const backends = [
      { name: 'nftables', lists: new NftLists(target) },
      { name: 'iptables+ipset', lists: new IpsetLists(target) },
    ];
    for (const { name, lists } of backends) {
      await lists.start(['bench']);
      const load = await measure(() => lists.replace('bench', first.v4, first.v6));
      const refresh = await measure(() => lists.replace('bench', second.v4, second.v6));
      await lists.stop(['bench']);
      console.log(`${name.padEnd(15)} ${String(first.v4.length + first.v6.length).padStart(9)} ${parse.toFixed(2).padStart(6)} s ${show(load)} ${show(refresh)}`);
    }
  }
} finally {
  execFileSync('ip', ['netns', 'del', ns]);
}
