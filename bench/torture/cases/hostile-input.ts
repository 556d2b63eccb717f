/**
 * Hostile input through the built program (`dist/cli.js`): a daemon following a log that gets a
 * 10 MiB line, a line cut where the attacker chose, NUL bytes and invalid UTF-8; escape sequences
 * reaching the engine log file and the `bans`/`logs`/`regex` output; catastrophic patterns in a
 * custom filter run by `portcullis regex`.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TortureCase, TortureResult } from '../case.js';
import { readDryRunState } from '../../../src/firewall/dry-run-backend.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const CLI = path.join(ROOT, 'dist', 'cli.js');
const MAX_LINE = 64 * 1024;
/** Anything a terminal would obey, or that would reorder or hide text. */
const RAW_CONTROL = /[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function until(check: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (check()) return true;
    await sleep(50);
  }
  return check();
}

function runCli(args: string[], timeout = 60_000): Promise<{ code: number; stdout: string; stderr: string; ms: number }> {
  const started = performance.now();
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { cwd: ROOT, timeout, maxBuffer: 64 << 20, env: { ...process.env, TZ: 'UTC' } }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr, ms: performance.now() - started });
    });
  });
}

function statusKb(pid: number, field: 'VmHWM' | 'VmRSS'): number | null {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/** A daemon on a dry-run firewall with one sshd jail (maxretry 1) on `auth.log`, all in a temp folder. */
interface Daemon {
  dir: string;
  config: string;
  authLog: string;
  logFile: string;
  child: ChildProcess;
  bans(): string[];
  stop(): Promise<void>;
}

async function startDaemon(): Promise<Daemon> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'portcullis-torture-hostile-'));
  const authLog = path.join(dir, 'auth.log');
  writeFileSync(authLog, '');
  const q = (p: string): string => JSON.stringify(path.join(dir, p));
  const config = path.join(dir, 'config.toml');
  writeFileSync(config, [
    '[settings]', 'maxretry = 1', 'findtime = "10m"', 'bantime = "1h"',
    '[firewall]', 'backend = "dry-run"',
    '[daemon]', `state_dir = ${q('state')}`, `log_file = ${q('portcullis.log')}`, `socket = ${q('run/portcullis.sock')}`, `pid_file = ${q('run/portcullis.pid')}`,
    '[jails.sshd]', 'logpath = ["auth.log"]', 'start_at = "beginning"', '',
  ].join('\n'));
  const child = spawn(process.execPath, [CLI, '--daemon', '--config', config], { cwd: ROOT, stdio: ['ignore', 'ignore', 'ignore'] });
  const logFile = path.join(dir, 'portcullis.log');
  const stateFile = path.join(dir, 'state', 'dry-run-firewall.json');
  // The dry-run state is a snapshot plus appended changes: read it as the backend does.
  const bans = (): string[] => {
    try {
      return [...readDryRunState(stateFile).bans];
    } catch {
      return [];
    }
  };
  const started = await until(() => existsSync(logFile) && readFileSync(logFile, 'utf8').includes('Jail started'), 20_000);
  const daemon: Daemon = {
    dir, config, authLog, logFile, child, bans,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await until(() => child.exitCode !== null, 10_000);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  if (!started) {
    await daemon.stop();
    throw new Error('the daemon did not start its jail within 20 s');
  }
  return daemon;
}

const stamp = (): string => new Date(Date.now() - 30_000).toISOString();
const head = (): string => `${stamp()} web1 sshd[4242]: Failed password for invalid user `;
const failure = (ip: string, user = 'root'): string => `${head()}${user} from ${ip} port 52814 ssh2\n`;

const longLine: TortureCase = {
  name: 'hostile: 10 MiB line in a followed log',
  expected: 'skipped (not cut); the failure after it bans; a cut could not blame a planted address; daemon RSS grows < 64 MB',
  async run({ bounded }): Promise<TortureResult> {
    const d = await startDaemon();
    try {
      const pid = d.child.pid!;
      appendFileSync(d.authLog, failure('198.51.100.1'));
      if (!(await until(() => d.bans().includes('198.51.100.1'), 20_000))) return { observed: 'the first failure never banned', pass: false };
      const before = statusKb(pid, 'VmRSS');
      const mib = bounded ? 10 : 10;
      const rounds = bounded ? 1 : 3;
      const piece = 'A'.repeat(1 << 20);
      const started = performance.now();
      for (let r = 0; r < rounds; r++) {
        appendFileSync(d.authLog, head());
        for (let i = 0; i < mib; i++) appendFileSync(d.authLog, piece);
        appendFileSync(d.authLog, ` from 198.51.100.2 port 1 ssh2\n${failure(`198.51.100.${10 + r}`)}`);
      }
      // Cut at MAX_LINE characters, this line would end like a real one from 198.51.100.66.
      const fake = ' from 198.51.100.66 port 1 ssh2';
      const start = head();
      appendFileSync(d.authLog, `${start}${'A'.repeat(MAX_LINE - start.length - fake.length)}${fake}${'B'.repeat(4096)} from 203.0.113.9 port 22 ssh2\n${failure('198.51.100.3')}`);
      const last = await until(() => d.bans().includes('198.51.100.3'), 40_000);
      const ms = performance.now() - started;
      const peak = statusKb(pid, 'VmHWM');
      const bans = d.bans();
      const afterLong = Array.from({ length: rounds }, (_, r) => `198.51.100.${10 + r}`).every((ip) => bans.includes(ip));
      const planted = bans.includes('198.51.100.66');
      const growthMb = before !== null && peak !== null ? (peak - before) / 1024 : null;
      const pass = last && afterLong && !planted && growthMb !== null && growthMb < 64;
      return {
        observed: `${rounds} x ${mib} MiB line: ${afterLong ? 'next failure banned' : 'NEXT FAILURE LOST'}; planted 198.51.100.66 ${planted ? 'BANNED' : 'not banned'}; ${last ? 'last failure banned' : 'LAST FAILURE LOST'}`,
        pass,
        figures: `RSS ${before === null ? '?' : Math.round(before / 1024)} MB before, peak ${peak === null ? '?' : Math.round(peak / 1024)} MB; ${(rounds * mib * 1024 / (ms / 1000)).toFixed(0)} KiB/s through the long lines`,
      };
    } finally {
      await d.stop();
    }
  },
};

const badBytes: TortureCase = {
  name: 'hostile: NUL bytes and invalid UTF-8',
  expected: 'each failure banned under its own address; nothing crashes',
  async run(): Promise<TortureResult> {
    const d = await startDaemon();
    try {
      appendFileSync(d.authLog, Buffer.concat([
        Buffer.from(failure('198.51.100.20', 'nul\0user')),
        Buffer.from(head()), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from(' x from 192.0.2.99'), Buffer.from([0xe2, 0x82]), Buffer.from('\n'),
        Buffer.from(failure('198.51.100.21')),
        Buffer.from([0x00, 0x00, 0xc0, 0x80, 0xed, 0xa0, 0x80, 0x0a]),
        Buffer.from(failure('198.51.100.22', '\xff\ufffd')),
      ]));
      const ok = await until(() => ['198.51.100.20', '198.51.100.21', '198.51.100.22'].every((ip) => d.bans().includes(ip)), 20_000);
      const bans = d.bans();
      const wrong = bans.filter((ip) => !['198.51.100.20', '198.51.100.21', '198.51.100.22'].includes(ip));
      const alive = d.child.exitCode === null;
      return {
        observed: `${bans.length} banned${wrong.length ? `, WRONG: ${wrong.join(' ')}` : ''}; daemon ${alive ? 'running' : 'EXITED'}`,
        pass: ok && wrong.length === 0 && alive,
      };
    } finally {
      await d.stop();
    }
  },
};

const escapes: TortureCase = {
  name: 'hostile: escape sequences and wide text in user names',
  expected: 'engine log file, `bans`, `regex --verbose` hold no raw control or bidi character',
  async run(): Promise<TortureResult> {
    const d = await startDaemon();
    try {
      const user = 'x\x1b]52;c;cm0gLXJmIH4=\x07\x1b[2J\x1b]0;owned\x1b\\\u009b31m\u202eevil\r\b管理员👍';
      appendFileSync(d.authLog, failure('198.51.100.30', user));
      if (!(await until(() => d.bans().includes('198.51.100.30'), 20_000))) return { observed: 'the failure never banned', pass: false };
      await until(() => readFileSync(d.logFile, 'utf8').includes('Ban 198.51.100.30'), 5000);
      // The daemon is stopped first: `bans` then reads the store itself (the same formatting).
      d.child.kill('SIGTERM');
      await until(() => d.child.exitCode !== null, 10_000);
      const outputs: Record<string, string> = { 'engine log': readFileSync(d.logFile, 'utf8') };
      outputs.bans = (await runCli(['bans', '--config', d.config], 20_000)).stdout;
      outputs.regex = (await runCli(['regex', '--verbose', d.authLog, 'sshd'])).stdout;
      const raw = Object.entries(outputs).filter(([, text]) => RAW_CONTROL.test(text)).map(([name]) => name);
      const visible = outputs['engine log']!.includes('\\x1b]52;c;') && outputs.regex!.includes('\\x1b]52;c;');
      const listed = outputs.bans!.includes('198.51.100.30');
      return {
        observed: raw.length ? `RAW in: ${raw.join(', ')}` : `escaped in all 3${visible ? ' (shown as \\x1b...)' : ', but NOT SHOWN'}${listed ? '' : '; bans did not list it'}`,
        pass: raw.length === 0 && visible && listed,
      };
    } finally {
      await d.stop();
    }
  },
};

const catastrophic: TortureCase = {
  name: 'hostile: catastrophic custom failregex',
  expected: '< 10 ms per line of 60 KiB (the longest matched) and of 100 KiB (skipped)',
  async run({ bounded }): Promise<TortureResult> {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'portcullis-torture-regex-'));
    try {
      const n = bounded ? 50 : 200;
      const date = 'Jan  1 00:00:00 ';
      const filters: Array<[string, string, string]> = [
        ['(a+)+$', `<HOST> (a+)+$`, `198.51.100.1 ${'a'.repeat(60 * 1024)}!`],
        ['(?:a+)+$', `<HOST> (?:a+)+$`, `198.51.100.1 ${'a'.repeat(60 * 1024)}!`],
        ['(?:a|aa)+$', `<HOST> (?:a|aa)+$`, `198.51.100.1 ${'a'.repeat(60 * 1024)}!`],
        ['(x+x+)+y', `<HOST> (x+x+)+y`, `198.51.100.1 ${'x'.repeat(60 * 1024)}`],
        ['(?:a+)+$ matching', `<HOST> (?:a+)+$`, `198.51.100.1 ${'a'.repeat(60 * 1024)}`],
        ['(x+x+)+y, 100 KiB', `<HOST> (x+x+)+y`, `198.51.100.1 ${'x'.repeat(100 * 1024)}`],
      ];
      const rows: string[] = [];
      let worst = 0;
      let correct = true;
      for (const [name, pattern, line] of filters) {
        const filter = path.join(dir, `f${rows.length}.conf`);
        writeFileSync(filter, `[Definition]\nfailregex = ${pattern}\n`);
        const log = path.join(dir, `l${rows.length}.log`);
        writeFileSync(log, `${date}${line}\n`.repeat(n));
        const one = path.join(dir, `one${rows.length}.log`);
        writeFileSync(one, `${date}198.51.100.9 aaay\n`);
        const base = await runCli(['regex', one, filter]);
        const full = await runCli(['regex', '--json', log, filter]);
        const perLine = Math.max(0, full.ms - base.ms) / n;
        worst = Math.max(worst, perLine);
        const summary = JSON.parse(full.stdout || '{}') as { matched?: number; lines?: number };
        const expectMatch = name.endsWith('matching') ? n : 0;
        if (full.code !== 0 || summary.lines !== n || summary.matched !== expectMatch) correct = false;
        rows.push(`${name} ${perLine.toFixed(2)} ms`);
      }
      return {
        observed: `${filters.length} patterns x ${n} lines: ${correct ? 'right verdicts' : 'WRONG VERDICTS'}, worst ${worst.toFixed(2)} ms/line`,
        pass: correct && worst < 10,
        figures: rows.join(', '),
      };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

/** The hostile-input rows of the torture table. */
export const cases: TortureCase[] = [longLine, badBytes, escapes, catastrophic];
