/**
 * `npm run torture:fail2ban [-- --bounded]`: runs the installed fail2ban itself on the two crash
 * scenarios of `cases/crash-restart.ts` (a SIGKILLed and restarted flood; a log rotated every second
 * with a SIGKILL and a rotation while down) and prints the rows in `run.ts`'s table form, so the
 * figures can sit beside portcullis' own.
 *
 * fail2ban never touches the host: each case gets a private configuration folder in a temporary
 * directory (its own socket, pid file, log and database; the stock `filter.d` reached through a
 * symlink), one jail whose only action appends the address to a file, and `fail2ban-server -f` runs
 * as our child, so the system service is never started and no firewall command is ever called.
 * Exits 0 whatever fail2ban does: these rows are measurements, not promises.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { makeTempDir, type TempDir } from '../../test/helpers/temp-dir.js';
import { sleep, waitFor } from '../../test/helpers/wait.js';
import type { TortureResult } from './case.js';

const STOCK_FILTERS = '/etc/fail2ban/filter.d';
const ENV = { ...process.env, TZ: 'UTC', LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8' };
/** fail2ban is done reading when neither its log nor the ban file has grown for this long. */
const QUIET_MS = 10_000;

// The scenario, exactly as crash-restart.ts writes it (same addresses, same lines), so that both
// programs read the same log.
/** Address k: even IPv4 in 198.18.0.0/15, odd IPv6 in 2001:db8::/32. */
const address = (k: number): string =>
  k % 2 === 0 ? `198.${18 + ((k >> 17) & 1)}.${(k >> 9) & 255}.${(k >> 1) & 255}` : `2001:db8:1:${((k >> 16) + 1).toString(16)}::${(k & 0xffff).toString(16)}`;
/** Every 11th address fails once only and must never be banned. */
const once = (k: number): boolean => k % 11 === 0;
const failure = (j: number, k: number): string =>
  `${new Date(Date.now() - 60_000).toISOString()} web1 sshd[${j}]: Failed password for root from ${address(k)} port 22 ssh2\n`;

/** The installed fail2ban's version, or undefined when it is not installed. */
function fail2banVersion(): string | undefined {
  try {
    return execFileSync('fail2ban-server', ['-V'], { env: ENV, encoding: 'utf8', timeout: 30_000 }).trim();
  } catch {
    return undefined;
  }
}

/** A private fail2ban: its configuration, files and the running server, all in one temporary folder. */
interface PrivateFail2ban {
  authLog: string;
  /** Starts a server and waits for the jail to run; returns how long that took (ms). */
  start(): Promise<number>;
  /** SIGKILLs the running server and waits for it to be gone. */
  kill(): Promise<void>;
  /** Distinct addresses the record action was called with, in every run together. */
  banned(): Set<string>;
  /** How often each address was logged as found, in every run together. */
  found(): Map<string, number>;
  /** The read position each start resumed the log at (from fail2ban's "Added logfile" line). */
  resumedAt(): number[];
  /**
   * Waits until fail2ban has stopped reading and banning, or the deadline passes (a slow fail2ban
   * is a finding, not an error); says when it last did something and whether it was still busy.
   */
  settle(deadlineMs: number): Promise<{ lastActivity: number; busy: boolean }>;
}

function writeConfig(tmp: TempDir): { conf: string; authLog: string; f2bLog: string; bannedFile: string; socket: string; pidfile: string } {
  const file = (name: string): string => path.join(tmp.dir, name);
  const conf = file('conf');
  mkdirSync(path.join(conf, 'action.d'), { recursive: true });
  // The stock filters as installed; fail2ban resolves filter = sshd and its includes in there.
  symlinkSync(STOCK_FILTERS, path.join(conf, 'filter.d'));
  const paths = { authLog: file('auth.log'), f2bLog: file('f2b.log'), bannedFile: file('banned.txt'), socket: file('f2b.sock'), pidfile: file('f2b.pid') };
  writeFileSync(
    path.join(conf, 'fail2ban.local'),
    `[Definition]
loglevel = INFO
logtarget = ${paths.f2bLog}
syslogsocket = auto
allowipv6 = auto
socket = ${paths.socket}
pidfile = ${paths.pidfile}
dbfile = ${file('f2b.sqlite3')}
dbpurgeage = 1d
`,
  );
  // One jail with the options portcullis' cases use; bantime outlasts the case.
  writeFileSync(
    path.join(conf, 'jail.local'),
    `[sshd]
enabled = true
filter = sshd
logpath = ${paths.authLog}
backend = polling
maxretry = 2
findtime = 3600
bantime = 86400
action = record
`,
  );
  // The only action: note the address. fail2ban runs it, so no firewall command can be reached.
  writeFileSync(
    path.join(conf, 'action.d', 'record.conf'),
    `[Definition]
actionstart =
actionstop =
actioncheck =
actionban = echo '<ip>' >> '${paths.bannedFile}'
actionunban =
`,
  );
  writeFileSync(paths.authLog, '');
  return { conf, ...paths };
}

function privateFail2ban(tmp: TempDir): PrivateFail2ban {
  const { conf, authLog, f2bLog, bannedFile, socket, pidfile } = writeConfig(tmp);
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  let output = '';
  const readText = (file: string): string => (existsSync(file) ? readFileSync(file, 'utf8') : '');
  const jailStarts = (): number => readText(f2bLog).split("Jail 'sshd' started").length - 1;
  const size = (file: string): number => (existsSync(file) ? statSync(file).size : 0);
  const alive = (): boolean => child !== undefined && child.exitCode === null && child.signalCode === null;

  return {
    authLog,
    async start() {
      const before = jailStarts();
      const t = Date.now();
      const c = spawn('fail2ban-server', ['-f', '-x', '-c', conf, '-s', socket, '-p', pidfile], { cwd: tmp.dir, env: ENV, stdio: ['ignore', 'pipe', 'pipe'] });
      child = c;
      output = '';
      const keep = (chunk: Buffer): void => {
        output = (output + chunk.toString()).slice(-8192);
      };
      c.stdout!.on('data', keep);
      c.stderr!.on('data', keep);
      exited = new Promise((resolve) => c.on('exit', () => resolve()));
      await waitFor(() => {
        if (c.exitCode !== null) throw new Error(`fail2ban-server exited early (${c.exitCode}): ${output}`);
        return jailStarts() > before;
      }, "fail2ban's jail to start", 60_000, 20);
      return Date.now() - t;
    },
    async kill() {
      if (alive()) child!.kill('SIGKILL');
      await exited;
    },
    banned() {
      return new Set(readText(bannedFile).split('\n').filter(Boolean));
    },
    found() {
      const counts = new Map<string, number>();
      for (const m of readText(f2bLog).matchAll(/\[sshd\] Found (\S+) - /g)) counts.set(m[1]!, (counts.get(m[1]!) ?? 0) + 1);
      return counts;
    },
    resumedAt() {
      return [...readText(f2bLog).matchAll(/Added logfile: .* \(pos = (\d+),/g)].map((m) => Number(m[1]));
    },
    async settle(deadlineMs) {
      const until = Date.now() + deadlineMs;
      let last = { log: size(f2bLog), bans: size(bannedFile) };
      let changedAt = Date.now();
      while (Date.now() - changedAt < QUIET_MS) {
        if (Date.now() > until) return { lastActivity: changedAt, busy: true };
        if (!alive()) throw new Error(`fail2ban-server died: ${output}`);
        await sleep(250);
        const now = { log: size(f2bLog), bans: size(bannedFile) };
        if (now.log !== last.log || now.bans !== last.bans) {
          last = now;
          changedAt = Date.now();
        }
      }
      return { lastActivity: changedAt, busy: false };
    },
  };
}

/** How found-counts compare with the failures written: lines read twice, lines never found. */
function tally(found: Map<string, number>, written: Map<string, number>): { twice: number; lost: number } {
  let twice = 0;
  let lost = 0;
  for (const [ip, n] of written) {
    const f = found.get(ip) ?? 0;
    if (f > n) twice += f - n;
    if (f < n) lost += n - f;
  }
  for (const [ip, f] of found) if (!written.has(ip)) twice += f;
  return { twice, lost };
}

/** "last activity 12.3 s after the last line", or that it was still going at the deadline. */
const activity = (s: { lastActivity: number; busy: boolean }, flooded: number): string =>
  `${s.busy ? 'still reading or banning at the deadline, ' : ''}last activity ${((s.lastActivity - flooded) / 1000).toFixed(1)} s after the last line`;

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[values.length >> 1] ?? 0;

/** crash-restart.ts' killAndRestartFlood, with fail2ban in portcullis' place. */
async function killAndRestartFlood(addresses: number, kills: number): Promise<TortureResult> {
  const tmp = makeTempDir('portcullis-f2b-crash-');
  const f2b = privateFail2ban(tmp);
  try {
    const CHUNK = 100;
    const chunks: string[] = [];
    const written = new Map<string, number>();
    let j = 0;
    const add = (k: number): string => {
      written.set(address(k), (written.get(address(k)) ?? 0) + 1);
      return failure(j++, k);
    };
    for (let c = 0; c * CHUNK <= addresses; c++) {
      let text = '';
      for (let k = (c - 1) * CHUNK; k < Math.min(c * CHUNK, addresses); k++) if (k >= 0 && !once(k)) text += add(k);
      for (let k = c * CHUNK; k < Math.min((c + 1) * CHUNK, addresses); k++) text += add(k);
      chunks.push(text);
    }
    const totalLines = j;
    let sent = 0;
    const pause = Math.max(2, Math.round((kills * 800) / chunks.length));
    // As in crash-restart.ts, the flood has begun by the time the first server is up.
    const writer = (async () => {
      for (const text of chunks) {
        appendFileSync(f2b.authLog, text);
        sent++;
        await sleep(pause);
      }
    })();
    const restarts: number[] = [];
    restarts.push(await f2b.start());
    for (let i = 0; i < kills; i++) {
      const at = Math.ceil(((i + 1) * chunks.length) / (kills + 1));
      await waitFor(() => sent >= at, `chunk ${at} of the flood`, 120_000, 5);
      await f2b.kill();
      restarts.push(await f2b.start());
    }
    await writer;
    const flooded = Date.now();
    // fail2ban bans one address at a time through its action, tens of milliseconds each here.
    const settled = await f2b.settle(Math.max(300_000, addresses * 80));
    const expected = new Set<string>();
    for (let k = 0; k < addresses; k++) if (!once(k)) expected.add(address(k));
    const banned = f2b.banned();
    const missing = [...expected].filter((ip) => !banned.has(ip)).length;
    const wrong = [...banned].filter((ip) => !expected.has(ip)).length;
    const { twice, lost } = tally(f2b.found(), written);
    const singles = addresses - expected.size;
    return {
      observed: `${expected.size - missing}/${expected.size} banned, ${wrong}/${singles} single-failure addresses banned, ${twice} lines counted twice, ${lost} lines never counted`,
      pass: missing === 0 && wrong === 0 && twice === 0,
      figures: `${totalLines} lines, ${kills} SIGKILLs, restart to jail started median ${median(restarts.slice(1))} ms, log resumed at byte ${f2b.resumedAt().slice(1).join('/')} of ${statSync(f2b.authLog).size}; ${activity(settled, flooded)}`,
    };
  } finally {
    await f2b.kill();
    tmp.remove();
  }
}

/** crash-restart.ts' rotatingFlood, with fail2ban in portcullis' place. */
async function rotatingFlood(seconds: number, perSecond: number): Promise<TortureResult> {
  const tmp = makeTempDir('portcullis-f2b-rotate-');
  const f2b = privateFail2ban(tmp);
  try {
    const authLog = f2b.authLog;
    await f2b.start();
    let j = 0;
    let k = 0;
    let rotations = 0;
    const expected = new Set<string>();
    const crashAt = Math.floor(seconds / 2);
    for (let s = 0; s < seconds; s++) {
      const before: number[] = [];
      for (let i = 0; i < perSecond; i++) before.push(k++);
      let text = '';
      for (const a of before) text += failure(j++, a);
      appendFileSync(authLog, text);
      await sleep(500);
      if (s === crashAt) await f2b.kill();
      const old = `${authLog}.${++rotations}`;
      renameSync(authLog, old);
      appendFileSync(old, before.slice(0, perSecond / 2).map((a) => failure(j++, a)).join(''));
      writeFileSync(authLog, before.slice(perSecond / 2).map((a) => failure(j++, a)).join(''));
      for (const a of before) expected.add(address(a));
      if (s === crashAt) await f2b.start();
      await sleep(500);
    }
    const flooded = Date.now();
    const settled = await f2b.settle(Math.max(300_000, seconds * perSecond * 50));
    const banned = f2b.banned();
    const missing = [...expected].filter((ip) => !banned.has(ip)).length;
    const wrong = [...banned].filter((ip) => !expected.has(ip)).length;
    const written = new Map([...expected].map((ip) => [ip, 2]));
    const found = f2b.found();
    const { twice, lost } = tally(found, written);
    // Both failures read, yet no ban: the counts (or the queued bans) died with the server.
    const foundNotBanned = [...expected].filter((ip) => (found.get(ip) ?? 0) >= 2 && !banned.has(ip)).length;
    return {
      observed: `${expected.size - missing}/${expected.size} banned, ${wrong} wrongly, across ${rotations} rotations and 1 SIGKILL with a rotation while down`,
      pass: missing === 0 && wrong === 0,
      figures: `${j} lines over ${seconds} s: ${lost} never read (written to the renamed file), ${twice} read twice, ${foundNotBanned} addresses with both failures read but not banned; ${activity(settled, flooded)}`,
    };
  } finally {
    await f2b.kill();
    tmp.remove();
  }
}

interface Row {
  name: string;
  expected: string;
  observed: string;
  pass: string;
  figures: string;
}

function printTable(rows: Row[]): void {
  const header: Row = { name: 'case', expected: 'expected', observed: 'observed', pass: 'pass', figures: 'figures' };
  const cells = (r: Row): string[] => [r.name, r.expected, r.observed, r.pass, r.figures].map((c) => c.replace(/\|/g, '\\|'));
  console.log(`| ${cells(header).join(' | ')} |`);
  console.log(`|${cells(header).map(() => '---').join('|')}|`);
  for (const row of rows) console.log(`| ${cells(row).join(' | ')} |`);
}

const bounded = process.argv.slice(2).includes('--bounded');
const version = fail2banVersion();
const scenarios = [
  {
    name: 'log rotated every second during a flood',
    expected: 'every address banned (its failures straddle a rotation), no other, a rotation during a crash included',
    run: (): Promise<TortureResult> => (bounded ? rotatingFlood(6, 100) : rotatingFlood(30, 400)),
  },
  {
    name: 'SIGKILL and restart during a flood',
    expected: 'every address with 2 failures banned, none with 1, no line counted twice',
    run: (): Promise<TortureResult> => (bounded ? killAndRestartFlood(2_200, 3) : killAndRestartFlood(22_000, 10)),
  },
];
const rows: Row[] = [];
for (const s of scenarios) {
  const name = `${s.name} (fail2ban ${version ?? 'not installed'})`;
  if (!version) {
    rows.push({ name, expected: s.expected, observed: 'skipped: fail2ban-server not found', pass: 'skip', figures: '' });
    continue;
  }
  process.stderr.write(`torture:fail2ban: ${name} ...\n`);
  const started = Date.now();
  let result: TortureResult;
  try {
    result = await s.run();
  } catch (err) {
    result = { observed: `threw: ${(err as Error).message}`.split('\n')[0]!, pass: false };
  }
  const took = `${((Date.now() - started) / 1000).toFixed(1)} s`;
  rows.push({ name, expected: s.expected, observed: result.observed, pass: result.pass ? 'PASS' : 'FAIL', figures: [result.figures, took].filter(Boolean).join('; ') });
  process.stderr.write(`torture:fail2ban: ${name}: ${result.pass ? 'PASS' : 'FAIL'} (${result.observed})\n`);
}
printTable(rows);
console.log(`\n${rows.length} cases${bounded ? ' (bounded)' : ''} run through fail2ban ${version ?? '(not installed)'}: ${rows.filter((r) => r.pass === 'PASS').length} passed, ${rows.filter((r) => r.pass === 'FAIL').length} failed`);
