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
import { EventEmitter, once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import { render } from 'ink';
import { openEngineStack } from '../src/commands/engine-stack.js';
import type { ControlChannel } from '../src/control/channel.js';
import { ControlClient } from '../src/control/client.js';
import { InProcessControl } from '../src/control/in-process.js';
import { SqliteStore } from '../src/engine/store.js';
import type { BanRecord } from '../src/engine/types.js';
import { CONSOLE_MAX_FPS, ConsoleApp, ConsoleModel, PANES } from '../src/tui/index.js';
import { shebangNodeFlags } from './node-flags.js';
import { median, percentile } from './peak-rss.js';

const BANS = Number(process.env['CONSOLE_BENCH_BANS'] ?? 100_000);
const KEYS = Number(process.env['CONSOLE_BENCH_KEYS'] ?? 60);
const UPDATES_PER_SECOND = 20;
const TARGET_MS = 50;
/** The console's RSS with a million bans, attached (issue 16). */
const TARGET_RSS_MIB = 250;
const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));

/** A terminal as Ink sees one: a TTY of a fixed size that records when each frame arrives. */
class BenchTerminal extends EventEmitter {
  readonly isTTY = true;
  columns = 120;
  rows = 40;
  frames = 0;
  lastFrameAt = 0;
  last = '';
  /** The summary line of the latest frame: it changes with the cursor, the sort and the filter. */
  summary = '';
  write = (chunk: string): boolean => {
    this.frames++;
    this.lastFrameAt = performance.now();
    if (chunk.length > 20) this.last = chunk;
    const summary = /[\d,]+ banned[^\n]*/.exec(chunk)?.[0];
    if (summary) this.summary = summary;
    return true;
  };
}

/** The keyboard: what Ink reads from stdin. */
class BenchKeyboard extends EventEmitter {
  readonly isTTY = true;
  private data: string | null = null;
  setEncoding(): void {}
  setRawMode(): void {}
  resume(): void {}
  pause(): void {}
  ref(): void {}
  unref(): void {}
  read = (): string | null => {
    const data = this.data;
    this.data = null;
    return data;
  };
  press(data: string): void {
    this.data = data;
    this.emit('readable');
  }
}

function seedBans(stateDir: string, count: number): void {
  const store = SqliteStore.open(stateDir);
  const now = Date.now();
  const bans: BanRecord[] = [];
  for (let i = 0; i < count; i++) {
    const ip = i % 5 < 3 ? `198.${18 + ((i >> 16) & 1)}.${(i >> 8) & 255}.${i & 255}` : `2001:db8:${(i >> 16).toString(16)}:${(i & 0xffff).toString(16)}::1`;
    bans.push({ ip, jail: i % 3 ? 'sshd' : 'postfix', bannedAt: now - i * 1000, expiresAt: now + 3_600_000 + i * 1000, count: 1 + (i % 4), reason: [] });
  }
  for (let i = 0; i < bans.length; i += 10_000) store.putBans(bans.slice(i, i + 10_000));
  store.close();
}

/** The `p`th percentile (0-100) of unsorted values. */
const percentileOf = (values: number[], pct: number): number => percentile([...values].sort((a, b) => a - b), pct) ?? NaN;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

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
}

/** The kernel's high-water mark of this process's RSS, MiB. */
function peakRssMiB(): number {
  const kb = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
  return kb ? Number(kb) / 1024 : NaN;
}

/** Runs this file again with `args` (and `flags` for node) and returns what it printed. */
async function runSelf(args: string[], flags: string[] = []): Promise<string> {
  const child = spawn(process.execPath, [...flags, ...process.execArgv, fileURLToPath(import.meta.url), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
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

/** The engine: a daemon in its own process (the console attached over the socket), or this process. */
async function openEngine(mode: Mode, dir: string, configPath: string): Promise<{ channel: ControlChannel; close(): Promise<void> }> {
  if (mode === 'attached') {
    const daemon = spawn(process.execPath, [...shebangNodeFlags(CLI), CLI, '--daemon', '--config', configPath], { stdio: 'ignore' });
    const socket = path.join(dir, 's.sock');
    while (!existsSync(socket)) await sleep(20);
    const client = await ControlClient.connect(socket);
    return {
      channel: client,
      close: async () => {
        await client.close();
        daemon.kill('SIGTERM');
        await once(daemon, 'exit');
      },
    };
  }
  let control: InProcessControl | null = null;
  const stack = await openEngineStack(configPath, { onEvent: ({ event, data }) => control?.broadcast(event, data) });
  control = new InProcessControl(stack.handlers);
  await stack.start();
  const live = control;
  return {
    channel: live,
    close: async () => {
      await live.close();
      await stack.stop();
    },
  };
}

async function runCase(mode: Mode): Promise<CaseResult> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'portcullis-console-bench-'));
  try {
    const configPath = prepare(dir);
    await runSelf(['--seed', path.join(dir, 'state')]);
    let started = performance.now();
    const engine = await openEngine(mode, dir, configPath);
    const model = new ConsoleModel(engine.channel, { attached: mode === 'attached', demo: false, readOnly: false, where: configPath });
    await model.start();
    const loadMs = performance.now() - started;
    const terminal = new BenchTerminal();
    const keyboard = new BenchKeyboard();
    const renderTimes: number[] = [];
    started = performance.now();
    const app = render(<ConsoleApp model={model} panes={PANES} />, {
      stdout: terminal as unknown as NodeJS.WriteStream,
      stdin: keyboard as unknown as NodeJS.ReadStream,
      exitOnCtrlC: false,
      patchConsole: false,
      maxFps: Number(process.env['CONSOLE_BENCH_FPS'] ?? CONSOLE_MAX_FPS),
      onRender: ({ renderTime }) => renderTimes.push(renderTime),
    });
    while (!terminal.last.includes('banned')) await sleep(5);
    const firstFrameMs = performance.now() - started;

    // The engine's updates: 20 bans a second (each a store write, a firewall call and an event).
    let banned = 0;
    const updates = setInterval(() => {
      banned++;
      void model.request({ command: 'ban', ip: `203.0.113.${banned % 250}`, seconds: 600 + banned }).catch(() => {});
    }, 1000 / UPDATES_PER_SECOND);

    const latency: Record<string, number[]> = {};
    // From the key press to the first frame whose summary line shows its effect (the cursor
    // position, the sort or the filter): frames drawn for the engine's updates meanwhile do not count.
    const measure = async (name: string, bytes: string, pause: number): Promise<void> => {
      const before = terminal.summary;
      const pressedAt = performance.now();
      keyboard.press(bytes);
      const deadline = pressedAt + 5000;
      while (terminal.summary === before && performance.now() < deadline) await sleep(1);
      (latency[name] ??= []).push(terminal.lastFrameAt - pressedAt);
      await sleep(pause);
    };
    const keys: Array<[string, string]> = [
      ['down', '\x1b[B'],
      ['down', '\x1b[B'],
      ['pgdn', '\x1b[6~'],
      ['up', '\x1b[A'],
      ['end', '\x1b[F'],
      ['home', '\x1b[H'],
    ];
    for (let i = 0; i < KEYS; i++) await measure(...keys[i % keys.length]!, 60);
    // Re-sorting 100,000 bans and filtering them are the heaviest keys.
    for (const bytes of ['s', 's', 's', 's', 's']) await measure('sort', bytes, 100);
    for (const bytes of ['r', 'r']) await measure('reverse', bytes, 100);
    keyboard.press('/');
    await sleep(100);
    for (const ch of ['1', '9', '8', '.', '1']) await measure('filter char', ch, 100);
    clearInterval(updates);
    const rss = process.memoryUsage().rss / 2 ** 20;
    const peakRss = peakRssMiB();
    const snapshot = process.env['CONSOLE_BENCH_SNAPSHOT'];
    if (snapshot) v8.writeHeapSnapshot(`${snapshot}.${mode}.heapsnapshot`);
    app.unmount();
    await model.stop();
    await engine.close();
    return { mode, latency, renderTimes, loadMs, firstFrameMs, banned, rss, peakRss };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const cell = (values: number[] | undefined): string =>
  values ? `${median(values).toFixed(1).padStart(7)} ${percentileOf(values, 95).toFixed(1).padStart(7)}` : '      -       -';

async function main(): Promise<void> {
  const results: CaseResult[] = [];
  const modes = (process.env['CONSOLE_BENCH_MODES'] ?? 'attached,in-process').split(',') as Mode[];
  for (const mode of modes) results.push(JSON.parse((await runSelf(['--case', mode], shebangNodeFlags(CLI))).split('\n').find((line) => line.startsWith('{"mode"'))!) as CaseResult);
  console.log(`console frame bench: ${BANS.toLocaleString('en-US')} stored bans, ${UPDATES_PER_SECOND} engine bans/s while keys are pressed, 120x40 terminal, dry-run firewall`);
  for (const r of results) {
    console.log(`  ${r.mode.padEnd(10)} engine + console load ${r.loadMs.toFixed(0)} ms, first frame ${r.firstFrameMs.toFixed(0)} ms, ${r.banned} bans made during the run, console RSS ${r.rss.toFixed(0)} MiB (peak ${r.peakRss.toFixed(0)}), Ink render median ${median(r.renderTimes).toFixed(1)} ms over ${r.renderTimes.length} frames`);
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
const caseMode = argAt('--case') as Mode | undefined;
if (seedDir) seedBans(seedDir, BANS);
else if (caseMode) {
  const result = await runCase(caseMode);
  process.stdout.write(`\n${JSON.stringify(result)}\n`, () => process.exit(0));
}
else await main();
