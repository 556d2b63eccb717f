// Load and refresh times of a blocklist per backend, inside a throw-away network namespace,
// printed beside the raw bulk command (nft -f / ipset restore of the same script) in the same run.
// Usage: npm run bench:blocklist [-- 100000 1000000]
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { IpsetLists, ipsetReplaceScript } from '../src/blocklist/ipset-lists.js';
import { NftLists, nftReplaceScript } from '../src/blocklist/nft-lists.js';
import { parseList } from '../src/blocklist/parse.js';
import { runCommand } from '../src/firewall/run-command.js';

const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0);
if (sizes.length === 0) sizes.push(100_000);

/** n distinct /32s and some /24s spread over 10.0.0.0/8-style space (only inside the namespace). */
function makeList(n: number, seed: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const x = (i * 2654435761 + seed) >>> 0;
    out.push(i % 10 === 0 ? `${11 + (x % 100)}.${(x >>> 8) & 255}.${(x >>> 16) & 255}.0/24` : `${11 + (x % 100)}.${(x >>> 8) & 255}.${(x >>> 16) & 255}.${i & 255}`);
  }
  // Parsing checks the text as a download would be checked.
  return parseList(`${out.join('\n')}\n`).v4;
}

async function time(fn: () => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1e9;
}

const ns = `pc-h25-bench-${randomBytes(2).toString('hex')}`;
execFileSync('ip', ['netns', 'add', ns]);
try {
  const target = { netns: ns };
  console.log('blocklist bench: seconds, inside a network namespace');
  console.log('backend          entries    load   refresh   raw bulk command   ratio(load/raw)');
  for (const n of sizes) {
    const first = makeList(n, 1);
    const second = makeList(n, 7);
    const nft = new NftLists(target);
    await nft.start(['bench']);
    const nftLoad = await time(() => nft.replace('bench', first, []));
    const nftRefresh = await time(() => nft.replace('bench', second, []));
    const script = nftReplaceScript('bench', first, []);
    const nftRaw = await time(() => runCommand(['nft', '-f', '-'], target, script));
    await nft.stop(['bench']);
    console.log(`nftables     ${String(n).padStart(11)} ${nftLoad.toFixed(2).padStart(7)} ${nftRefresh.toFixed(2).padStart(9)}   nft -f ${nftRaw.toFixed(2).padStart(9)}   ${(nftLoad / nftRaw).toFixed(2)}`);

    const ipset = new IpsetLists(target);
    await ipset.start(['bench']);
    const ipLoad = await time(() => ipset.replace('bench', first, []));
    const ipRefresh = await time(() => ipset.replace('bench', second, []));
    const restore = ipsetReplaceScript('bench', 4, first);
    const ipRaw = await time(() => runCommand(['ipset', 'restore'], target, restore));
    await ipset.stop(['bench']);
    console.log(`iptables+ipset ${String(n).padStart(9)} ${ipLoad.toFixed(2).padStart(7)} ${ipRefresh.toFixed(2).padStart(9)}   ipset restore ${ipRaw.toFixed(2).padStart(2)}   ${(ipLoad / ipRaw).toFixed(2)}`);
  }
} finally {
  execFileSync('ip', ['netns', 'del', ns]);
}
