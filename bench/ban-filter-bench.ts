/**
 * `node --import tsx bench/ban-filter-bench.ts [--n 1000000] [--runs 5]`: the console's filter
 * over N bans (`BanIndex.view` with a needle typed from scratch), median ms per needle, with the
 * shown order (newest first) as the rows lie in memory and scrambled, as bans made over time
 * and rows reused after unbans leave it; then the same needles typed a character at a time, as
 * in the console (each character narrows the rows the one before matched), ms per character.
 */
import { BanIndex } from '../src/tui/model/ban-index.js';
import type { BanListing } from '../src/engine/types.js';
import { option } from './options.js';
import { median } from './peak-rss.js';

const N = Number(option('n', '1000000'));
const RUNS = Number(option('runs', '5'));
const NEEDLES = ['1', '19', '198.', '198.1', 'db8:f', 'post'];
/** What the console bench types. */
const TYPED = '198.1';

function index(scrambled: boolean): BanIndex {
  const now = Date.now();
  const bans: BanListing[] = [];
  let v4 = 0;
  for (let i = 0; i < N; i++) {
    const ip = i % 5 < 3 && v4 < 2 ** 17 ? `198.${18 + ((v4 >> 16) & 1)}.${(v4 >> 8) & 255}.${v4++ & 255}` : `2001:db8:${(i >> 16).toString(16)}:${(i & 0xffff).toString(16)}::1`;
    // 7,919 is prime: i * 7919 mod N visits every position once, far from the one before.
    const age = scrambled ? (i * 7919) % N : i;
    bans.push({ ip, jail: i % 3 ? 'sshd' : 'postfix', bannedAt: now - age * 1000, expiresAt: now + 3_600_000, count: 1 + (i % 4) });
  }
  const built = new BanIndex();
  built.reset(bans);
  return built;
}

/**
 * Median ms per needle over RUNS runs, each run started with the filter cleared, and (`typed`)
 * each needle narrowing the one before, as typing does, or (not) from scratch; and the rows shown.
 */
function timed(built: BanIndex, needles: string[], typed: boolean): { ms: number; shown: number }[] {
  const times = needles.map((): number[] => []);
  const shown = needles.map(() => 0);
  for (let run = 0; run < RUNS; run++) {
    built.view('bannedAt', '');
    needles.forEach((needle, k) => {
      if (!typed) built.view('bannedAt', '');
      const started = performance.now();
      shown[k] = built.view('bannedAt', needle).length;
      times[k]!.push(performance.now() - started);
    });
  }
  return needles.map((_, k) => ({ ms: median(times[k]!), shown: shown[k]! }));
}

for (const scrambled of [false, true]) {
  const built = index(scrambled);
  const order = scrambled ? 'scrambled' : 'as in memory';
  const alone = timed(built, NEEDLES, false).map((t, k) => `"${NEEDLES[k]}" ${t.ms.toFixed(1)} ms (${t.shown.toLocaleString('en-US')})`);
  console.log(`${N.toLocaleString('en-US')} bans, shown order ${order}: ${alone.join(', ')}`);
  const prefixes = [...TYPED].map((_, k) => TYPED.slice(0, k + 1));
  const typed = timed(built, prefixes, true).map((t, k) => `"${prefixes[k]}" ${t.ms.toFixed(1)} ms`);
  console.log(`typed, shown order ${order}: ${typed.join(', ')}`);
}
