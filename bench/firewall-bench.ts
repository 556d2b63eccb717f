/**
 * `npm run bench:firewall`: how long restoring bans takes with each real backend (iptables+ipset
 * and nftables), in bulk as portcullis does it and one process per IP as fail2ban does it, side by
 * side. Root only; everything runs in throw-away network namespaces (`pcb-<random>`), never on the
 * host's firewall.
 *
 * Environment: FW_BENCH_SIZES (default 100000,1000000), FW_BENCH_ONE_BY_ONE (IPs added one process
 * at a time per method, default 10000; 0 skips), FW_BENCH_BAN_RUNS (default 20),
 * FW_BENCH_LOAD_BUDGET_S (per load, default 240), FW_BENCH_ONE_BY_ONE_BUDGET_S (per method,
 * default 180).
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { banList, mixFor, v4List, V4_POOL } from './firewall-addresses.js';
import { BENCH_BACKENDS, emptyResult, loadOnce, type LoadOptions, type LoadResult } from './firewall-load.js';
import { liveNetns, withNetns } from './firewall-netns.js';
import { ONE_BY_ONE_METHODS, runOneByOne, spawnOverhead, type OneByOneResult } from './firewall-one-by-one.js';
import { fmt, printTable, TARGET_BANS } from './firewall-report.js';

const env = process.env;
const SIZES = (env.FW_BENCH_SIZES ?? '100000,1000000').split(',').map((s) => Number(s.trim())).filter((n) => Number.isInteger(n) && n > 0);
const ONE_BY_ONE = Number(env.FW_BENCH_ONE_BY_ONE ?? 10_000);
const BAN_RUNS = Number(env.FW_BENCH_BAN_RUNS ?? 20);
const LOAD_BUDGET_MS = Number(env.FW_BENCH_LOAD_BUDGET_S ?? 240) * 1000;
const ONE_BY_ONE_BUDGET_MS = Number(env.FW_BENCH_ONE_BY_ONE_BUDGET_S ?? 180) * 1000;
const OVERHEAD_CALLS = 200;

/** 3 runs (median) up to 100,000 bans, 1 run above. */
const runsFor = (size: number) => (size <= TARGET_BANS ? 3 : 1);
const log = (text: string) => console.log(text);

function version(argv: string[]): string {
  try {
    return execFileSync(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] }).toString().split('\n')[0]!.trim();
  } catch {
    return 'missing';
  }
}

function preflight(): string | null {
  if (process.getuid?.() !== 0) return 'needs root (network namespaces)';
  for (const tool of ['ip', 'ipset', 'iptables', 'ip6tables', 'nft']) {
    if (version(['which', tool]) === 'missing') return `needs ${tool} on PATH`;
  }
  return null;
}

async function bulk(): Promise<LoadResult[]> {
  const opts: LoadOptions = {
    banRuns: BAN_RUNS, loadBudgetMs: LOAD_BUDGET_MS, banBudgetMs: 30_000, countBudgetMs: 30_000, progress: log,
  };
  const results: LoadResult[] = [];
  for (const size of [...SIZES].sort((a, b) => a - b)) {
    const mix = mixFor(size);
    const entries = banList(mix);
    log(`\n${fmt(size)} bans: ${fmt(mix.v4)} IPv4 + ${fmt(mix.v6)} IPv6, ${runsFor(size)} run(s) per backend`);
    const bySize = BENCH_BACKENDS.map((b) => emptyResult(b, size, entries));
    results.push(...bySize);
    const runs = runsFor(size);
    for (let run = 0; run < runs; run++) {
      // Alternate which backend goes first, so neither always runs on a machine still busy with the other.
      const order = run % 2 === 0 ? bySize : [...bySize].reverse();
      for (const result of order) await loadOnce(result, entries, run === runs - 1, opts);
    }
  }
  return results;
}

async function oneAtATime(): Promise<OneByOneResult[]> {
  if (ONE_BY_ONE <= 0) return [];
  const ips = v4List(ONE_BY_ONE);
  log(`\none at a time: ${fmt(ips.length)} IPv4 per method, one process each, sequential`);
  const results: OneByOneResult[] = [];
  for (const method of Object.values(ONE_BY_ONE_METHODS)) {
    try {
      results.push(await runOneByOne(method, ips, ONE_BY_ONE_BUDGET_MS, log));
    } catch (err) {
      log(`  ${method.id} failed: ${(err as Error).message}`);
    }
  }
  return results;
}

function printMethod(overhead: { netnsTrueMs: number; trueMs: number } | null): void {
  const sizes = SIZES.map((s) => {
    const m = mixFor(s);
    return `${fmt(s)} = ${fmt(m.v4)} IPv4 (${((m.v4 / s) * 100).toFixed(0)}%) + ${fmt(m.v6)} IPv6`;
  });
  log(`
method:
  machine: ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}, `
    + `${version(['iptables', '--version'])}, ${version(['ipset', '--version'])}, ${version(['nft', '--version'])}
  order: spawn cost, then the one-at-a-time methods, then the bulk loads by increasing N.
  isolation: every command runs as \`ip netns exec pcb-<random> <command>\` in a namespace created for the
    step and deleted right after it; one fresh namespace per load run, per one-at-a-time method.
  addresses (deterministic, distinct, permanent bans, no timeout): IPv4 from 198.18.0.0/15 (${fmt(V4_POOL)}
    addresses, so at most that many), the rest IPv6 2001:db8:XXXX:XXXX::1 (2001:db8::/32); 70% IPv4 wanted,
    families interleaved evenly: ${sizes.join('; ')}.
  load: new IptablesBackend({ netns }) / new NftablesBackend({ netns }); wall time (performance.now) of
    \`await start([])\` plus \`await replaceBans(entries)\`, in this node process: it includes checking every
    address (ipaddr.js), building the script, spawning \`ip netns exec\`, and the kernel commit
    (iptables+ipset: one \`ipset restore -exist\` filling a temp set, swapped in; nftables: one \`nft -f -\`
    transaction into interval sets, 1,000 elements per statement). Median of 3 runs for N <= ${fmt(TARGET_BANS)},
    1 run above; backends alternate going first. Budget per load ${LOAD_BUDGET_MS / 1000} s (then the
    namespace's processes are killed by pid and the run reported as failed).
  in node: the backend's own checks and script text built once without running anything (checkBan +
    replaceScript / banElement + distinctElements + elementLines); then checkAddress alone timed per family
    on the first 100,000 addresses (JIT warm) and scaled to N.
  kernel count: listBans() after the last load (budget 30 s). One more ban: \`await ban([{ address }])\` with
    ${BAN_RUNS} different IPv4 from 203.0.113.0/24 after the last load, median (budget 30 s per call and
    for the series).
  RSS: process.memoryUsage().rss of this node process right after replaceBans returned, and the peak
    (process.resourceUsage().maxRSS) so far; both include the bench's own list of N entries and garbage not
    yet collected, and the peak includes every earlier step.
  one at a time: ${fmt(Math.min(ONE_BY_ONE, V4_POOL))} IPv4 of the same list, per method in a fresh namespace
    after setup (IptablesBackend.start([]) for ipset; \`iptables -N f2b-bench\` and \`iptables -I INPUT -j
    f2b-bench\` for the rule per IP; NftablesBackend.start([]) for nft); each IP is one
    execFile('ip', ['netns', 'exec', ns, ...argv]) (no shell), awaited before the next. Extrapolation to
    ${fmt(TARGET_BANS)}: total / IPs x ${fmt(TARGET_BANS)} (linear, as asked); the "keeps growing" line fits the
    per-IP cost linearly between the first and the last tenth and sums it. Budget per method
    ${ONE_BY_ONE_BUDGET_MS / 1000} s.`);
  if (overhead) {
    log(`  spawn cost, mean of ${OVERHEAD_CALLS} (included in every one-at-a-time figure): execFile('true') `
      + `${overhead.trueMs.toFixed(2)} ms, execFile('ip', ['netns', 'exec', ns, 'true']) ${overhead.netnsTrueMs.toFixed(2)} ms. `
      + 'fail2ban pays a /bin/sh -c per command instead of the ip netns exec.');
  }
}

async function main(): Promise<void> {
  const reason = preflight();
  if (reason) {
    log(`firewall bench skipped: ${reason}`);
    return;
  }
  const t0 = performance.now();
  log(`firewall bench: sizes ${SIZES.map(fmt).join(', ')}; one at a time ${fmt(ONE_BY_ONE)}; all in pcb-* namespaces`);
  const overhead = await withNetns((ns) => spawnOverhead(ns, OVERHEAD_CALLS));
  // One process per IP first, while this process is small: node forks each child, and a fork costs
  // more once the 1,000,000-ban load has grown the heap to a gigabyte.
  const oneByOne = await oneAtATime();
  const loads = await bulk();
  printTable(loads, SIZES, oneByOne, BAN_RUNS);
  printMethod(overhead);
  const left = liveNetns().filter((ns) => existsSync(`/run/netns/${ns}`));
  log(`\nbench namespaces left: ${left.length === 0 ? 'none' : left.join(', ')}; total ${((performance.now() - t0) / 1000).toFixed(0)} s`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
