// Frame time of the console with 100,000 bans while the engine sends 20 updates a second: the
// time from a key press reaching the console to the terminal receiving the frame that shows it.
// Twice: attached to a daemon in its own process (how it runs on a server), and with the engine
// in the console's process (its store writes and firewall calls then share the thread). Each case
// runs in a process of its own, and the stored bans are written by another, so the RSS printed is
// the console's (and, in-process, its engine's), not the bench's.
// The console's process and the daemon start with the node flags of dist/cli.js's #! line, as installed.
// `npm run bench:console`; CONSOLE_BENCH_BANS (100000), CONSOLE_BENCH_KEYS (60), CONSOLE_BENCH_FPS,
// CONSOLE_BENCH_MODES (attached,in-process), CONSOLE_BENCH_SNAPSHOT (a heap snapshot file per case, written after the keys).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SqliteStore } from '../src/engine/store.js';
import type { BanRecord } from '../src/engine/types.js';
import { shebangNodeFlags } from '../test/helpers/node-flags.js';
import { median, percentile } from './peak-rss.js';

const BANS = Number(process.env['CONSOLE_BENCH_BANS'] ?? 100_000);
const UPDATES_PER_SECOND = 20;
const TARGET_MS = 50;
/** The console's RSS with a million bans, attached (issue 16). */
const TARGET_RSS_MIB = 250;
const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const CASE = fileURLToPath(new URL('./console-case.mjs', import.meta.url));

function seedBans(stateDir: string, count: number): void {
  const store = SqliteStore.open(stateDir);
  const now = Date.now();
  const bans: BanRecord[] = [];
  // Three in five IPv4 while 198.18.0.0/15 lasts (131,072 addresses), the rest IPv6: each address once.
  let v4 = 0;
  for (let i = 0; i < count; i++) {
    const ip =
      i % 5 < 3 && v4 < 2 ** 17
        ? `198.${18 + ((v4 >> 16) & 1)}.${(v4 >> 8) & 255}.${v4++ & 255}`
        : `2001:db8:${(i >> 16).toString(16)}:${(i & 0xffff).toString(16)}::1`;
    bans.push({ ip, jail: i % 3 ? 'sshd' : 'postfix', bannedAt: now - i * 1000, expiresAt: now + 3_600_000 + i * 1000, count: 1 + (i % 4), reason: [] });
  }
  for (let i = 0; i < bans.length; i += 10_000) store.putBans(bans.slice(i, i + 10_000));
  let stored = 0;
  store.eachBanSummary(() => stored++);
  store.close();
  if (stored !== count) throw new Error(`seeded ${stored} bans, not ${count}`);
}

/** The `p`th percentile (0-100) of unsorted values. */
const percentileOf = (values: number[], pct: number): number => percentile([...values].sort((a, b) => a - b), pct) ?? NaN;

/** Where the console's engine runs for one case. */
type Mode = 'attached' | 'in-process';

interface CaseResult {
  mode: Mode;
  latency: Record<string, number[]>;
  renderTimes: number[];
  loadMs: number;
  firstFrameMs: number;
  banned: number;
  rss: number;
  /** The process's peak RSS (VmHWM), MiB. */
  peakRss: number;
  /** RSS with the console's modules loaded, before the engine or the list: node, React, Ink and the rest. */
  rssBefore: number;
  /** Each garbage collection's pause while the keys were pressed, ms. */
  gcPauses: number[];
  /** The console process's CPU from each key press to its frame, ms, by key as `latency`. */
  keyCpu: Record<string, number[]>;
  /** Each key's place in the run (0 for the first), by key as `latency`. */
  keyAt: Record<string, number[]>;
  /** The attached daemon's CPU from each key press to its frame, ms (0 in-process). */
  daemonCpu: Record<string, number[]>;
  /** Major page faults (a page read back from the disk) of the console's process and of the daemon, from each key press to its frame. */
  keyFaults: Record<string, number[]>;
  daemonFaults: Record<string, number[]>;
}

/** Runs this file again with `args` and returns what it printed. */
async function runSelf(args: string[]): Promise<string> {
  const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`bench child ${args.join(' ')} exited with ${code}`);
  return out;
}

/** Writes a dry-run config in `dir` with `BANS` stored bans. */
function prepare(dir: string): string {
  const log = path.join(dir, 'auth.log');
  writeFileSync(log, '');
  const configPath = path.join(dir, 'config.toml');
  writeFileSync(
    configPath,
    `[daemon]\nstate_dir = "${dir}/state"\nsocket = "${dir}/s.sock"\npid_file = "${dir}/p.pid"\nlog_file = "${dir}/portcullis.log"\n` +
      `[firewall]\nbackend = "dry-run"\n[jails.sshd]\nlogpath = ["${log}"]\n`,
  );
  return configPath;
}

/** One case in a plain node process (no TypeScript loader, which alone holds about 36 MiB) on the built console, as installed. */
async function runCase(mode: Mode): Promise<CaseResult> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'portcullis-console-bench-'));
  try {
    const configPath = prepare(dir);
    await runSelf(['--seed', path.join(dir, 'state')]);
    // CONSOLE_BENCH_NODE_FLAGS adds node flags (e.g. --cpu-prof), split on spaces.
    const flags = [...shebangNodeFlags(CLI), ...(process.env['CONSOLE_BENCH_NODE_FLAGS'] ?? '').split(' ').filter(Boolean)];
    const child = spawn(process.execPath, [...flags, CASE, mode, dir, configPath], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => (out += text));
    const [code] = (await once(child, 'exit')) as [number | null];
    if (code !== 0) throw new Error(`the ${mode} case exited with ${code}`);
    return JSON.parse(out.split('\n').find((line) => line.startsWith('{"mode"'))!) as CaseResult;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const cell = (values: number[] | undefined): string =>
  values ? `${median(values).toFixed(1).padStart(7)} ${percentileOf(values, 95).toFixed(1).padStart(7)}` : '      -       -';

async function main(): Promise<void> {
  const results: CaseResult[] = [];
  const modes = (process.env['CONSOLE_BENCH_MODES'] ?? 'attached,in-process').split(',') as Mode[];
  for (const mode of modes) results.push(await runCase(mode));
  console.log(`console frame bench: ${BANS.toLocaleString('en-US')} stored bans, ${UPDATES_PER_SECOND} engine bans/s while keys are pressed, 120x40 terminal, dry-run firewall`);
  for (const r of results) {
    console.log(`  ${r.mode.padEnd(10)} engine + console load ${r.loadMs.toFixed(0)} ms, first frame ${r.firstFrameMs.toFixed(0)} ms, ${r.banned} bans made during the run, console RSS ${r.rss.toFixed(0)} MiB (peak ${r.peakRss.toFixed(0)}, ${r.rssBefore.toFixed(0)} before loading), Ink render median ${median(r.renderTimes).toFixed(1)} ms over ${r.renderTimes.length} frames`);
  }
  for (const r of results) {
    const gc = r.gcPauses;
    const keys = Object.entries(r.latency).flatMap(([name, ms]) =>
      ms.map((m, i) => ({
        name,
        m,
        cpu: r.keyCpu[name]![i]!,
        at: r.keyAt[name]![i]!,
        daemon: r.daemonCpu[name]![i]!,
        faults: r.keyFaults[name]![i]!,
        daemonFaults: r.daemonFaults[name]![i]!,
      })),
    );
    const slowest = keys
      .sort((a, b) => b.m - a.m)
      .slice(0, 6)
      .map((k) => `#${k.at} ${k.name} ${k.m.toFixed(1)} (${k.cpu.toFixed(0)}, ${k.daemon.toFixed(0)}; ${k.faults}, ${k.daemonFaults})`);
    console.log(
      `  ${r.mode.padEnd(10)} slowest keys (#place: ms (this process's CPU ms meanwhile, the daemon's; their major page faults)): ${slowest.join(', ')}`,
    );
    const faulted = keys.filter((k) => k.faults + k.daemonFaults > 0);
    console.log(
      `  ${r.mode.padEnd(10)} keys with major page faults (pages read back from the disk) meanwhile: ${faulted.length} of ${keys.length}, ` +
        `their median ${faulted.length ? median(faulted.map((k) => k.m)).toFixed(1) : '-'} ms`,
    );
    const gcAll = gc.reduce((a, b) => a + b, 0);
    console.log(
      `  ${r.mode.padEnd(10)} garbage collections while keys were pressed: ${gc.length}, ${gcAll.toFixed(0)} ms in all, ` +
        `the longest ${Math.max(0, ...gc).toFixed(1)} ms, ${gc.filter((d) => d > 20).length} over 20 ms`,
    );
  }
  console.log('');
  console.log(`key press to frame (ms)  ${results.map((r) => `${r.mode.padStart(10)} median     p95`).join('   ')}`);
  const names = Object.keys(results[0]!.latency);
  for (const name of [...names, 'all keys']) {
    const row = results.map((r) => cell(name === 'all keys' ? Object.values(r.latency).flat() : r.latency[name]));
    console.log(`${name.padEnd(24)} ${row.map((c) => `          ${c}`).join('   ')}`);
  }
  console.log('');
  for (const r of results) {
    const all = Object.values(r.latency).flat();
    const p95 = percentileOf(all, 95);
    console.log(`${r.mode}: p95 ${p95.toFixed(1)} ms = ${(p95 / TARGET_MS).toFixed(2)}x the ${TARGET_MS} ms target per key press: ${p95 < TARGET_MS ? 'met' : 'missed'}`);
  }
  // The RSS target is the console's own, attached to a daemon; in-process the engine's bans are in the same process.
  for (const r of results) {
    const engine = r.mode === 'in-process' ? ' (engine included)' : '';
    console.log(`${r.mode}: RSS ${r.rss.toFixed(0)} MiB${engine}, peak ${r.peakRss.toFixed(0)} MiB, against the ${TARGET_RSS_MIB} MiB target for the attached console: ${r.rss < TARGET_RSS_MIB ? 'met' : 'missed'}`);
  }
}

const argAt = (name: string): string | undefined => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const seedDir = argAt('--seed');
if (seedDir) seedBans(seedDir, BANS);
else await main();
