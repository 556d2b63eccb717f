/**
 * `npm run bench:scale [-- --n 1000000] [--backends iptables,nftables] [--attackers 30]`: N
 * attackers from a log into the kernel, through the public interface. Per backend, in a throw-away
 * namespace (the host's firewall is never touched):
 *   - load: an sshd log already holding 2 failures for each of N addresses (IPv4 and IPv6 mixed),
 *     `start_at = "beginning"`, maxretry 2; the built daemon is started inside the namespace and
 *     timed from its spawn until it logs the ban of the last address (logged once the kernel
 *     command holding it has returned; the kernel's own count is checked after), or with
 *     `--load-watch kernel` until a watcher asking the kernel meanwhile sees it;
 *   - next ban with N in place: new attackers, one at a time; t0 = the second line appended,
 *     t1 = the address seen in the kernel set (nft monitor / an interactive ipset);
 *   - daemon RSS (VmRSS and VmHWM);
 *   - with the bans in place: the daemon's CPU over 5 s left idle, then `portcullis bans --json`
 *     and `portcullis status` (which prints the count) timed through the CLI, as installed;
 *   - restart: the daemon stopped, its sets and chains removed (what a reboot does), started
 *     again and timed until its restore has returned (its `Restored N bans` line: the kernel
 *     commands it ran had all exited, so committed), then the kernel's own count is checked; not
 *     from nft monitor, which prints every element and so lags by seconds with 100,000;
 *   - the raw bulk command on the same addresses in the same run (`ipset restore`; `nft -f` with
 *     1,000 elements per statement), and the ratios.
 * Exits 0 whether or not the targets are met.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, closeSync, createWriteStream, existsSync, openSync, readdirSync, readFileSync, readSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PerformanceObserver } from 'node:perf_hooks';
import { CLI, ROOT } from '../test/helpers/cli.js';
import { daemonSections, sshdJail } from '../test/helpers/safe-config.js';
import { makeTempDir } from '../test/helpers/temp-dir.js';
import { waitFor } from '../test/helpers/wait.js';
import { banList, mixFor } from './firewall-addresses.js';
import { createNetns, deleteNetns, inNetns } from './firewall-netns.js';
import { netnsUnavailable } from './latency-netns.js';
import { serviceNodeFlags, shebangNodeFlags } from '../test/helpers/node-flags.js';
import { percentile } from './peak-rss.js';
import { banWatcher, kernelCount, rawBulk, wipeKernel, type KernelBackend } from './scale-kernel.js';
import { option } from './options.js';

/** The systemd unit: the daemon is started with its ExecStart's node flags. */
const UNIT = path.join(ROOT, 'portcullis.service');

const N = Number(option('n', '100000'));
const BACKENDS = option('backends', 'iptables,nftables').split(',') as KernelBackend[];
const ATTACKERS = Number(option('attackers', '30'));
const LOAD_BUDGET_MS = Number(option('budget-s', '900')) * 1000;
/** How the load's end is seen: `log` (the daemon's line for the last ban) or `kernel` (a watcher asking the kernel meanwhile). */
const LOAD_WATCH = option('load-watch', 'log');
if (LOAD_WATCH !== 'log' && LOAD_WATCH !== 'kernel') throw new Error(`--load-watch: log or kernel, not ${LOAD_WATCH}`);

interface Row {
  backend: KernelBackend;
  n: number;
  loadMs: number;
  rawMs: number;
  p50: number;
  p99: number;
  restartMs: number;
  rssMiB: number;
  hwmMiB: number;
  /** CPU seconds of the restarted daemon (and its firewall commands, ended or still running) when its bans are back. */
  restartCpu: number;
  restartToolsCpu: number;
  /** The restarted daemon's VmRSS and VmHWM, 5 s after its bans are back. */
  restartRssMiB: number;
  restartHwmMiB: number;
  counted: number;
  /** CPU seconds the daemon used for the load (its own, and its firewall commands'), read as it ends. */
  loadCpu: number;
  toolsCpu: number;
  /** With the bans in place: the daemon's CPU while idle (ms a second), `bans --json` and `status` through the CLI (ms), the bans `bans --json` printed. */
  idleCpuMs: number;
  listMs: number;
  listed: number;
  countMs: number;
  error?: string;
}

function failureLine(ip: string, n: number, date: string): string {
  return `${date} web1 sshd[${n}]: Failed password for root from ${ip} port 22 ssh2\n`;
}

/** The log: two failures per address, in chunks so 1,000,000 addresses stay cheap. */
async function writeLog(file: string, addresses: string[]): Promise<void> {
  const date = new Date(Date.now() - 60_000).toISOString();
  const out = createWriteStream(file);
  for (let i = 0; i < addresses.length; i += 5000) {
    let chunk = '';
    for (const ip of addresses.slice(i, i + 5000)) chunk += failureLine(ip, 1, date) + failureLine(ip, 2, date);
    if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((resolve, reject) => {
    out.once('error', reject);
    out.end(() => resolve());
  });
}

/**
 * The built daemon inside `ns`. Its stdout and stderr (it echoes every log line there) go to a file, as
 * it would to a log file: a pipe this process reads would cost the daemon more than the file.
 */
function startDaemon(ns: string, config: string): ChildProcess {
  // As the service starts it: with the node flags of the unit's ExecStart; SCALE_DAEMON_NODE_FLAGS
  // adds some (e.g. --cpu-prof), split on spaces.
  const flags = [...serviceNodeFlags(UNIT), ...(process.env.SCALE_DAEMON_NODE_FLAGS ?? '').split(' ').filter(Boolean)];
  const argv = inNetns(ns, [process.execPath, ...flags, CLI, '--daemon', '--config', config]);
  const errFile = `${config}.stderr`;
  const fd = openSync(errFile, 'a');
  const child = spawn(argv[0]!, argv.slice(1), { cwd: ROOT, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  child.once('exit', (code, signal) => {
    if (code !== 0 && signal !== 'SIGTERM') console.error(`daemon exited (${code ?? signal}):\n${readFileSync(errFile, 'utf8').slice(-4000)}`);
  });
  return child;
}

/**
 * performance.now() when the daemon's stderr file, past `offset`, holds text matching `pattern`
 * (within a line). Only what was added since the last look is read (and the end of the line before
 * it): the file holds the load's log, hundreds of megabytes at a million, and reading it whole
 * every few milliseconds took a core from the daemon being timed.
 */
async function lineInLog(file: string, offset: number, pattern: RegExp, what: string, timeoutMs: number): Promise<number> {
  const fd = openSync(file, 'r');
  const chunk = Buffer.allocUnsafe(1 << 20);
  let position = offset;
  let tail = '';
  const found = (): boolean => {
    for (let n; (n = readSync(fd, chunk, 0, chunk.length, position)) > 0; position += n) {
      const text = tail + chunk.subarray(0, n).toString('utf8');
      if (pattern.test(text)) return true;
      tail = text.slice(-300);
    }
    return false;
  };
  try {
    await waitFor(found, what, timeoutMs, 20);
  } finally {
    closeSync(fd);
  }
  return performance.now();
}

const escaped = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

async function stopDaemon(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  await gone;
  clearTimeout(timer);
}

/**
 * CPU seconds of a process, and of its children: those that have ended and those still running
 * (the long-lived ipset and nft sessions, which do a flood's batches), from `/proc/<pid>/stat`:
 * on a machine shared with other work, the figure that does not depend on what else runs.
 */
function cpuSeconds(pid: number): { own: number; children: number } {
  const own = statTimes(pid);
  let children = own.ended;
  for (const child of liveDescendants(pid)) {
    const times = statTimes(child);
    children += times.own + times.ended;
  }
  return { own: own.own, children };
}

/** utime + stime, and cutime + cstime (fields 14-17 of stat(5), in ticks of 1/100 s here); zeros for a process gone. */
function statTimes(pid: number): { own: number; ended: number } {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return { own: 0, ended: 0 };
  }
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const tick = (i: number) => Number(fields[i - 3]) / 100;
  return { own: tick(14) + tick(15), ended: tick(16) + tick(17) };
}

/** The processes running under `pid`, children and theirs. */
function liveDescendants(pid: number): number[] {
  const found: number[] = [];
  let tasks: string[] = [];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return found;
  }
  for (const task of tasks) {
    let listed = '';
    try {
      listed = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8');
    } catch {
      continue;
    }
    for (const child of listed.split(' ').filter(Boolean).map(Number)) found.push(child, ...liveDescendants(child));
  }
  return found;
}

function memoryMiB(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) / 1024;
  return { rss: field('VmRSS'), hwm: field('VmHWM') };
}

/** How long the daemon is left idle with the bans in place, its CPU read before and after. */
const IDLE_MS = 5000;

/** Wall time (ms) of the built CLI run in `ns` with `args` (as installed: the #! line's node flags), its output to `outFile`. */
async function timedCli(ns: string, args: string[], outFile: string): Promise<number> {
  const fd = openSync(outFile, 'w');
  // In the daemon's namespace: it asks the kernel who a client is, which it only sees from there.
  const argv = inNetns(ns, [process.execPath, ...shebangNodeFlags(CLI), CLI, ...args]);
  const started = performance.now();
  const child = spawn(argv[0]!, argv.slice(1), { cwd: ROOT, stdio: ['ignore', fd, 'inherit'] });
  closeSync(fd);
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  const took = performance.now() - started;
  if (code !== 0) throw new Error(`portcullis ${args.join(' ')} exited ${code}`);
  return took;
}

function occurrences(text: string, part: string): number {
  let n = 0;
  for (let at = text.indexOf(part); at >= 0; at = text.indexOf(part, at + part.length)) n++;
  return n;
}

const newAttacker = (i: number): string => (i % 2 === 0 ? `203.0.113.${1 + (i % 250)}` : `2001:db8:ffff:ffff::${(i + 2).toString(16)}`);

async function runBackend(backend: KernelBackend, addresses: string[]): Promise<Row> {
  const row: Row = { backend, n: addresses.length, loadMs: NaN, rawMs: NaN, p50: NaN, p99: NaN, restartMs: NaN, rssMiB: NaN, hwmMiB: NaN, restartRssMiB: NaN, restartHwmMiB: NaN, restartCpu: NaN, restartToolsCpu: NaN, counted: NaN, loadCpu: NaN, toolsCpu: NaN, idleCpuMs: NaN, listMs: NaN, listed: NaN, countMs: NaN };
  const tmp = makeTempDir('portcullis-scale-');
  const ns = createNetns('pc-h16-scale');
  let daemon: ChildProcess | null = null;
  // Started before the load either way: an nft monitor started with 100,000 bans in place was
  // still busy reading them after 30 s.
  const watcher = banWatcher(backend, ns);
  try {
    await watcher.ready();
    if (LOAD_WATCH === 'log') watcher.pause();
    const logFile = path.join(tmp.dir, 'auth.log');
    await writeLog(logFile, addresses);
    const config = path.join(tmp.dir, 'config.toml');
    writeFileSync(config, daemonSections(tmp.dir, backend) + sshdJail(logFile));
    const last = addresses[addresses.length - 1]!;

    const t0 = performance.now();
    daemon = startDaemon(ns, config);
    // The daemon logs a ban once the kernel command holding it has returned (nft's transaction
    // or ipset's is committed), so its `Ban <last>` line comes after the kernel has the bans;
    // the count below checks the kernel itself. `--load-watch kernel` asks the kernel during the
    // load instead: nft monitor then prints every element, a third of a core taken from the
    // daemon on a 2-core machine.
    row.loadMs = (LOAD_WATCH === 'kernel'
      ? await watcher.whenPresent(last, LOAD_BUDGET_MS, 20)
      : await lineInLog(`${config}.stderr`, 0, new RegExp(`\\] Ban ${escaped(last)} `), `the ban of ${last} in the daemon's log`, LOAD_BUDGET_MS)) - t0;
    const cpu = cpuSeconds(daemon.pid!);
    row.loadCpu = cpu.own;
    row.toolsCpu = cpu.children;
    row.counted = await kernelCount(backend, ns);
    console.log(`${backend}: ${row.counted.toLocaleString('en-US')} bans in the kernel after ${(row.loadMs / 1000).toFixed(2)} s (daemon CPU ${row.loadCpu.toFixed(2)} s, its firewall commands ${row.toolsCpu.toFixed(2)} s)`);

    await watcher.ready();
    // This process read the daemon's log of the load (hundreds of megabytes at a million): its
    // garbage is collected now, not during a latency it times; its collections meanwhile are printed.
    globalThis.gc?.();
    const pauses: number[] = [];
    const collections = new PerformanceObserver((list) => pauses.push(...list.getEntries().map((e) => e.duration)));
    collections.observe({ entryTypes: ['gc'] });
    const latencies: number[] = [];
    for (let i = 0; i < ATTACKERS; i++) {
      const ip = newAttacker(i);
      const date = new Date(Date.now() - 1000).toISOString();
      appendFileSync(logFile, failureLine(ip, 1, date));
      await new Promise((r) => setTimeout(r, 100));
      appendFileSync(logFile, failureLine(ip, 2, date));
      const sent = performance.now();
      const seen = await watcher.whenPresent(ip, 120_000);
      latencies.push(seen - sent);
      // Kept runs say when (epoch ms) each ban was asked for and seen, to set beside the daemon's log.
      if (process.env.SCALE_BENCH_KEEP === '1') appendFileSync(path.join(tmp.dir, 'next-bans.tsv'), `${ip}\t${(performance.timeOrigin + sent).toFixed(1)}\t${(performance.timeOrigin + seen).toFixed(1)}\n`);
    }
    collections.disconnect();
    // Not watching the restart: nft monitor would print its million elements meanwhile.
    watcher.stop();
    // In the order they came, so a slow first one (or one slow every so often) shows.
    console.log(`${backend}: next ban ms, in order: ${latencies.map((ms) => ms.toFixed(1)).join(' ')} (this process's collections meanwhile: ${pauses.length}, the longest ${Math.max(0, ...pauses).toFixed(1)} ms)`);
    latencies.sort((a, b) => a - b);
    row.p50 = percentile(latencies, 50)!;
    row.p99 = percentile(latencies, 99)!;
    const memory = memoryMiB(daemon.pid!);
    row.rssMiB = memory.rss;
    row.hwmMiB = memory.hwm;
    console.log(`${backend}: next ban p50 ${row.p50.toFixed(1)} ms, p99 ${row.p99.toFixed(1)} ms; RSS ${row.rssMiB.toFixed(0)} MiB`);

    // With the bans in place: the daemon left idle, then the list and the count asked through the CLI.
    const idleFrom = cpuSeconds(daemon.pid!).own;
    await new Promise((r) => setTimeout(r, IDLE_MS));
    row.idleCpuMs = ((cpuSeconds(daemon.pid!).own - idleFrom) * 1000) / (IDLE_MS / 1000);
    const listFile = path.join(tmp.dir, 'bans.json');
    row.listMs = await timedCli(ns, ['bans', '--json', '--config', config], listFile);
    row.listed = occurrences(readFileSync(listFile, 'utf8'), '"ip":');
    row.countMs = await timedCli(ns, ['status', '--config', config], path.join(tmp.dir, 'status.txt'));
    const banned = /(\d+) banned/.exec(readFileSync(path.join(tmp.dir, 'status.txt'), 'utf8'))?.[1];
    // The peak again: packing the list for `bans --json` is the most the daemon holds at once.
    row.hwmMiB = Math.max(row.hwmMiB, memoryMiB(daemon.pid!).hwm);
    console.log(`${backend}: idle CPU ${row.idleCpuMs.toFixed(1)} ms a second over ${IDLE_MS / 1000} s; \`bans --json\` ${row.listMs.toFixed(0)} ms (${row.listed.toLocaleString('en-US')} bans printed), \`status\` ${row.countMs.toFixed(0)} ms (${banned ?? '?'} banned); the daemon's peak RSS then ${row.hwmMiB.toFixed(0)} MiB`);

    await stopDaemon(daemon);
    await wipeKernel(backend, ns);
    const t1 = performance.now();
    const logged = statSync(`${config}.stderr`).size;
    daemon = startDaemon(ns, config);
    row.restartMs = (await lineInLog(`${config}.stderr`, logged, / Restored [1-9]\d* bans /, 'the "Restored" line from the daemon', LOAD_BUDGET_MS)) - t1;
    const restartCpu = cpuSeconds(daemon.pid!);
    row.restartCpu = restartCpu.own;
    row.restartToolsCpu = restartCpu.children;
    const back = await kernelCount(backend, ns);
    if (back < addresses.length) throw new Error(`${back} bans back in the kernel after the restart, not ${addresses.length}`);
    await new Promise((r) => setTimeout(r, 5000));
    const restarted = memoryMiB(daemon.pid!);
    row.restartRssMiB = restarted.rss;
    row.restartHwmMiB = restarted.hwm;
    console.log(`${backend}: restart with ${addresses.length.toLocaleString('en-US')} bans back in the kernel in ${(row.restartMs / 1000).toFixed(2)} s (daemon CPU ${row.restartCpu.toFixed(2)} s, its firewall commands ${row.restartToolsCpu.toFixed(2)} s); RSS then ${row.restartRssMiB.toFixed(0)} MiB (peak ${row.restartHwmMiB.toFixed(0)})`);
    await stopDaemon(daemon);
    daemon = null;
    row.rawMs = await rawBulk(backend, ns, addresses);
  } catch (err) {
    row.error = (err as Error).message;
    console.error(`${backend}: ${row.error}`);
  } finally {
    watcher.stop();
    if (daemon) await stopDaemon(daemon);
    deleteNetns(ns);
    // SCALE_BENCH_KEEP=1 keeps the folder (config, log, the daemon's output) and says where.
    if (process.env.SCALE_BENCH_KEEP === '1') console.log(`${backend}: kept ${tmp.dir}`);
    else tmp.remove();
  }
  return row;
}

const s = (ms: number): string => (Number.isFinite(ms) ? (ms / 1000).toFixed(2) : '-');
const msText = (ms: number): string => (Number.isFinite(ms) ? ms.toFixed(1) : '-');

function printTable(rows: Row[]): void {
  console.log('\n| backend | N | load s | load CPU s (daemon + commands) | bans/s | raw bulk s | load / raw | next ban p50 ms | p99 ms | idle CPU ms/s | bans --json s | status s | restart s | restart CPU s | restart / raw | RSS MiB | peak RSS MiB | after restart: RSS / peak MiB |');
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    const rate = Number.isFinite(r.loadMs) ? Math.round(r.n / (r.loadMs / 1000)).toLocaleString('en-US') : '-';
    console.log(`| ${r.backend} | ${r.n.toLocaleString('en-US')} | ${s(r.loadMs)} | ${r.loadCpu.toFixed(2)} + ${r.toolsCpu.toFixed(2)} | ${rate} | ${s(r.rawMs)} | ${(r.loadMs / r.rawMs).toFixed(1)}x | ${msText(r.p50)} | ${msText(r.p99)} | ${msText(r.idleCpuMs)} | ${s(r.listMs)} | ${s(r.countMs)} | ${s(r.restartMs)} | ${r.restartCpu.toFixed(2)} + ${r.restartToolsCpu.toFixed(2)} | ${(r.restartMs / r.rawMs).toFixed(1)}x | ${r.rssMiB.toFixed(0)} | ${r.hwmMiB.toFixed(0)} | ${r.restartRssMiB.toFixed(0)} / ${r.restartHwmMiB.toFixed(0)} |`);
  }
  for (const r of rows) {
    if (r.error) console.log(`${r.backend}: did not finish: ${r.error}`);
    if (Number.isFinite(r.counted) && r.counted !== r.n) console.log(`${r.backend}: the kernel held ${r.counted} bans after the load, expected ${r.n}`);
    const loadTarget = r.n <= 100_000 ? 5000 : 60_000;
    if (Number.isFinite(r.listed) && r.listed < r.n) console.log(`${r.backend}: \`bans --json\` printed ${r.listed} bans, expected at least ${r.n}`);
    const met = (ok: boolean) => (ok ? 'met' : 'missed');
    console.log(`${r.backend}: target load <= ${loadTarget / 1000} s: ${met(r.loadMs <= loadTarget)}; next ban p99 < 20 ms: ${met(r.p99 < 20)}; `
      + `\`bans --json\` and \`status\` < 1 s: ${met(r.listMs < 1000 && r.countMs < 1000)}; idle CPU < 10 ms a second: ${met(r.idleCpuMs < 10)}; `
      + `restart < 10 s: ${met(r.restartMs < 10_000)}; RSS < 400 MiB: ${met(r.hwmMiB < 400)}`);
  }
}

const why = netnsUnavailable(['ipset', 'nft', 'iptables-restore']);
if (why) {
  console.log(`bench:scale needs the kernel backends in a namespace: ${why}`);
  process.exit(0);
}
if (!existsSync(CLI)) throw new Error(`${CLI} is missing: build first (npm run bench:scale does)`);
const addresses = banList(mixFor(N)).map((e) => e.address);
const mix = mixFor(N);
console.log(`${N.toLocaleString('en-US')} attackers (${mix.v4.toLocaleString('en-US')} IPv4, ${mix.v6.toLocaleString('en-US')} IPv6), 2 failures each, maxretry 2; ${ATTACKERS} new attackers for the next-ban latency`);
const rows: Row[] = [];
for (const backend of BACKENDS) rows.push(await runBackend(backend, addresses));
printTable(rows);
console.log(`\ncommand: npm run bench:scale -- --n ${N} --backends ${BACKENDS.join(',')} --attackers ${ATTACKERS} --load-watch ${LOAD_WATCH}`);
