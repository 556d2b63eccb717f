/**
 * `npm run bench:restart [-- --n 1000000] [--backends iptables,nftables]` (root only): the ban
 * restore of a daemon restart, per kernel backend, beside the commands it is made of.
 *
 * N bans (as `bench:scale` makes its addresses: 70% IPv4 from 198.18.0.0/15, capped at 131,072,
 * the rest IPv6 from 2001:db8::/32; expiries spread from 1 hour to 7 days ahead) are put in a
 * `SqliteStore` in a temp folder. Then, per backend, in a throw-away namespace `pcb-<random>`
 * (deleted in `finally`; the host's firewall is never touched), with empty sets as after a reboot:
 *   - restart: a fresh node process (the node flags of the service's ExecStart) opens the store,
 *     starts the backend and times `BanManager.start()` (store read, trusted check, one
 *     `replaceBans`, expiry queue); its RSS right after, its peak RSS (VmHWM) over its whole
 *     life, its CPU seconds and those of the commands it ran; the bans in the kernel are then
 *     counted with the kernel's own tools;
 *   - raw: the same addresses with one bulk command into sets of their own (`bench:scale`'s raw
 *     bulk: `nft -f` with 1,000 elements per statement into plain hash sets with timeout, or
 *     `ipset restore` into hash:ip with timeout);
 *   - blocklist (nftables): the same addresses through the blocklist loader (`NftLists.replace`:
 *     plain hash sets without timeouts, 100,000 entries per `nft -f`).
 * `--store DIR` fills the store there once and keeps it for the next run (filling a million
 * takes a minute or more); `--profile DIR` writes a CPU profile of each restart there.
 * Exits 0 whether or not the targets (restart < 10 s, RSS < 400 MiB) are met.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { NftLists } from '../src/blocklist/nft-lists.js';
import { parseConfig } from '../src/config/index.js';
import { BanManager } from '../src/engine/ban-manager.js';
import { systemClock } from '../src/engine/clock.js';
import { SqliteStore } from '../src/engine/store.js';
import { TrustedSet } from '../src/engine/trusted.js';
import type { BanRecord } from '../src/engine/types.js';
import { IptablesBackend } from '../src/firewall/iptables/index.js';
import { NftablesBackend } from '../src/firewall/nftables/index.js';
import type { FirewallBackend } from '../src/firewall/types.js';
import { banList, mixFor } from './firewall-addresses.js';
import { withNetns } from './firewall-netns.js';
import { serviceNodeFlags } from '../test/helpers/node-flags.js';
import { kernelCount, rawBulk, wipeKernel, type KernelBackend } from './scale-kernel.js';
import { option } from './options.js';

const HOUR = 3600_000;
const BATCH = 10_000;
const TARGET_MS = 10_000;
const TARGET_RSS_MIB = 400;

const secs = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const fmt = (n: number) => n.toLocaleString('en-US');

/** VmRSS and VmHWM of this process, MiB. */
function memoryMiB(): { rss: number; hwm: number } {
  const status = readFileSync('/proc/self/status', 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rss: kb('VmRSS') / 1024, hwm: kb('VmHWM') / 1024 };
}

/** CPU seconds of this process's finished children (the firewall commands), from /proc. */
function childCpu(): number {
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[13]) + Number(fields[14])) / 100;
}

interface Restart {
  ms: number;
  /** The replaceBans call alone: reading the table, the script, the kernel command. */
  replaceMs: number;
  rssMiB: number;
  hwmMiB: number;
  cpu: number;
  toolsCpu: number;
  restored: number;
}

/** The child: one restart over the store in `dir`, in namespace `ns`; prints its figures as JSON. */
async function child(backendName: KernelBackend, ns: string, dir: string): Promise<void> {
  const config = parseConfig('', 'bench');
  const firewall: FirewallBackend = backendName === 'nftables' ? new NftablesBackend({ netns: ns }) : new IptablesBackend({ netns: ns });
  const store = SqliteStore.open(dir);
  let replaceMs = 0;
  const replaceBans = firewall.replaceBans.bind(firewall);
  firewall.replaceBans = async (entries) => {
    const t = performance.now();
    await replaceBans(entries);
    replaceMs += performance.now() - t;
    if (firewall instanceof NftablesBackend) process.stderr.write(`  (restore in ${firewall.restoreTransactions} nft transactions)\n`);
  };
  let restored = 0;
  const errors: string[] = [];
  const manager = new BanManager({
    store, firewall, clock: systemClock,
    trusted: new TrustedSet({ config: config.trusted.ranges }),
    settings: () => config.settings,
    onEvent: (event) => {
      if (event.type === 'restored') restored = event.count;
      if (event.type === 'error') errors.push(event.message);
    },
  });
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await firewall.start([]);
  await manager.start();
  const ms = performance.now() - t0;
  const used = process.cpuUsage(cpu0);
  const { rss, hwm } = memoryMiB();
  manager.stop();
  store.close();
  if (errors.length > 0) throw new Error(errors.join('; '));
  const result: Restart = { ms, replaceMs, rssMiB: rss, hwmMiB: hwm, cpu: (used.user + used.system) / 1e6, toolsCpu: childCpu(), restored };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

function runChild(backend: KernelBackend, ns: string, dir: string): Promise<Restart> {
  const flags = serviceNodeFlags(path.join(process.cwd(), 'portcullis.service'));
  const profile = option('profile', '');
  if (profile) flags.push('--cpu-prof', `--cpu-prof-dir=${profile}`);
  const argv = [...flags, '--import', 'tsx', process.argv[1]!, '--child', backend, '--ns', ns, '--dir', dir];
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, argv, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
    proc.on('close', (code) => {
      if (code !== 0) return reject(new Error(`restart child for ${backend} exited ${code}`));
      resolve(JSON.parse(out.trim().split('\n').at(-1)!) as Restart);
    });
  });
}

function fillStore(dir: string, entries: readonly { address: string }[]): number {
  const store = SqliteStore.open(dir);
  const now = Date.now();
  const t0 = performance.now();
  try {
    for (let from = 0; from < entries.length; from += BATCH) {
      const batch: BanRecord[] = [];
      for (let i = from; i < Math.min(from + BATCH, entries.length); i++) {
        const expiresAt = now + HOUR + Math.floor((((i * 7919) % entries.length) / entries.length) * 167 * HOUR);
        batch.push({ ip: entries[i]!.address, jail: 'sshd', bannedAt: now - 60_000, expiresAt, count: 1, reason: ['bench'] });
      }
      store.putBans(batch);
    }
  } finally {
    store.close();
  }
  return performance.now() - t0;
}

/** How many bans the store in `dir` holds (0 for a new folder). */
function storedBans(dir: string): number {
  const store = SqliteStore.open(dir);
  try {
    let count = 0;
    store.eachBanSummary(() => count++);
    return count;
  } finally {
    store.close();
  }
}

async function main(): Promise<void> {
  const n = Number(option('n', '1000000'));
  const backends = option('backends', 'iptables,nftables').split(',') as KernelBackend[];
  if (process.getuid?.() !== 0) throw new Error('needs root (network namespaces)');
  for (const tool of ['ip', ...backends.flatMap((b) => (b === 'nftables' ? ['nft'] : ['ipset', 'iptables']))]) execFileSync('which', [tool], { stdio: 'ignore' });
  console.log(`restart bench: ${fmt(n)} bans; node ${process.version}, ${cpus().length} CPUs, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  const entries = banList(mixFor(n));
  const addresses = entries.map((e) => e.address);
  const kept = option('store', '');
  const dir = kept || mkdtempSync(path.join(tmpdir(), 'portcullis-restart-bench-'));
  const rows: string[] = [];
  try {
    const stored = storedBans(dir);
    if (stored === 0) console.log(`  store: ${fmt(n)} bans put in ${secs(fillStore(dir, entries))}`);
    else if (stored === n) console.log(`  store: ${fmt(n)} bans already in ${dir}`);
    else throw new Error(`${dir} holds ${fmt(stored)} bans, not ${fmt(n)}`);
    for (const backend of backends) {
      await withNetns(async (ns) => {
        const restart = await runChild(backend, ns, dir);
        const counted = await kernelCount(backend, ns);
        console.log(`  ${backend}: restart ${secs(restart.ms)}, of which replaceBans ${secs(restart.replaceMs)} (CPU ${restart.cpu.toFixed(2)} s + commands ${restart.toolsCpu.toFixed(2)} s), ${fmt(counted)} bans in the kernel; RSS ${restart.rssMiB.toFixed(0)} MiB, peak ${restart.hwmMiB.toFixed(0)} MiB`);
        if (counted !== restart.restored || counted !== n) throw new Error(`${backend}: ${fmt(counted)} bans in the kernel, ${fmt(restart.restored)} restored, ${fmt(n)} stored`);
        await wipeKernel(backend, ns);
        const raw = await rawBulk(backend, ns, addresses);
        console.log(`  ${backend}: raw bulk command ${secs(raw)}`);
        let blocklist = NaN;
        if (backend === 'nftables') {
          const lists = new NftLists({ netns: ns });
          await lists.start(['bench']);
          const v4 = addresses.filter((a) => !a.includes(':'));
          const v6 = addresses.filter((a) => a.includes(':'));
          const t0 = performance.now();
          await lists.replace('bench', v4, v6);
          blocklist = performance.now() - t0;
          console.log(`  ${backend}: blocklist loader ${secs(blocklist)}`);
          await lists.stop(['bench']);
        }
        const met = restart.ms < TARGET_MS && restart.hwmMiB < TARGET_RSS_MIB;
        rows.push(`| ${backend} | ${fmt(n)} | ${secs(restart.ms)} | ${secs(restart.replaceMs)} | ${restart.cpu.toFixed(2)} + ${restart.toolsCpu.toFixed(2)} | ${restart.rssMiB.toFixed(0)} / ${restart.hwmMiB.toFixed(0)} | ${secs(raw)} | ${Number.isNaN(blocklist) ? '-' : secs(blocklist)} | ${met ? 'met' : 'missed'} |`);
      });
    }
  } finally {
    if (!kept) rmSync(dir, { recursive: true, force: true });
  }
  console.log(`\n| backend | bans | restart | of which replaceBans | CPU s (node + commands) | RSS / peak MiB | raw bulk | blocklist loader | restart < ${TARGET_MS / 1000} s, peak < ${TARGET_RSS_MIB} MiB |`);
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const row of rows) console.log(row);
  console.log(`load average at the end: ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
}

if (process.argv.includes('--child')) {
  child(option('child', '') as KernelBackend, option('ns', ''), option('dir', '')).catch((err: unknown) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
    process.exitCode = 1;
  });
} else {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
    process.exitCode = 1;
  });
}
