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
import { existsSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { makeTempDir, type TempDir } from '../../test/helpers/temp-dir.js';
import { sleep, waitFor } from '../../test/helpers/wait.js';
import type { TortureResult } from './case.js';
import { compareBans, killDuringFlood, medianMs, rotateDuringFlood, SCENARIOS } from './flood-scenarios.js';
import { printTable, runRow, type Row } from './table.js';

const STOCK_FILTERS = '/etc/fail2ban/filter.d';
const ENV = { ...process.env, TZ: 'UTC', LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8' };
/** fail2ban is done reading when neither its log nor the ban file has grown for this long. */
const QUIET_MS = 10_000;

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


/** The kill scenario of crash-restart.ts, with fail2ban in portcullis' place. */
async function killAndRestart(bounded: boolean): Promise<TortureResult> {
  const { addresses, kills } = SCENARIOS.kills.size(bounded);
  const tmp = makeTempDir('portcullis-f2b-crash-');
  const f2b = privateFail2ban(tmp);
  try {
    const written = await killDuringFlood(f2b.authLog, addresses, kills, f2b);
    const flooded = Date.now();
    // fail2ban bans one address at a time through its action, tens of milliseconds each here.
    const settled = await f2b.settle(Math.max(300_000, addresses * 80));
    const { missing, wrong } = compareBans(written.expected, f2b.banned());
    const { twice, lost } = tally(f2b.found(), written.perAddress);
    return {
      observed: `${written.expected.size - missing}/${written.expected.size} banned, ${wrong}/${written.singles} single-failure addresses banned, ${twice} lines counted twice, ${lost} lines never counted`,
      pass: missing === 0 && wrong === 0 && twice === 0,
      figures: `${written.lines} lines, ${kills} SIGKILLs, restart to jail started median ${medianMs(written.restartMs)} ms, log resumed at byte ${f2b.resumedAt().slice(1).join('/')} of ${statSync(f2b.authLog).size}; ${activity(settled, flooded)}`,
    };
  } finally {
    await f2b.kill();
    tmp.remove();
  }
}

/** The rotation scenario of crash-restart.ts, with fail2ban in portcullis' place. */
async function rotating(bounded: boolean): Promise<TortureResult> {
  const { seconds, perSecond } = SCENARIOS.rotation.size(bounded);
  const tmp = makeTempDir('portcullis-f2b-rotate-');
  const f2b = privateFail2ban(tmp);
  try {
    const written = await rotateDuringFlood(f2b.authLog, seconds, perSecond, f2b);
    const flooded = Date.now();
    const settled = await f2b.settle(Math.max(300_000, seconds * perSecond * 50));
    const banned = f2b.banned();
    const { missing, wrong } = compareBans(written.expected, banned);
    const found = f2b.found();
    const { twice, lost } = tally(found, written.perAddress);
    // Both failures read, yet no ban: the counts (or the queued bans) died with the server.
    const foundNotBanned = [...written.expected].filter((ip) => (found.get(ip) ?? 0) >= 2 && !banned.has(ip)).length;
    return {
      observed: `${written.expected.size - missing}/${written.expected.size} banned, ${wrong} wrongly, across ${written.rotations} rotations and 1 SIGKILL with a rotation while down`,
      pass: missing === 0 && wrong === 0,
      figures: `${written.lines} lines over ${seconds} s: ${lost} never read (written to the renamed file), ${twice} read twice, ${foundNotBanned} addresses with both failures read but not banned; ${activity(settled, flooded)}`,
    };
  } finally {
    await f2b.kill();
    tmp.remove();
  }
}

const bounded = process.argv.slice(2).includes('--bounded');
const version = fail2banVersion();
const scenarios = [
  { ...SCENARIOS.rotation, run: () => rotating(bounded) },
  { ...SCENARIOS.kills, run: () => killAndRestart(bounded) },
];
const rows: Row[] = [];
for (const s of scenarios) {
  const name = `${s.name} (fail2ban ${version ?? 'not installed'})`;
  if (!version) {
    rows.push({ name, expected: s.expected, observed: 'skipped: fail2ban-server not found', pass: 'skip', figures: '' });
    continue;
  }
  process.stderr.write(`torture:fail2ban: ${name} ...\n`);
  const row = await runRow(name, s.expected, s.run);
  rows.push(row);
  process.stderr.write(`torture:fail2ban: ${name}: ${row.pass} (${row.observed})\n`);
}
printTable(rows);
console.log(`\n${rows.length} cases${bounded ? ' (bounded)' : ''} run through fail2ban ${version ?? '(not installed)'}: ${rows.filter((r) => r.pass === 'PASS').length} passed, ${rows.filter((r) => r.pass === 'FAIL').length} failed`);
