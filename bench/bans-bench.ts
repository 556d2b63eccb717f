/**
 * `npm run bench:bans`: what 100,000 active bans cost the engine. The bans are put in a SqliteStore
 * in a temp folder, then `BanManager.start()` (restore: one store read and one replaceBans) is
 * timed with the dry-run backend (in memory, no state file) and, when root with `ip netns` and
 * `nft`, with the nftables backend inside a throw-away namespace (never the host's firewall).
 * After each start: RSS, and the CPU used while idle for BANS_BENCH_IDLE_S seconds (one expiry
 * timer, so about nothing). Then 1,000,000 expiries in an ExpiryQueue alone: scheduling time and
 * idle CPU. Exits 0 whether or not the target is met.
 *
 * Environment: BANS_BENCH_BANS (default 100000), BANS_BENCH_QUEUE (default 1000000),
 * BANS_BENCH_IDLE_S (default 10), BANS_BENCH_NFT=0 skips the nftables run, BANS_BENCH_KEEP=1
 * keeps the temp folder.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { parseConfig } from '../src/config/index.js';
import { BanManager } from '../src/engine/ban-manager.js';
import { systemClock } from '../src/engine/clock.js';
import { ExpiryQueue } from '../src/engine/expiry-queue.js';
import { SqliteStore } from '../src/engine/store.js';
import { TrustedSet } from '../src/engine/trusted.js';
import type { BanRecord } from '../src/engine/types.js';
import { DryRunBackend } from '../src/firewall/dry-run-backend.js';
import { NftablesBackend } from '../src/firewall/nftables/nftables-backend.js';
import type { FirewallBackend } from '../src/firewall/types.js';
import { withNetns } from './firewall-netns.js';

const env = process.env;
const BANS = Number(env.BANS_BENCH_BANS ?? 100_000);
const QUEUE = Number(env.BANS_BENCH_QUEUE ?? 1_000_000);
const IDLE_MS = Number(env.BANS_BENCH_IDLE_S ?? 10) * 1000;
const TARGET_MS = 2000;
const HOUR = 3600_000;
const BATCH = 10_000;

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
const secs = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const fmt = (n: number) => n.toLocaleString('en-US');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Address i: 60% IPv4 in 198.18.0.0/15 (up to 131,072), the rest IPv6 in 2001:db8::/32. */
function addressOf(i: number, v4Count: number): string {
  if (i < v4Count) {
    const n = (198 << 24 >>> 0) + (18 << 16) + i;
    return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
  }
  const j = i - v4Count;
  return `2001:db8:${(j >>> 16).toString(16)}:${(j & 0xffff).toString(16)}::1`;
}

/** Expiries spread from 1 h to 7 days ahead (deterministic), so one timer serves them all. */
function spreadExpiry(i: number, count: number, now: number): number {
  return now + HOUR + Math.floor(((i * 7919) % count) / count * 167 * HOUR);
}

/** CPU (user + system) used over `ms` of doing nothing but waiting. */
async function idleCpuMs(ms: number): Promise<number> {
  const before = process.cpuUsage();
  await sleep(ms);
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000;
}

interface Row {
  what: string;
  count: number;
  timeMs: number;
  detail: string;
  rss: number;
  idleCpuMs: number;
  target?: boolean;
}

function fillStore(store: SqliteStore, count: number): number {
  const now = Date.now();
  const v4Count = Math.min(Math.round(count * 0.6), 131_072);
  const t0 = performance.now();
  for (let from = 0; from < count; from += BATCH) {
    const batch: BanRecord[] = [];
    for (let i = from; i < Math.min(from + BATCH, count); i++) {
      batch.push({ ip: addressOf(i, v4Count), jail: 'sshd', bannedAt: now - 60_000, expiresAt: spreadExpiry(i, count, now), count: 1, reason: ['bench'] });
    }
    store.putBans(batch);
  }
  return performance.now() - t0;
}

/** Times `BanManager.start()` over `firewall`, with the replaceBans call timed on its own. */
async function restore(what: string, store: SqliteStore, firewall: FirewallBackend): Promise<Row> {
  const config = parseConfig('', 'bench');
  let replaceMs = 0;
  const timed: FirewallBackend = Object.create(firewall) as FirewallBackend;
  timed.replaceBans = async (entries) => {
    const t = performance.now();
    await firewall.replaceBans(entries);
    replaceMs += performance.now() - t;
  };
  let restored = 0;
  const errors: string[] = [];
  const manager = new BanManager({
    store,
    firewall: timed,
    clock: systemClock,
    trusted: new TrustedSet({ config: config.trusted.ranges }),
    settings: () => config.settings,
    onEvent: (event) => {
      if (event.type === 'restored') restored = event.count;
      if (event.type === 'error') errors.push(event.message);
    },
  });
  await firewall.start([]);
  const t0 = performance.now();
  await manager.start();
  const timeMs = performance.now() - t0;
  const rss = process.memoryUsage().rss;
  if (errors.length > 0) throw new Error(`${what}: ${errors.join('; ')}`);
  if (restored !== BANS) throw new Error(`${what}: restored ${restored} bans, expected ${BANS}`);
  const tRead = performance.now();
  store.activeBans(); // the read start() did, again (warm cache): its share of the start time
  const readMs = performance.now() - tRead;
  const inFirewall = (await firewall.listBans()).length;
  process.stdout.write(`  ${what}: start() ${secs(timeMs)}, of which replaceBans ${secs(replaceMs)} (store read alone, warm: ${secs(readMs)}); ${fmt(inFirewall)} bans in the firewall; idle ${IDLE_MS / 1000} s ...\n`);
  const idle = await idleCpuMs(IDLE_MS);
  manager.stop();
  await manager.idle();
  return { what, count: restored, timeMs, detail: `replaceBans ${secs(replaceMs)}, store read ${secs(readMs)}`, rss, idleCpuMs: idle, target: timeMs < TARGET_MS };
}

function nftSkipReason(): string | null {
  if (env.BANS_BENCH_NFT === '0') return 'BANS_BENCH_NFT=0';
  if (process.getuid?.() !== 0) return 'needs root (network namespace)';
  for (const tool of ['ip', 'nft']) {
    try {
      execFileSync('which', [tool], { stdio: 'ignore' });
    } catch {
      return `needs ${tool} on PATH`;
    }
  }
  try {
    execFileSync('ip', ['netns', 'list'], { stdio: 'ignore' });
  } catch {
    return '`ip netns` does not work here';
  }
  return null;
}

async function queueOnly(count: number): Promise<Row> {
  const queue = new ExpiryQueue(systemClock);
  let fired = 0;
  queue.onExpire((ips) => {
    fired += ips.length;
  });
  const now = Date.now();
  const ips = Array.from({ length: count }, (_, i) => `q${i}`);
  const t0 = performance.now();
  for (let i = 0; i < count; i++) queue.schedule(ips[i]!, spreadExpiry(i, count, now));
  const timeMs = performance.now() - t0;
  const rss = process.memoryUsage().rss;
  process.stdout.write(`  ExpiryQueue: scheduled ${fmt(queue.size)} in ${secs(timeMs)}; idle ${IDLE_MS / 1000} s ...\n`);
  const idle = await idleCpuMs(IDLE_MS);
  if (fired !== 0) throw new Error(`ExpiryQueue fired ${fired} expiries early`);
  queue.stop();
  return { what: 'ExpiryQueue alone', count, timeMs, detail: `${((timeMs * 1e6) / count).toFixed(0)} ns per schedule`, rss, idleCpuMs: idle };
}

function printTable(rows: Row[]): void {
  const head = ['case', 'bans', 'start/schedule', 'detail', 'RSS after', `CPU idle ${IDLE_MS / 1000} s`];
  const body = rows.map((r) => [r.what, fmt(r.count), secs(r.timeMs), r.detail, mib(r.rss), `${r.idleCpuMs.toFixed(1)} ms`]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 || i === 3 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  console.log(`\n${line(head)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}`);
  for (const row of body) console.log(line(row));
}

async function main(): Promise<void> {
  console.log(`bans bench: ${fmt(BANS)} bans in SQLite, ${fmt(QUEUE)} in the ExpiryQueue alone; node ${process.version}, ${cpus().length} CPUs`);
  const dir = mkdtempSync(path.join(tmpdir(), 'portcullis-bans-bench-'));
  const rows: Row[] = [];
  const notes: string[] = [];
  try {
    const store = SqliteStore.open(dir);
    try {
      const fillMs = fillStore(store, BANS);
      console.log(`  store: ${fmt(BANS)} bans put in ${BANS / BATCH} putBans batches in ${secs(fillMs)} (${store.file})`);
      rows.push(await restore('restore, dry-run', store, new DryRunBackend()));
      const skip = nftSkipReason();
      if (skip) notes.push(`nftables run skipped: ${skip}`);
      else {
        await withNetns(async (ns) => {
          const nft = new NftablesBackend({ netns: ns });
          try {
            rows.push(await restore(`restore, nftables (netns ${ns})`, store, nft));
          } finally {
            await nft.stop({ removeBans: true }).catch(() => {});
          }
        });
      }
    } finally {
      store.close();
    }
    rows.push(await queueOnly(QUEUE));
  } finally {
    if (env.BANS_BENCH_KEEP === '1') console.log(`kept ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
  printTable(rows);
  for (const note of notes) console.log(note);
  for (const row of rows.filter((r) => r.target !== undefined)) {
    console.log(`target ${fmt(BANS)} bans restored in under ${TARGET_MS / 1000} s (${row.what}): ${row.target ? 'met' : 'missed'}`);
  }
  console.log('RSS is the whole process after the step (earlier steps included); idle CPU is user + system over the idle wait.');
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exitCode = 1;
});
