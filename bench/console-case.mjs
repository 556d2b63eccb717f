// One case of `npm run bench:console` (bench/console-frame-bench.tsx starts it): the built console
// (dist/) in a plain node process, with its engine attached over the socket or in this process,
// keys pressed while the engine bans 20 addresses a second. Prints one JSON line of figures.
// Plain JavaScript so that no TypeScript loader sits in the process whose RSS is measured.
// `node bench/console-case.mjs attached|in-process DIR CONFIG`
import { spawn } from 'node:child_process';
import { EventEmitter, once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PerformanceObserver } from 'node:perf_hooks';
import v8 from 'node:v8';
import { render } from 'ink';
import { createElement } from 'react';
import { openEngineStack } from '../dist/commands/engine-stack.js';
import { ControlClient } from '../dist/control/client.js';
import { InProcessControl } from '../dist/control/in-process.js';
import { CONSOLE_MAX_FPS, ConsoleApp, ConsoleModel, PANES } from '../dist/tui/index.js';

const KEYS = Number(process.env['CONSOLE_BENCH_KEYS'] ?? 60);
const UPDATES_PER_SECOND = 20;
const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const [mode, dir, configPath] = process.argv.slice(2);

/** A terminal as Ink sees one: a TTY of a fixed size that records when each frame arrives. */
class BenchTerminal extends EventEmitter {
  isTTY = true;
  columns = 120;
  rows = 40;
  frames = 0;
  lastFrameAt = 0;
  last = '';
  /** The summary line of the latest frame: it changes with the cursor, the sort and the filter. */
  summary = '';
  write = (chunk) => {
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
  isTTY = true;
  data = null;
  setEncoding() {}
  setRawMode() {}
  resume() {}
  pause() {}
  ref() {}
  unref() {}
  read = () => {
    const data = this.data;
    this.data = null;
    return data;
  };
  press(data) {
    this.data = data;
    this.emit('readable');
  }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** The kernel's high-water mark of this process's RSS, MiB. */
function peakRssMiB() {
  const kb = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
  return kb ? Number(kb) / 1024 : NaN;
}

/** The fields of /proc/PID/stat after the command's name (the first is the state, field 3). */
function statOf(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** CPU ms a process (another than this one) has used, from /proc. */
function cpuOf(pid) {
  if (pid === undefined) return 0;
  const fields = statOf(pid);
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

/** Major page faults of a process so far: pages it waited for the disk to read back (code or files the kernel had dropped). */
const majorFaultsOf = (pid) => (pid === undefined ? 0 : Number(statOf(pid)[9]));

/** The engine: a daemon in its own process (the console attached over the socket), or this process. */
async function openEngine() {
  if (mode === 'attached') {
    const flags = /^#!.*\bnode((?:\s+--?[\w-]+(?:=\S+)?)*)\s*$/.exec(readFileSync(CLI, 'utf8').split('\n', 1)[0])?.[1]?.trim().split(/\s+/) ?? [];
    const daemon = spawn(process.execPath, [...flags, CLI, '--daemon', '--config', configPath], { stdio: 'ignore' });
    const socket = path.join(dir, 's.sock');
    while (!existsSync(socket)) await sleep(20);
    const client = await ControlClient.connect(socket);
    return {
      channel: client,
      pid: daemon.pid,
      close: async () => {
        await client.close();
        daemon.kill('SIGTERM');
        await once(daemon, 'exit');
      },
    };
  }
  let control = null;
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

async function runCase() {
  const rssBefore = process.memoryUsage().rss / 2 ** 20;
  let started = performance.now();
  const engine = await openEngine();
  const model = new ConsoleModel(engine.channel, { attached: mode === 'attached', demo: false, readOnly: false, where: configPath });
  await model.start();
  const loadMs = performance.now() - started;
  const terminal = new BenchTerminal();
  const keyboard = new BenchKeyboard();
  const renderTimes = [];
  started = performance.now();
  const app = render(createElement(ConsoleApp, { model, panes: PANES }), {
    stdout: terminal,
    stdin: keyboard,
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

  const latency = {};
  // This process's CPU from each key press to its frame: a slow key that used little waited for a core.
  const keyCpu = {};
  // Each key's place in the run (0 for the first pressed).
  const keyAt = {};
  let pressed = 0;
  // The daemon's CPU meanwhile (attached; /proc counts in 10 ms ticks).
  const daemonCpu = {};
  // Major page faults from each key press to its frame, this process's and the daemon's.
  const keyFaults = {};
  const daemonFaults = {};
  // Garbage collections while the keys are pressed: a key that waits for one shows its pause.
  const gcPauses = [];
  const gcObserver = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) gcPauses.push(entry.duration);
  });
  gcObserver.observe({ entryTypes: ['gc'] });
  // From the key press to the first frame whose summary line shows its effect (the cursor
  // position, the sort or the filter): frames drawn for the engine's updates meanwhile do not count.
  const measure = async (name, bytes, pause) => {
    const before = terminal.summary;
    const cpuBefore = process.cpuUsage();
    const daemonBefore = cpuOf(engine.pid);
    const faultsBefore = majorFaultsOf(process.pid);
    const daemonFaultsBefore = majorFaultsOf(engine.pid);
    const pressedAt = performance.now();
    keyboard.press(bytes);
    const deadline = pressedAt + 5000;
    while (terminal.summary === before && performance.now() < deadline) await sleep(1);
    (latency[name] ??= []).push(terminal.lastFrameAt - pressedAt);
    const cpu = process.cpuUsage(cpuBefore);
    (keyCpu[name] ??= []).push((cpu.user + cpu.system) / 1000);
    (keyAt[name] ??= []).push(pressed++);
    (daemonCpu[name] ??= []).push(cpuOf(engine.pid) - daemonBefore);
    (keyFaults[name] ??= []).push(majorFaultsOf(process.pid) - faultsBefore);
    (daemonFaults[name] ??= []).push(majorFaultsOf(engine.pid) - daemonFaultsBefore);
    await sleep(pause);
  };
  const keys = [
    ['down', '\x1b[B'],
    ['down', '\x1b[B'],
    ['pgdn', '\x1b[6~'],
    ['up', '\x1b[A'],
    ['end', '\x1b[F'],
    ['home', '\x1b[H'],
  ];
  for (let i = 0; i < KEYS; i++) await measure(...keys[i % keys.length], 60);
  // Re-sorting all the bans and filtering them are the heaviest keys.
  for (const bytes of ['s', 's', 's', 's', 's']) await measure('sort', bytes, 100);
  for (const bytes of ['r', 'r']) await measure('reverse', bytes, 100);
  keyboard.press('/');
  await sleep(100);
  for (const ch of ['1', '9', '8', '.', '1']) await measure('filter char', ch, 100);
  clearInterval(updates);
  gcObserver.disconnect();
  const rss = process.memoryUsage().rss / 2 ** 20;
  const peakRss = peakRssMiB();
  const snapshot = process.env['CONSOLE_BENCH_SNAPSHOT'];
  if (snapshot) v8.writeHeapSnapshot(`${snapshot}.${mode}.heapsnapshot`);
  app.unmount();
  await model.stop();
  await engine.close();
  return { mode, latency, renderTimes, loadMs, firstFrameMs, banned, rss, peakRss, rssBefore, gcPauses, keyCpu, keyAt, daemonCpu, keyFaults, daemonFaults };
}

const result = await runCase();
process.stdout.write(`\n${JSON.stringify(result)}\n`, () => process.exit(0));
