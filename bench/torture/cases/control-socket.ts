/**
 * Torture cases for the control socket and the state lock, each against a real daemon started
 * from the built CLI (dry-run firewall, everything in a temp folder): garbage, a 10 MiB request,
 * 1,000 connections at once, another user on a socket opened to everyone, and a stale lock whose
 * pid now belongs to an unrelated live process. Memory is the daemon's RSS from /proc.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import path from 'node:path';
import { cli, ensureCliBuilt } from '../../../test/helpers/cli.js';
import { killDaemon, startDaemon, type DaemonProcess } from '../../../test/helpers/daemon-process.js';
import { safePaths, safeSections } from '../../../test/helpers/safe-config.js';
import { makeTempDir, type TempDir } from '../../../test/helpers/temp-dir.js';
import type { TortureCase, TortureResult } from '../case.js';

const MiB = 1024 * 1024;
type Line = Record<string, unknown>;

/** Runs `body` with a fresh daemon (no jails) and stops it afterwards, whatever happens. */
async function withDaemon(body: (daemon: DaemonProcess, socket: string, tmp: TempDir, config: string) => Promise<TortureResult>): Promise<TortureResult> {
  await ensureCliBuilt();
  const tmp = makeTempDir('portcullis-torture-control-');
  chmodSync(tmp.dir, 0o711);
  const config = tmp.write('config.toml', `${safeSections(tmp.dir)}\n`);
  chmodSync(config, 0o644);
  let daemon: DaemonProcess | null = null;
  try {
    daemon = await startDaemon(config, safePaths(tmp.dir).logFile, 'Listening on');
    return await body(daemon, safePaths(tmp.dir).socket, tmp, config);
  } finally {
    if (daemon) await killDaemon(daemon);
    tmp.remove();
  }
}

/** The daemon's resident memory now, in MiB. */
function rssMiB(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

/** Samples the RSS every 10 ms while `work` runs; resolves with its result and the peak. */
async function peakWhile<T>(pid: number, work: () => Promise<T>): Promise<{ result: T; peak: number }> {
  let peak = rssMiB(pid);
  const timer = setInterval(() => (peak = Math.max(peak, rssMiB(pid))), 10);
  try {
    const result = await work();
    return { result, peak: Math.max(peak, rssMiB(pid)) };
  } finally {
    clearInterval(timer);
  }
}

/**
 * Sends `data` on a new connection; the JSON lines back until `enough` says so (or the daemon
 * hangs up, or 30 s pass: a case never hangs on a daemon that stopped answering).
 */
function exchange(socket: string, data: Buffer, enough: number | ((got: Line[]) => boolean)): Promise<Line[]> {
  const isEnough = typeof enough === 'number' ? (got: Line[]) => got.length >= enough : enough;
  return new Promise((resolve, reject) => {
    const conn = createConnection(socket);
    const got: Line[] = [];
    let text = '';
    const deadline = setTimeout(() => done(), 30_000);
    const done = (): void => {
      clearTimeout(deadline);
      conn.destroy();
      resolve(got);
    };
    conn.setEncoding('utf8');
    conn.on('connect', () => conn.write(data, () => undefined));
    conn.on('data', (chunk: string) => {
      const parts = (text + chunk).split('\n');
      text = parts.pop()!;
      for (const part of parts) {
        if (isEnough(got)) break;
        got.push(JSON.parse(part) as Line);
      }
      if (isEnough(got)) done();
    });
    conn.on('error', (err) => (got.length > 0 ? done() : reject(err)));
    conn.on('close', done);
  });
}

/** True when the daemon still answers `status` through the real CLI. */
async function answers(config: string): Promise<boolean> {
  const status = await cli('status', '--json', '--config', config);
  return status.code === 0 && (JSON.parse(status.stdout) as { backend?: string }).backend === 'dry-run';
}

const mib = (n: number): string => `${n.toFixed(0)} MiB`;

async function garbage(bounded: boolean): Promise<TortureResult> {
  return withDaemon(async (daemon, socket, _tmp, config) => {
    // Random bytes (NULs, invalid UTF-8, escapes) cut into lines, then one good request.
    const size = bounded ? 256 * 1024 : 2 * MiB;
    const noise = Buffer.alloc(size);
    for (let i = 0; i < size; i++) noise[i] = i % 97 === 96 ? 0x0a : (i * 2654435761) >>> 24;
    // Lines with something in them: blank ones are skipped by the protocol, not answered.
    const lineCount = noise.toString('latin1').split('\n').filter((l) => l.trim() !== '').length;
    const before = rssMiB(daemon.pid);
    const { result, peak } = await peakWhile(daemon.pid, () => exchange(socket, Buffer.concat([noise, Buffer.from('\n{"id":42,"command":"status"}\n')]), (got) => got.at(-1)?.['id'] === 42));
    const errors = result.filter((l) => l['ok'] === false && String(l['error']).length > 0).length;
    const answered = result.some((l) => l['id'] === 42 && l['ok'] === true);
    const alive = await answers(config);
    return {
      observed: `${errors} error answers for ${lineCount} garbage lines; the good request after them ${answered ? 'answered' : 'NOT answered'}; daemon ${alive ? 'answers' : 'DOES NOT answer'}`,
      pass: answered && alive && errors === lineCount && peak - before < 64,
      figures: `${(size / 1024).toFixed(0)} KiB sent; RSS ${mib(before)} -> peak ${mib(peak)} -> ${mib(rssMiB(daemon.pid))}`,
    };
  });
}

async function hugeRequest(bounded: boolean): Promise<TortureResult> {
  return withDaemon(async (daemon, socket, _tmp, config) => {
    const before = rssMiB(daemon.pid);
    const rounds = bounded ? 1 : 5;
    const started = Date.now();
    const { result, peak } = await peakWhile(daemon.pid, async () => {
      const all: Line[][] = [];
      for (let i = 0; i < rounds; i++) all.push(await exchange(socket, Buffer.alloc(10 * MiB, 0x7b), 1));
      return all;
    });
    const ms = Date.now() - started;
    const clear = result.every((r) => r[0]?.['error'] === 'request line longer than 1048576 bytes: closing the connection');
    const alive = await answers(config);
    const after = rssMiB(daemon.pid);
    return {
      observed: `${result.filter((r) => r[0]?.['ok'] === false).length}/${rounds} refused with "request line longer than 1048576 bytes: closing the connection"; daemon ${alive ? 'answers' : 'DOES NOT answer'}`,
      pass: clear && alive && peak - before < 64,
      figures: `${rounds} x 10 MiB; RSS ${mib(before)} -> peak ${mib(peak)} -> ${mib(after)}; ${ms} ms`,
    };
  });
}

async function manyConnections(bounded: boolean): Promise<TortureResult> {
  return withDaemon(async (daemon, socket, _tmp, config) => {
    const count = 1000;
    const waves = bounded ? 1 : 5;
    const afterWave: number[] = [];
    const before = rssMiB(daemon.pid);
    const started = Date.now();
    let served = 0;
    let tooMany = 0;
    let failed = 0;
    const { peak } = await peakWhile(daemon.pid, async () => {
      for (let wave = 0; wave < waves; wave++) {
        const replies = await Promise.all(
          Array.from({ length: count }, () => exchange(socket, Buffer.from('{"id":1,"command":"status"}\n'), 1).catch(() => [] as Line[])),
        );
        for (const reply of replies) {
          if (reply[0]?.['ok'] === true) served++;
          else if (String(reply[0]?.['error']).startsWith('too many connections')) tooMany++;
          else failed++;
        }
        afterWave.push(rssMiB(daemon.pid));
      }
    });
    const ms = Date.now() - started;
    const alive = await answers(config);
    const after = rssMiB(daemon.pid);
    return {
      observed: `${waves} x ${count} at once: ${served} answered, ${tooMany} told "too many connections", ${failed} unanswered; daemon ${alive ? 'answers' : 'DOES NOT answer'}`,
      pass: failed === 0 && served > 0 && alive && peak - before < 64,
      figures: `RSS ${mib(before)} -> peak ${mib(peak)} -> ${mib(after)} (after each wave: ${afterWave.map((r) => r.toFixed(0)).join(', ')} MiB); ${ms} ms`,
    };
  });
}

async function otherUser(): Promise<TortureResult> {
  return withDaemon(async (daemon, socket) => {
    const mode = statSync(socket).mode & 0o777;
    const dirMode = statSync(path.dirname(socket)).mode & 0o777;
    // Opened to everyone by mistake: the peer check is then what stops another user.
    chmodSync(path.dirname(socket), 0o755);
    chmodSync(socket, 0o666);
    const line = await lineAs(socket, 65534);
    const refused = line.includes('permission denied: uid 65534');
    const mine = await exchange(socket, Buffer.from('{"id":1,"command":"status"}\n'), 1);
    return {
      observed: `socket ${mode.toString(8)}, folder ${dirMode.toString(8)}; uid 65534 on a 0666 socket: ${refused ? 'refused' : `NOT refused (${line})`}; root ${mine[0]?.['ok'] === true ? 'served' : 'NOT served'}`,
      pass: mode === 0o600 && dirMode === 0o700 && refused && mine[0]?.['ok'] === true && daemon.child.exitCode === null,
      figures: line.slice(0, 80),
    };
  });
}

/** The first line the daemon writes to a client running as `uid`. */
function lineAs(socket: string, uid: number): Promise<string> {
  const script = `const s=require('net').createConnection(${JSON.stringify(socket)});let t='';
s.on('connect',()=>s.write('{"id":1,"command":"status"}\\n'));
s.on('data',(d)=>{t+=d;if(t.includes('\\n')){console.log(t.split('\\n')[0]);process.exit(0)}});
s.on('error',(e)=>{console.log('error '+e.code);process.exit(0)});`;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['-e', script], { uid, gid: uid, stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.once('exit', () => resolve(out.trim()));
  });
}

async function staleLock(): Promise<TortureResult> {
  await ensureCliBuilt();
  const tmp = makeTempDir('portcullis-torture-lock-');
  const config = tmp.write('config.toml', `${safeSections(tmp.dir)}\n`);
  const { stateDir, logFile } = safePaths(tmp.dir);
  // A live process that is not portcullis, standing where a crashed daemon's pid was.
  const unrelated: ChildProcess = spawn('sleep', ['300'], { stdio: 'ignore' });
  let daemon: DaemonProcess | null = null;
  try {
    const pid = unrelated.pid!;
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const startTime = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]!;
    const bootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    mkdirSync(stateDir, { recursive: true, mode: 0o700 });
    const lockFile = path.join(stateDir, 'portcullis.lock');
    const outcomes: string[] = [];
    const tried = [
      { what: 'bare pid (old format)', text: `${pid}\n` },
      { what: 'pid reused (other start time)', text: JSON.stringify({ pid, startTime: String(Number(startTime) - 7), bootId }) },
      { what: 'pid from an earlier boot', text: JSON.stringify({ pid, startTime, bootId: '00000000-0000-4000-8000-000000000000' }) },
    ];
    let started = 0;
    let slowest = 0;
    for (const attempt of tried) {
      writeFileSync(lockFile, attempt.text);
      const t0 = Date.now();
      daemon = await startDaemon(config, logFile, 'Listening on', 30_000).catch(() => null);
      if (daemon) {
        slowest = Math.max(slowest, Date.now() - t0);
        started++;
        outcomes.push(`${attempt.what}: started`);
        await killDaemon(daemon);
        daemon = null;
      } else {
        outcomes.push(`${attempt.what}: REFUSED`);
      }
    }
    // And a lock held by a live daemon still stops a second one.
    daemon = await startDaemon(config, logFile, 'Listening on', 30_000);
    const refusal = await cli('--daemon', '--config', config);
    const held = refusal.code === 1 && refusal.stderr.includes(`another portcullis (pid ${daemon.pid})`);
    outcomes.push(`live daemon's lock: ${held ? 'second daemon refused' : 'second daemon NOT refused'}`);
    return {
      observed: outcomes.join('; '),
      pass: started === tried.length && held,
      figures: `slowest start ${slowest} ms`,
    };
  } finally {
    if (daemon) await killDaemon(daemon);
    unrelated.kill('SIGKILL');
    tmp.remove();
  }
}

export const cases: TortureCase[] = [
  {
    name: 'control: garbage from a client',
    expected: 'one error answer per garbage line, the next good request answered, RSS grows < 64 MiB, the daemon keeps running',
    run: ({ bounded }) => garbage(bounded),
  },
  {
    name: 'control: 10 MiB request',
    expected: 'refused once past 1 MiB with a clear error, connection closed, RSS grows < 64 MiB, daemon answers',
    run: ({ bounded }) => hugeRequest(bounded),
  },
  {
    name: 'control: 1,000 connections at once',
    expected: 'each answered or told "too many connections", none hangs, RSS grows < 64 MiB, daemon answers',
    run: ({ bounded }) => manyConnections(bounded),
  },
  {
    name: 'control: socket mode and another user',
    expected: 'socket 0600 in a 0700 folder; another uid refused by the peer check even on a 0666 socket',
    needsRoot: true,
    run: () => otherUser(),
  },
  {
    name: 'state lock: stale lock naming a live unrelated pid',
    expected: 'the daemon starts over a lock whose pid is alive but not the holder; a live daemon\'s lock still refuses a second',
    run: () => staleLock(),
  },
];
