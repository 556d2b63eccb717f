/**
 * `node --expose-gc --import tsx bench/ban-memory.ts [--n 100000] [--snapshot FILE]`: where the
 * engine's memory goes with N bans, without a kernel. An sshd log holding 2 failures for each of
 * N addresses (as `bench:scale` writes it) is read by a real `Engine` (the file follower, a
 * `SqliteStore` and an `EngineLog` in a temp folder) over a firewall that keeps nothing but the
 * count the nftables backend keeps (`BanCount`). Printed, after two full garbage collections:
 *   - after the load (every address banned), and after a restart (a new engine on the same
 *     store, its bans read back): RSS, V8 heap used, external memory, and heap used per ban;
 *   - the CPU seconds and wall time of the load and of the restart;
 *   - `--snapshot FILE [--snapshot-at load|restart]`: a heap snapshot after the restart (or the
 *     load); `bench/heap-summary.ts FILE` sums it.
 */
import { createWriteStream, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import inspector from 'node:inspector';
import v8 from 'node:v8';
import { loadConfig } from '../src/config/index.js';
import { Engine } from '../src/engine/engine.js';
import { EngineLog } from '../src/engine/engine-log.js';
import { SqliteStore } from '../src/engine/store.js';
import type { BanEntry, FirewallBackend, LiveRuleset } from '../src/firewall/types.js';
import { BanCount } from '../src/firewall/nftables/ban-count.js';
import { restoreLines } from '../src/firewall/nftables/restore-script.js';
import { AddressSlots } from '../src/net/index.js';
import { makeTempDir } from '../test/helpers/temp-dir.js';
import { banList, mixFor } from './firewall-addresses.js';
import { option } from './options.js';

const N = Number(option('n', '100000'));
const SNAPSHOT = option('snapshot', '');
/** `--profile FILE`: a CPU profile of the restart alone (`.cpuprofile`, for Chrome's DevTools or `bench/profile-summary.ts`). */
const PROFILE = option('profile', '');
/** When the snapshot is taken: after the `restart` (default) or after the `load`. */
const SNAPSHOT_AT = option('snapshot-at', 'restart');
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');

/**
 * A firewall that holds only what the nftables backend holds per ban (its count of addresses)
 * and makes its restore script, without a kernel.
 */
class CountingBackend implements FirewallBackend {
  readonly name = 'nftables' as const;
  readonly count = new BanCount();
  async start(): Promise<void> {}
  async stop(): Promise<void> {}
  async ban(entries: BanEntry[]): Promise<void> {
    this.count.add(entries.map((e) => e.address));
  }
  async unban(addresses: string[]): Promise<void> {
    this.count.remove(addresses);
  }
  /** Builds the nftables restore script as the backend does (and drops it): a restart's own cost. */
  async replaceBans(entries: Iterable<BanEntry>): Promise<void> {
    const singles = new AddressSlots();
    this.scriptBytes = 0;
    for (const line of restoreLines(entries, singles)) this.scriptBytes += line.length + 1;
    this.count.adopt(singles);
  }
  scriptBytes = 0;
  async listBans(): Promise<string[]> {
    return [];
  }
  async setTrusted(): Promise<void> {}
  planRules(): string[] {
    return [];
  }
  async applyRules(): Promise<void> {}
  async live(): Promise<LiveRuleset> {
    return { backend: this.name, managed: [], foreign: [], bans: this.count.size };
  }
}

async function writeLog(file: string, addresses: string[]): Promise<void> {
  const date = new Date(Date.now() - 60_000).toISOString();
  const out = createWriteStream(file);
  for (let i = 0; i < addresses.length; i += 5000) {
    let chunk = '';
    for (const ip of addresses.slice(i, i + 5000)) {
      for (const n of [1, 2]) chunk += `${date} web1 sshd[${n}]: Failed password for root from ${ip} port 22 ssh2\n`;
    }
    if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((resolve) => out.end(() => resolve()));
}

interface Figures {
  rss: number;
  /** Peak RSS so far (VmHWM). */
  hwm: number;
  /** Resident memory not backed by a file (heap, malloc, stacks). */
  anon: number;
  heapUsed: number;
  /** What V8 holds for its heap, used or not. */
  heapTotal: number;
  external: number;
}

function statusField(name: string): number {
  const status = readFileSync('/proc/self/status', 'utf8');
  return Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
}

function settled(): Figures {
  gc!();
  gc!();
  const m = process.memoryUsage();
  return { rss: m.rss, hwm: statusField('VmHWM'), anon: statusField('RssAnon'), heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external };
}

function post(session: inspector.Session, method: string): Promise<unknown> {
  return new Promise((resolve, reject) => session.post(method, (err, result) => (err ? reject(err) : resolve(result))));
}

const mib = (bytes: number): string => (bytes / 2 ** 20).toFixed(0);
const cpuNow = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

const tmp = makeTempDir('portcullis-ban-memory-');
const logFile = path.join(tmp.dir, 'auth.log');
// Not kept: the figures are the engine's alone.
await writeLog(logFile, banList(mixFor(N)).map((e) => e.address));
const stateDir = path.join(tmp.dir, 'state');
const configPath = path.join(tmp.dir, 'config.toml');
const toml = [
  '[firewall]', 'backend = "dry-run"',
  '[daemon]', `state_dir = ${JSON.stringify(stateDir)}`, `log_file = ${JSON.stringify(path.join(tmp.dir, 'portcullis.log'))}`,
  '[jails.sshd]', 'filter = "sshd"', `logpath = [${JSON.stringify(logFile)}]`, 'start_at = "beginning"',
  'maxretry = 2', 'findtime = "1h"', 'bantime = "1h"', '',
].join('\n');
writeFileSync(configPath, toml);
const config = loadConfig(configPath);
const before = settled();
const baselineHeap = before.heapUsed;
// The peak RSS starts again here: writing the log must not count (Linux: 5 resets VmHWM).
writeFileSync('/proc/self/clear_refs', '5');

async function run(what: string): Promise<{ engine: Engine; store: SqliteStore; ms: number; cpu: number }> {
  const store = SqliteStore.open(stateDir);
  const log = new EngineLog({ file: path.join(tmp.dir, 'portcullis.log') });
  const engine = new Engine({ configPath, config, store, firewall: new CountingBackend(), log });
  const t0 = performance.now();
  const c0 = cpuNow();
  await engine.start();
  while (engine.bans.size < N) await new Promise((r) => setTimeout(r, 50));
  await engine.bans.idle();
  const ms = performance.now() - t0;
  const cpu = cpuNow() - c0;
  console.log(`${what}: ${N.toLocaleString('en-US')} bans in ${(ms / 1000).toFixed(2)} s (CPU ${cpu.toFixed(2)} s)`);
  return { engine, store, ms, cpu };
}

/**
 * Lets go of the engine's per-ban parts one after another (private fields, reached for this
 * measurement only) and notes the heap each one freed: the engine is useless afterwards.
 */
function breakdown(engine: Engine, heapUsed: number): Array<[string, number]> {
  const manager = engine.bans as unknown as Record<string, unknown>;
  const firewall = (manager.deps as { firewall: CountingBackend }).firewall;
  const out: Array<[string, number]> = [];
  let last = heapUsed;
  const step = (what: string, drop: () => void): void => {
    drop();
    const now = settled().heapUsed;
    out.push([what, last - now]);
    last = now;
  };
  const parts = manager as { bans?: Map<string, { reason?: unknown }>; queue?: { clear(): void } };
  // Each record keeps its shape: one empty list for all instead of its own lines.
  const none: string[] = [];
  if (parts.bans instanceof Map) step('reason lines (and their lists)', () => { for (const ban of parts.bans!.values()) ban.reason = none; });
  step('expiry queue', () => parts.queue?.clear());
  step('firewall count (nftables BanCount)', () => firewall.count.reset([]));
  step('ban map (records, addresses, entries)', () => (parts.bans as { clear(): void } | undefined)?.clear());
  out.push(['the rest, over the empty baseline', last - baselineHeap]);
  return out;
}

const rows: Array<{ what: string; figures: Figures; ms: number; cpu: number }> = [];
// Each engine is let go before the next starts, so the figures after a restart hold one engine.
let first: Awaited<ReturnType<typeof run>> | null = await run('load');
rows.push({ what: 'after the load', figures: settled(), ms: first.ms, cpu: first.cpu });
if (SNAPSHOT && SNAPSHOT_AT === 'load') console.log(`heap snapshot: ${v8.writeHeapSnapshot(SNAPSHOT)}`);
await first.engine.stop();
first.store.close();
first = null;
const session = new inspector.Session();
if (PROFILE) {
  session.connect();
  await post(session, 'Profiler.enable');
  await post(session, 'Profiler.start');
}
const second = await run('restart');
if (PROFILE) {
  const { profile } = (await post(session, 'Profiler.stop')) as { profile: unknown };
  writeFileSync(PROFILE, JSON.stringify(profile));
  console.log(`CPU profile of the restart: ${PROFILE}`);
  session.disconnect();
}
rows.push({ what: 'after a restart', figures: settled(), ms: second.ms, cpu: second.cpu });
if (SNAPSHOT && SNAPSHOT_AT === 'restart') console.log(`heap snapshot: ${v8.writeHeapSnapshot(SNAPSHOT)}`);
const parts = breakdown(second.engine, rows[1]!.figures.heapUsed);
await second.engine.stop();
second.store.close();
tmp.remove();

console.log(`\nbaseline (nothing loaded): RSS ${mib(before.rss)} MiB (anonymous ${mib(before.anon)}), heap used / total ${mib(before.heapUsed)} / ${mib(before.heapTotal)} MiB`);
console.log('| N | when | time s | CPU s | RSS MiB | anonymous MiB | peak RSS MiB | heap used / total MiB | external MiB | heap used per ban B |');
console.log('|---|---|---|---|---|---|---|---|---|---|');
for (const r of rows) {
  const perBan = Math.round((r.figures.heapUsed - before.heapUsed) / N);
  console.log(`| ${N.toLocaleString('en-US')} | ${r.what} | ${(r.ms / 1000).toFixed(2)} | ${r.cpu.toFixed(2)} | ${mib(r.figures.rss)} | ${mib(r.figures.anon)} | ${mib(r.figures.hwm)} | ${mib(r.figures.heapUsed)} / ${mib(r.figures.heapTotal)} | ${mib(r.figures.external)} | ${perBan} |`);
}
console.log('\nafter the restart, heap freed by letting go of each part in turn (B per ban):');
for (const [what, bytes] of parts) console.log(`  ${what}: ${Math.round(bytes / N)}`);
console.log(`\ncommand: node --expose-gc --import tsx bench/ban-memory.ts --n ${N}${SNAPSHOT ? ` --snapshot ${SNAPSHOT}` : ''}`);
