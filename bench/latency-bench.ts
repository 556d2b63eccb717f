/**
 * `npm run bench:latency`: how long from appending the log line that reaches maxretry to the ban
 * being in the firewall set. One node process runs the real engine (Engine, SqliteStore with
 * synchronous = FULL as shipped, EngineLog writing to a file, the file follower with its default
 * fs.watch + 250 ms polling) on a temp log; the bench appends to that log itself.
 *
 * For each backend (dry-run; iptables+ipset and nftables, each inside a throw-away namespace
 * `pcl-<random>`, never the host's firewall): per ban, one failure line for a new IP, then, half
 * a gap later, the second line (maxretry = 2); t0 is taken right after that append. The ban is in
 * the set when the backend's `ban()` promise resolves (the backend is wrapped in a Proxy that
 * notes the time). Bans start 10-20 ms apart (open loop: the next one does not wait). Then a
 * burst: 100 first lines, and once counted, 100 second lines in one append. A sample of the bans
 * is checked in the kernel (`ipset test` / `nft get element`), with one address never banned as
 * a control. nftables also runs once with 100,000 bans preloaded by `replaceBans`.
 *
 * Environment: LATENCY_BENCH_BANS (1000), LATENCY_BENCH_BURST (100; 0 skips),
 * LATENCY_BENCH_PRELOAD (100000; 0 skips the preloaded run), LATENCY_BENCH_PRELOAD_BANS (100),
 * LATENCY_BENCH_SETTLE_S (120: how long a run may take to finish its bans), LATENCY_BENCH_NETNS=0
 * skips the kernel backends, LATENCY_BENCH_KEEP=1 keeps the temp folders. Always exits 0.
 */
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseConfig } from '../src/config/index.js';
import { EngineLog } from '../src/engine/engine-log.js';
import { Engine } from '../src/engine/engine.js';
import { SqliteStore } from '../src/engine/store.js';
import { DryRunBackend } from '../src/firewall/dry-run-backend.js';
import { IptablesBackend } from '../src/firewall/iptables/iptables-backend.js';
import { NftablesBackend } from '../src/firewall/nftables/nftables-backend.js';
import type { BanEntry, FirewallBackend } from '../src/firewall/types.js';
import { createNetns, deleteNetns, liveNetns } from './firewall-netns.js';
import { exitCodeInNetns, netnsUnavailable } from './latency-netns.js';
import { mulberry32 as random } from './generate-auth-log.js';
import { percentile } from './peak-rss.js';

const env = process.env;
const num = (value: string | undefined, fallback: number) => (value === undefined || value === '' ? fallback : Number(value));
const BANS = num(env.LATENCY_BENCH_BANS, 1000);
const BURST = num(env.LATENCY_BENCH_BURST, 100);
const PRELOAD = num(env.LATENCY_BENCH_PRELOAD, 100_000);
const PRELOAD_BANS = num(env.LATENCY_BENCH_PRELOAD_BANS, 100);
const SETTLE_MS = num(env.LATENCY_BENCH_SETTLE_S, 120) * 1000;
const GAP_MS = [10, 20] as const;
const TARGET_P99_MS = 50;
/** Every how many spaced bans one is checked in the kernel. */
const SAMPLE_EVERY = 50;

type Kind = 'dry-run' | 'iptables' | 'nftables';

interface Scenario {
  label: string;
  kind: Kind;
  preload: number;
  bans: number;
  burst: number;
  /** First address of the measured bans (IPv4, as a 32-bit number). */
  base: number;
}

/** When the engine called `ban()` for an address and when that resolved (performance.now()). */
interface Timing {
  called: number;
  resolved?: number;
  error?: string;
}

/** One measured ban: t0 right after its second line was appended. */
interface Sample {
  ip: string;
  t0: number;
  /** Whether the engine had counted the first line before the second was appended. */
  firstCounted: boolean;
}

interface Row {
  label: string;
  samples: Sample[];
  timings: Map<string, Timing>;
  /** Mean time between second lines (spaced runs). */
  intervalMs: number | null;
  complete: boolean;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const ms = (v: number | undefined) => (v === undefined ? '-' : v < 10 ? `${v.toFixed(2)} ms` : v < 1000 ? `${v.toFixed(1)} ms` : `${(v / 1000).toFixed(2)} s`);
const fmt = (n: number) => n.toLocaleString('en-US');

function ipv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}
const IP_198_18 = ((198 << 24) >>> 0) + (18 << 16);
const IP_10 = (10 << 24) >>> 0;

let pid = 10_000;
/** One sshd failure, dated now (ISO: no year to infer). */
function failureLine(ip: string): string {
  pid++;
  return `${new Date().toISOString()} web1 sshd[${pid}]: Failed password for root from ${ip} port ${40_000 + (pid % 20_000)} ssh2\n`;
}

/** Wraps a backend so that every `ban()` call notes, per address, when it was called and resolved. */
class BanTimer {
  readonly timings = new Map<string, Timing>();
  private readonly pending = new Set<string>();

  wrap(backend: FirewallBackend): FirewallBackend {
    return new Proxy(backend, {
      get: (target, prop) => {
        if (prop === 'ban') return (entries: BanEntry[]) => this.timedBan(target, entries);
        const value: unknown = Reflect.get(target, prop, target);
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
  }

  /** Addresses whose ban has not resolved (nor failed) yet are awaited. */
  expect(ips: string[]): void {
    for (const ip of ips) if (!this.done(ip)) this.pending.add(ip);
  }

  /** Resolves true when every expected ban is done, false when `budgetMs` passed first. */
  async settled(budgetMs: number): Promise<boolean> {
    const deadline = performance.now() + budgetMs;
    while (this.pending.size > 0) {
      if (performance.now() > deadline) return false;
      await sleep(10);
    }
    return true;
  }

  private done(ip: string): boolean {
    const t = this.timings.get(ip);
    return t !== undefined && (t.resolved !== undefined || t.error !== undefined);
  }

  private async timedBan(target: FirewallBackend, entries: BanEntry[]): Promise<void> {
    const called = performance.now();
    for (const e of entries) this.timings.set(e.address, { called });
    try {
      await target.ban(entries);
    } catch (err) {
      for (const e of entries) {
        this.timings.set(e.address, { called, error: (err as Error).message });
        this.pending.delete(e.address);
      }
      throw err;
    }
    const resolved = performance.now();
    for (const e of entries) {
      this.timings.set(e.address, { called, resolved });
      this.pending.delete(e.address);
    }
  }
}

function configText(kind: Kind, dir: string, logFile: string): string {
  const q = (p: string) => JSON.stringify(path.join(dir, p));
  return `
[firewall]
backend = "${kind}"
[daemon]
state_dir = ${q('state')}
socket = ${q('portcullis.sock')}
pid_file = ${q('portcullis.pid')}
log_file = ${q('engine.log')}
[jails.sshd]
filter = "sshd"
logpath = [${JSON.stringify(logFile)}]
maxretry = 2
findtime = "10m"
bantime = "1h"
start_at = "end"
`;
}

function makeBackend(kind: Kind, netns: string | null): FirewallBackend {
  if (kind === 'dry-run') return new DryRunBackend();
  if (!netns) throw new Error(`${kind} needs a namespace`);
  return kind === 'iptables' ? new IptablesBackend({ netns }) : new NftablesBackend({ netns });
}

/** Whether `ip` is in our IPv4 ban set inside `netns`, asked of the kernel tools directly. */
async function inKernelSet(kind: Kind, netns: string, ip: string): Promise<boolean> {
  const argv = kind === 'iptables'
    ? ['ipset', 'test', 'portcullis-bans4', ip]
    : ['nft', 'get', 'element', 'inet', 'portcullis', 'bans4', `{ ${ip} }`];
  return (await exitCodeInNetns(netns, argv, 30_000)) === 0;
}

async function withTimeout<T>(work: Promise<T>, timeoutMs: number, what: string): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => {
      console.log(`  (${what} did not finish within ${timeoutMs / 1000} s; going on)`);
      resolve(undefined);
    }, timeoutMs);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function runScenario(s: Scenario): Promise<Row[]> {
  const tmp = mkdtempSync(path.join(tmpdir(), 'portcullis-latency-'));
  const rows: Row[] = [];
  let netns: string | null = null;
  let raw: FirewallBackend | null = null;
  let store: SqliteStore | null = null;
  let engine: Engine | null = null;
  const wall = performance.now();
  console.log(`\n== ${s.label}`);
  try {
    if (s.kind !== 'dry-run') {
      netns = createNetns('pcl');
      console.log(`  namespace ${netns}`);
    }
    raw = makeBackend(s.kind, netns);
    const timer = new BanTimer();
    const logFile = path.join(tmp, 'auth.log');
    writeFileSync(logFile, '');
    const configPath = path.join(tmp, 'portcullis.toml');
    const config = parseConfig(configText(s.kind, tmp, logFile), configPath);
    store = SqliteStore.open(path.join(tmp, 'state'));
    const log = new EngineLog({ file: path.join(tmp, 'engine.log') });
    const counted = new Set<string>();
    const errors: string[] = [];
    engine = new Engine({
      configPath,
      config,
      store,
      firewall: timer.wrap(raw),
      log,
      onEvent: (e) => {
        if (e.type === 'failure' && e.count === 1) counted.add(e.ip);
        else if (e.type === 'error') errors.push(e.message);
      },
    });
    await engine.start();

    if (s.preload > 0) {
      const entries = Array.from({ length: s.preload }, (_, i) => ({ address: ipv4(IP_10 + i), timeout: 7200 }));
      const t = performance.now();
      await raw.replaceBans(entries);
      console.log(`  preloaded ${fmt(s.preload)} IPv4 bans with replaceBans in ${ms(performance.now() - t)}`);
    }

    // Spaced: first line, half a gap, second line (t0), half a gap; the next ban does not wait.
    const gaps = random(0x5eed + s.base);
    const spaced: Sample[] = [];
    for (let i = 0; i < s.bans; i++) {
      const ip = ipv4(s.base + i);
      const gap = GAP_MS[0] + gaps() * (GAP_MS[1] - GAP_MS[0]);
      appendFileSync(logFile, failureLine(ip));
      await sleep(gap / 2);
      const firstCounted = counted.has(ip);
      appendFileSync(logFile, failureLine(ip));
      spaced.push({ ip, t0: performance.now(), firstCounted });
      timer.expect([ip]);
      await sleep(gap / 2);
    }
    const span = spaced.length > 1 ? (spaced.at(-1)!.t0 - spaced[0]!.t0) / (spaced.length - 1) : null;
    const spacedDone = await timer.settled(SETTLE_MS);
    rows.push({ label: `${s.label}, spaced`, samples: spaced, timings: timer.timings, intervalMs: span, complete: spacedDone });
    console.log(`  ${fmt(spaced.length)} spaced bans ${spacedDone ? 'done' : 'NOT all done'} after ${ms(performance.now() - wall)}`);

    // Burst: the first lines, counted; then every second line in one append.
    if (s.burst > 0 && spacedDone) {
      const ips = Array.from({ length: s.burst }, (_, i) => ipv4(s.base + 0x4000 + i));
      appendFileSync(logFile, ips.map(failureLine).join(''));
      const deadline = performance.now() + 5000;
      while (!ips.every((ip) => counted.has(ip)) && performance.now() < deadline) await sleep(5);
      const before = new Set(ips.filter((ip) => counted.has(ip)));
      appendFileSync(logFile, ips.map(failureLine).join(''));
      const t0 = performance.now();
      const burst = ips.map((ip) => ({ ip, t0, firstCounted: before.has(ip) }));
      timer.expect(ips);
      const burstDone = await timer.settled(SETTLE_MS);
      rows.push({ label: `${s.label}, burst of ${s.burst}`, samples: burst, timings: timer.timings, intervalMs: null, complete: burstDone });
      console.log(`  burst of ${s.burst} ${burstDone ? 'done' : 'NOT all done'}`);
    }

    await verify(s, raw, netns, rows);
    if (errors.length > 0) console.log(`  engine errors: ${errors.length}, first: ${errors[0]}`);
  } catch (err) {
    console.log(`  FAILED: ${(err as Error).stack ?? String(err)}`);
  } finally {
    if (engine) await withTimeout(engine.stop(), 15_000, 'engine.stop');
    store?.close();
    if (netns) {
      if (raw) await withTimeout(raw.stop({ removeBans: true }).catch(() => undefined), 15_000, 'backend stop');
      deleteNetns(netns);
    }
    if (env.LATENCY_BENCH_KEEP === '1') console.log(`  kept ${tmp}`);
    else rmSync(tmp, { recursive: true, force: true });
    console.log(`  ${s.label}: ${ms(performance.now() - wall)} in all`);
  }
  return rows;
}

/** Reads the bans back: the count from listBans, and for the kernel a sample asked of ipset/nft. */
async function verify(s: Scenario, raw: FirewallBackend, netns: string | null, rows: Row[]): Promise<void> {
  const banned = rows.flatMap((r) => r.samples.filter((x) => r.timings.get(x.ip)?.resolved !== undefined).map((x) => x.ip));
  const listed = await withTimeout(raw.listBans(), 60_000, 'listBans');
  if (listed) {
    const set = new Set(listed);
    const missing = banned.filter((ip) => !set.has(ip)).length;
    console.log(`  listBans: ${fmt(listed.length)} (expected ${fmt(s.preload + banned.length)}); resolved bans missing from it: ${missing}`);
  }
  if (!netns) return;
  const sample = [
    ...(rows[0]?.samples ?? []).filter((_, i, all) => i % SAMPLE_EVERY === SAMPLE_EVERY - 1 || i === all.length - 1),
    ...(rows[1]?.samples ?? []).filter((_, i, all) => i < 3 || i >= all.length - 2),
  ].map((x) => x.ip);
  let present = 0;
  for (const ip of sample) if (await inKernelSet(s.kind, netns, ip)) present++;
  const control = ipv4(s.base + 0x8000); // never appended, never banned
  const controlAbsent = !(await inKernelSet(s.kind, netns, control));
  const tool = s.kind === 'iptables' ? 'ipset test' : 'nft get element';
  console.log(`  kernel check (${tool}): ${present}/${sample.length} sampled bans in the set; control ${control} ${controlAbsent ? 'absent, as it should be' : 'PRESENT (check is not meaningful)'}`);
}

function report(rows: Row[]): void {
  const head = ['backend', 'n', 'median', 'p90', 'p99', 'max', `target p99 < ${TARGET_P99_MS} ms`];
  const lines: string[][] = [head];
  const detail: string[][] = [['backend', 'detect+store+queue med / p99', 'ban() call med / p99', 'interval', 'first line counted', 'not done']];
  for (const r of rows) {
    const lat: number[] = [];
    const before: number[] = [];
    const call: number[] = [];
    for (const x of r.samples) {
      const t = r.timings.get(x.ip);
      if (t?.resolved === undefined) continue;
      lat.push(t.resolved - x.t0);
      before.push(t.called - x.t0);
      call.push(t.resolved - t.called);
    }
    for (const a of [lat, before, call]) a.sort((x, y) => x - y);
    const p99 = percentile(lat, 99);
    const notDone = r.samples.length - lat.length;
    const verdict = p99 === undefined ? 'missed (no ban done)' : p99 < TARGET_P99_MS && notDone === 0 ? 'met' : 'missed';
    lines.push([r.label, `${fmt(lat.length)}${notDone ? `/${fmt(r.samples.length)}` : ''}`, ms(percentile(lat, 50)), ms(percentile(lat, 90)), ms(p99), ms(lat.at(-1)), verdict]);
    detail.push([
      r.label,
      `${ms(percentile(before, 50))} / ${ms(percentile(before, 99))}`,
      `${ms(percentile(call, 50))} / ${ms(percentile(call, 99))}`,
      r.intervalMs === null ? 'at once' : ms(r.intervalMs),
      `${r.samples.filter((x) => x.firstCounted).length}/${r.samples.length}`,
      String(notDone),
    ]);
  }
  printTable(lines);
  console.log('');
  printTable(detail);
}

function printTable(lines: string[][]): void {
  const widths = lines[0]!.map((_, c) => Math.max(...lines.map((l) => (l[c] ?? '').length)));
  for (const [i, l] of lines.entries()) {
    console.log(l.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  '));
    if (i === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  }
}

async function main(): Promise<void> {
  const started = performance.now();
  console.log(`Latency bench: last failure line appended -> ban() resolved in the firewall backend`);
  console.log(`node ${process.version}; ${BANS} bans ${GAP_MS[0]}-${GAP_MS[1]} ms apart, burst ${BURST}; maxretry 2, SqliteStore FULL sync in ${tmpdir()}; file follower defaults (fs.watch + 250 ms poll)`);
  const scenarios: Scenario[] = [{ label: 'dry-run', kind: 'dry-run', preload: 0, bans: BANS, burst: BURST, base: IP_198_18 }];
  const why = env.LATENCY_BENCH_NETNS === '0' ? 'LATENCY_BENCH_NETNS=0' : netnsUnavailable(['ipset', 'iptables', 'nft']);
  if (why) {
    console.log(`kernel backends skipped: ${why}`);
  } else {
    scenarios.push({ label: 'iptables+ipset (netns)', kind: 'iptables', preload: 0, bans: BANS, burst: BURST, base: IP_198_18 });
    scenarios.push({ label: 'nftables (netns, empty set)', kind: 'nftables', preload: 0, bans: BANS, burst: BURST, base: IP_198_18 });
    if (PRELOAD > 0 && PRELOAD_BANS > 0) {
      const label = `nftables (netns, ${fmt(PRELOAD)} preloaded)`;
      scenarios.push({ label, kind: 'nftables', preload: PRELOAD, bans: PRELOAD_BANS, burst: 0, base: IP_198_18 });
    }
  }
  const rows: Row[] = [];
  for (const s of scenarios) rows.push(...(await runScenario(s)));

  console.log('');
  report(rows);
  console.log('');
  console.log('Latency = performance.now() when the backend\'s ban() resolved - performance.now() right after appendFileSync of the line reaching maxretry.');
  console.log('"detect+store+queue": t0 to the ban() call (follower wake, read, filter, position and ban writes with fsync, wait behind earlier firewall calls);');
  console.log('"ban() call": the backend command alone (ip netns exec + ipset restore / nft -f). Bans run one at a time (BanManager), so a burst queues.');
  console.log('nftables starts with an empty set (up to ~1,100 elements by the end); nft reloads the set per change, so its per-ban cost grows with the set size:');
  console.log(`the preloaded row shows it with ${fmt(PRELOAD)} bans, its ${PRELOAD_BANS} bans sent at the same 10-20 ms spacing (open loop, so they queue).`);
  const left = liveNetns();
  console.log(`namespaces left by this bench: ${left.length === 0 ? 'none' : left.join(', ')}; total ${ms(performance.now() - started)}`);
}

main()
  .catch((err: unknown) => console.log(`bench failed: ${(err as Error).stack ?? String(err)}`))
  .finally(() => process.exit(0));
