/**
 * The bulk side of the firewall bench: N bans loaded at start (`start([])` then `replaceBans`),
 * then one more ban at a time, each backend in a fresh namespace per run.
 */
import { checkAddress } from '../src/net/index.js';
import { checkBan, replaceScript } from '../src/firewall/iptables/ipset-script.js';
import { IptablesBackend } from '../src/firewall/iptables/index.js';
import { BAN_SETS, TABLE, banElement, distinctElements, elementLines, script } from '../src/firewall/nftables/nft-script.js';
import { NftablesBackend } from '../src/firewall/nftables/index.js';
import type { BanEntry, FirewallBackend } from '../src/firewall/types.js';
import { extraAddress } from './firewall-addresses.js';
import { timedInNetns, withNetns } from './firewall-netns.js';

export type BackendId = 'iptables' | 'nftables';

/** A backend under test and the node-side work its `replaceBans` does before any process runs. */
export interface BenchBackend {
  id: BackendId;
  label: string;
  create(ns: string): FirewallBackend;
  /** Checks every address and builds the script text, as `replaceBans` does; returns its length. */
  prepare(entries: BanEntry[]): number;
}

export const BENCH_BACKENDS: BenchBackend[] = [
  {
    id: 'iptables',
    label: 'iptables+ipset',
    create: (ns) => new IptablesBackend({ netns: ns }),
    prepare: (entries) => replaceScript('bans', entries.map(checkBan)).length,
  },
  {
    id: 'nftables',
    label: 'nftables',
    create: (ns) => new NftablesBackend({ netns: ns }),
    prepare: (entries) => script([
      `flush set ${TABLE} ${BAN_SETS[4]}`,
      `flush set ${TABLE} ${BAN_SETS[6]}`,
      ...elementLines('add', BAN_SETS, distinctElements(entries.map(banElement))),
    ]).length,
  },
];

/** One load of N bans into a fresh namespace. */
export interface LoadRun {
  ok: boolean;
  startMs: number;
  replaceMs: number;
  totalMs: number;
  /** Node's RSS right after `replaceBans` returned, and the process's peak RSS so far. */
  rssBytes: number;
  maxRssBytes: number;
  failure?: string;
}

/** Everything measured for one backend at one N. */
export interface LoadResult {
  backend: BenchBackend;
  size: number;
  runs: LoadRun[];
  /** Node-side: check + script as the backend does it, and `checkAddress` alone over the N addresses. */
  prepare: PrepareFigures;
  /** `ban([one more])` after the last load, each with a new address. */
  banMs: number[];
  banFailure?: string;
  /** Bans the kernel holds after the last load (from `listBans()`), or why not counted. */
  kernelCount: number | string;
  countMs: number;
}

export interface LoadOptions {
  banRuns: number;
  loadBudgetMs: number;
  /** For one `ban()` call, and for the whole series. */
  banBudgetMs: number;
  countBudgetMs: number;
  progress: (text: string) => void;
}

function rss(): { rssBytes: number; maxRssBytes: number } {
  return { rssBytes: process.memoryUsage().rss, maxRssBytes: process.resourceUsage().maxRSS * 1024 };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Node-side work only (no process runs): the backend's check + script, then `checkAddress` alone. */
export interface PrepareFigures {
  prepareMs: number;
  scriptBytes: number;
  /** Microseconds per `checkAddress` call, by family, from at most CHECK_SAMPLE addresses. */
  checkUsV4: number;
  checkUsV6: number;
  /** What `checkAddress` alone costs for all N at those rates. */
  checkMs: number;
}

/** Enough for a steady per-call figure without spending another 15 s at 1,000,000. */
const CHECK_SAMPLE = 100_000;

export function measurePrepare(backend: BenchBackend, entries: BanEntry[]): PrepareFigures {
  let t0 = performance.now();
  const scriptBytes = backend.prepare(entries);
  const prepareMs = performance.now() - t0;
  // After the backend's own pass, so the JIT is warm and this is the steady cost.
  const sample = entries.slice(0, CHECK_SAMPLE);
  const perCallUs = (family: string[]) => {
    t0 = performance.now();
    for (const address of family) checkAddress(address);
    return family.length === 0 ? NaN : ((performance.now() - t0) * 1000) / family.length;
  };
  const checkUsV4 = perCallUs(sample.filter((e) => !e.address.includes(':')).map((e) => e.address));
  const checkUsV6 = perCallUs(sample.filter((e) => e.address.includes(':')).map((e) => e.address));
  const v6 = entries.reduce((n, e) => n + (e.address.includes(':') ? 1 : 0), 0);
  const checkMs = ((entries.length - v6) * (checkUsV4 || 0) + v6 * (checkUsV6 || 0)) / 1000;
  return { prepareMs, scriptBytes, checkUsV4, checkUsV6, checkMs };
}

export function emptyResult(backend: BenchBackend, size: number, entries: BanEntry[]): LoadResult {
  return { backend, size, runs: [], prepare: measurePrepare(backend, entries), banMs: [], kernelCount: 'not counted', countMs: 0 };
}

/**
 * One run for one backend: fresh namespace, `start([])`, `replaceBans(entries)`; on the last run
 * also the kernel's count (listBans), then the one-more bans, before the namespace goes.
 */
export async function loadOnce(result: LoadResult, entries: BanEntry[], last: boolean, opts: LoadOptions): Promise<void> {
  const { backend } = result;
  await withNetns(async (ns) => {
    const fw = backend.create(ns);
    const start = await timedInNetns(ns, opts.loadBudgetMs, () => fw.start([]));
    if (!start.ok) {
      result.runs.push({ ok: false, startMs: start.ms, replaceMs: NaN, totalMs: NaN, ...rss(), failure: `start: ${start.reason}` });
      return;
    }
    const replace = await timedInNetns(ns, Math.max(1000, opts.loadBudgetMs - start.ms), () => fw.replaceBans(entries));
    const run: LoadRun = { ok: replace.ok, startMs: start.ms, replaceMs: replace.ms, totalMs: start.ms + replace.ms, ...rss() };
    if (!replace.ok) run.failure = `replaceBans: ${replace.reason}`;
    result.runs.push(run);
    opts.progress(`  ${backend.label} ${result.size.toLocaleString('en-US')} run ${result.runs.length}: `
      + (replace.ok ? `${(run.totalMs / 1000).toFixed(2)} s (start ${(start.ms / 1000).toFixed(2)} + replaceBans ${(replace.ms / 1000).toFixed(2)})`
        : run.failure!));
    if (!last || !replace.ok) return;
    const count = await timedInNetns(ns, opts.countBudgetMs, () => fw.listBans());
    result.countMs = count.ms;
    result.kernelCount = count.ok ? count.value.length : `not counted (${count.reason})`;
    await banOneMore(result, fw, ns, opts);
  });
  // The kernel frees a deleted namespace's sets in the background; let it finish before the next run.
  await sleep(Math.min(3000, 200 + result.size / 500));
}

async function banOneMore(result: LoadResult, fw: FirewallBackend, ns: string, opts: LoadOptions): Promise<void> {
  const t0 = performance.now();
  for (let i = 0; i < opts.banRuns; i++) {
    const one = await timedInNetns(ns, opts.banBudgetMs, () => fw.ban([{ address: extraAddress(i) }]));
    if (!one.ok) {
      result.banFailure = one.reason;
      return;
    }
    result.banMs.push(one.ms);
    if (performance.now() - t0 > opts.banBudgetMs && i + 1 < opts.banRuns) {
      result.banFailure = `stopped after ${i + 1} bans: over the ${opts.banBudgetMs / 1000} s budget`;
      return;
    }
  }
}
