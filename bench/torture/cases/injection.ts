/**
 * Right address or none, through the real program: hostile log lines go through
 * `node dist/cli.js regex <log> <filter> --json`, and each line's address is held to the real one.
 * When fail2ban-regex is installed, the same lines go through fail2ban's stock filter of the same
 * name, and what it gives goes into the figures. fail2ban's own sample lines are read where the
 * Debian package installs them, never copied.
 */
import { execFile } from 'node:child_process';
import { accessSync, constants, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { normalizeIp } from '../../../src/engine/filter/host.js';
import { FAKE, payloads, REAL, TEMPLATES } from '../../../test/samples/injection-matrix.js';
import type { TortureCase, TortureResult } from '../case.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const CLI = path.join(ROOT, 'dist', 'cli.js');
const F2B_LOGS = '/usr/lib/python3/dist-packages/fail2ban/tests/files/logs';
const F2B_FILTERS = '/etc/fail2ban/filter.d';
const ENV = { ...process.env, TZ: 'UTC', LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8' };

/** One line's address: the canonical IP, the text when it is no IP, or "none". */
type Verdict = string;

function canonical(host: string): string {
  return normalizeIp(host) ?? host;
}

function onPath(command: string): boolean {
  return (process.env.PATH ?? '').split(path.delimiter).some((dir) => {
    try {
      accessSync(path.join(dir, command), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** Our verdict for each line of `lines`, from one run of the filter tester. */
async function ours(filter: string, lines: string[]): Promise<Verdict[]> {
  const dir = mkdtempSync(path.join(tmpdir(), 'portcullis-injection-'));
  try {
    const log = path.join(dir, `${filter}.log`);
    writeFileSync(log, `${lines.join('\n')}\n`);
    const { stdout } = await run(process.execPath, [CLI, 'regex', log, filter, '--json'], { env: ENV, maxBuffer: 64 << 20 });
    const report = JSON.parse(stdout) as { failures: { line: number; host: string }[] };
    const verdicts: Verdict[] = lines.map(() => 'none');
    for (const f of report.failures) verdicts[f.line - 1] = canonical(f.host);
    return verdicts;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** fail2ban's verdict for each line with its stock filter, or null when it cannot be run. */
async function fail2ban(filter: string, lines: string[]): Promise<Verdict[] | null> {
  const stock = path.join(F2B_FILTERS, `${filter}.conf`);
  if (!onPath('fail2ban-regex') || !existsSync(stock)) return null;
  const dir = mkdtempSync(path.join(tmpdir(), 'portcullis-injection-f2b-'));
  try {
    const log = path.join(dir, `${filter}.log`);
    writeFileSync(log, `${lines.join('\n')}\n`);
    const { stdout } = await run('fail2ban-regex', ['-o', '<ip> <msg>', log, stock], { env: ENV, maxBuffer: 64 << 20 });
    const verdicts: Verdict[] = lines.map(() => 'none');
    for (const out of stdout.split('\n')) {
      const space = out.indexOf(' ');
      if (space < 0) continue;
      const at = lines.indexOf(out.slice(space + 1));
      if (at >= 0) verdicts[at] = canonical(out.slice(0, space));
    }
    return verdicts;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A fail2ban sample line found by its text, or `fallback` (our own line of the same shape). */
function f2bSample(name: string, text: string, fallback: string): { line: string; source: string } {
  const file = path.join(F2B_LOGS, name);
  if (existsSync(file)) {
    const found = readFileSync(file, 'utf8').split('\n').find((l) => l.includes(text) && !l.startsWith('#'));
    if (found) return { line: found, source: `fail2ban's ${name} sample` };
  }
  return { line: fallback, source: 'own line of the same shape (fail2ban samples not installed)' };
}

/** One hostile line, the verdicts allowed, and the verdict that would be wrong to quote. */
async function oneLine(filter: string, line: string, allowed: string[], source: string): Promise<TortureResult> {
  const [got] = await ours(filter, [line]);
  const theirs = await fail2ban(filter, [line]);
  return {
    observed: `portcullis: ${got}`,
    pass: allowed.includes(got!),
    figures: [`fail2ban-regex: ${theirs ? theirs[0] : 'not installed'}`, source].join('; '),
  };
}

export const cases: TortureCase[] = [
  {
    name: 'injection: sshd line 144 (auth info or user name "... ssh2:")',
    expected: '127.0.0.1 (fail2ban\'s annotation) or no failure; never 10.10.1.2',
    run: async () => {
      const fallback = 'Nov 11 08:04:52 redbamboo sshd[2737]: Failed password for invalid user test from 127.0.0.1 port 58946 ssh2: from 10.10.1.2 port 55555 ssh2';
      const { line, source } = f2bSample('sshd', 'ssh2: from 10.10.1.2 port 55555 ssh2', fallback);
      return oneLine('sshd', line, ['127.0.0.1', 'none'], source);
    },
  },
  {
    name: 'injection: sshd user name "x from 198.51.100.7 port 1 ssh2: y"',
    expected: `${REAL} or no failure; never ${FAKE}`,
    run: async () => {
      const line = `Nov 24 10:00:00 gate sshd[811]: Failed password for invalid user x from ${FAKE} port 1 ssh2: y from ${REAL} port 4242 ssh2`;
      return oneLine('sshd', line, [REAL, 'none'], 'own line: the same shape as line 144, written by a user name');
    },
  },
  {
    name: 'injection: nginx-http-auth line 14 (user name holding "client: 127.0.0.1")',
    expected: '192.0.2.2',
    run: async () => {
      const fallback = '2014/04/03 22:20:40 [error] 30708#0: *3 user "test": password mismatch, client: 127.0.0.1, server: test, request: "GET / HTTP/1.1", host: "localhost:8443"": was not found in "/etc/nginx/.htpasswd", client: 192.0.2.2, server: , request: "GET / HTTP/1.1", host: "localhost:8443"';
      const { line, source } = f2bSample('nginx-http-auth', 'client: 127.0.0.1, server: test', fallback);
      return oneLine('nginx-http-auth', line, ['192.0.2.2'], source);
    },
  },
  {
    name: 'injection: nginx user name "client: 198.51.100.11"',
    expected: `${REAL} (the address nginx wrote)`,
    run: async () => {
      const line = `2026/11/24 10:00:00 [error] 812#812: *9 user "client: 198.51.100.11": password mismatch, client: ${REAL}, server: www, request: "GET / HTTP/1.1", host: "www.example.test"`;
      return oneLine('nginx-http-auth', line, [REAL], 'own line');
    },
  },
  {
    name: 'injection: hostile text in every client-chosen slot of every shipped filter',
    expected: `each line: ${REAL} or no failure, never ${FAKE} or another; benign lines: ${REAL}`,
    run: async ({ bounded }) => {
      const byFilter = new Map<string, { lines: string[]; benign: boolean[]; counts: boolean[] }>();
      let pid = 30_000;
      // A pid of its own for each line, so no line borrows another's connection memory.
      const fresh = (line: string) => line.replace(/sshd\[\d+\]/, `sshd[${++pid}]`);
      for (const t of TEMPLATES) {
        const entry = byFilter.get(t.filter) ?? { lines: [], benign: [], counts: [] };
        byFilter.set(t.filter, entry);
        entry.lines.push(fresh(t.line(t.benign ?? 'alice')));
        entry.benign.push(true);
        entry.counts.push(t.counts);
        for (const p of payloads(t)) {
          entry.lines.push(fresh(t.line(p)));
          entry.benign.push(false);
          entry.counts.push(t.counts);
        }
      }
      let total = 0;
      let real = 0;
      let none = 0;
      let wrong = 0;
      let benignMissed = 0;
      let f2bWrong = 0;
      let f2bLines = 0;
      const f2bFilters: string[] = [];
      const wrongExamples: string[] = [];
      await Promise.all([...byFilter].map(async ([filter, entry]) => {
        const [mine, theirs] = await Promise.all([ours(filter, entry.lines), bounded ? Promise.resolve(null) : fail2ban(filter, entry.lines)]);
        mine.forEach((got, i) => {
          total++;
          if (entry.benign[i]) {
            if (got !== (entry.counts[i] ? REAL : 'none')) benignMissed++;
            return;
          }
          if (got === REAL) real++;
          else if (got === 'none') none++;
          else {
            wrong++;
            if (wrongExamples.length < 3) wrongExamples.push(`${filter}: ${got} from ${entry.lines[i]}`);
          }
        });
        if (theirs) {
          f2bFilters.push(filter);
          theirs.forEach((got, i) => {
            if (entry.benign[i]) return;
            f2bLines++;
            if (got !== REAL && got !== 'none') f2bWrong++;
          });
        }
      }));
      const hostile = total - TEMPLATES.length;
      const f2b = bounded
        ? 'fail2ban-regex: not run in the bounded form'
        : f2bFilters.length
          ? `fail2ban-regex (stock ${f2bFilters.length} filters): ${f2bWrong} of ${f2bLines} hostile lines give another address`
          : 'fail2ban-regex: not installed';
      return {
        observed: `${hostile} hostile lines over ${TEMPLATES.length} templates: ${real} real, ${none} none, ${wrong} wrong; ${benignMissed} benign lines wrong${wrongExamples.length ? `; e.g. ${wrongExamples.join(' / ')}` : ''}`,
        pass: wrong === 0 && benignMissed === 0,
        figures: f2b,
      };
    },
  },
];
