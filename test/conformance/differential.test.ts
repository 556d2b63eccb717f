import { execFile } from 'node:child_process';
import { accessSync, constants, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  FAIL2BAN_FILTER_DIR, FAIL2BAN_LOG_DIR, FAIL2BAN_TZ, filterFile, REPO_ROOT, sampleFile,
} from '../helpers/filter-paths.js';
import { formatTable, normalizeHost } from '../helpers/sample-check.js';

/**
 * Runs fail2ban-regex with fail2ban's stock filter and `portcullis regex` with ours over the same
 * sample logs and lists every line where they part. Report only: the two filters are written
 * independently, so some disagreement is expected and each one is for a person to judge.
 */

const run = promisify(execFile);
const SERVICES = ['sshd', 'postfix', 'dovecot', 'nginx-http-auth', 'apache-auth'];
const CLI = path.join(REPO_ROOT, 'dist', 'cli.js');
// Both tools read zone-less dates in the same zone, and neither inherits the machine's locale.
const ENV = { ...process.env, TZ: FAIL2BAN_TZ, LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8' };
const BUFFER = 64 * 1024 * 1024;

/** What one tool said about one line. */
interface Hit {
  host: string;
  /** Epoch seconds. */
  time: number;
}

type Kind = 'only fail2ban' | 'only portcullis' | 'different host' | 'different time';

interface Comparison {
  name: string;
  sample: string;
  lines: number;
  fail2ban: Map<number, Hit>;
  ours: Map<number, Hit>;
  unmapped: string[];
  disagreements: { lineNo: number; kind: Kind; fail2ban?: Hit; ours?: Hit }[];
}

function findOnPath(command: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, command);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this folder
    }
  }
  return null;
}

function newestMtime(dir: string): number {
  return readdirSync(dir, { withFileTypes: true }).reduce((newest, e) => {
    const full = path.join(dir, e.name);
    return Math.max(newest, e.isDirectory() ? newestMtime(full) : statSync(full).mtimeMs);
  }, 0);
}

/** A fail2ban-regex output record opens with `<ip>\t<time>\t`; its other lines are further matches. */
const RECORD = /^([^\t]+)\t(\d+(?:\.\d+)?)\t(.*)$/;

/**
 * fail2ban-regex prints each failure with all the log lines it matched (`<matches>`, one per
 * line, the deciding one last), so failures map back to line numbers by reading the sample in order.
 */
async function runFail2ban(binary: string, sample: string, name: string, lines: string[]): Promise<{ hits: Map<number, Hit>; unmapped: string[] }> {
  // --no-check-all: the first matching regex wins, as in the fail2ban server (and in ours).
  const args = ['-r', '--no-check-all', '-e', 'UTF-8', '-o', '<ip>\t<time>\t<matches>', sample, path.join(FAIL2BAN_FILTER_DIR, `${name}.conf`)];
  const { stdout } = await run(binary, args, { env: ENV, maxBuffer: BUFFER });
  const records: { hit: Hit; matches: string[] }[] = [];
  for (const row of stdout.split('\n')) {
    const m = RECORD.exec(row);
    if (m) records.push({ hit: { host: normalizeHost(m[1]!), time: Math.floor(Number(m[2])) }, matches: [m[3]!] });
    else if (row !== '') records.at(-1)?.matches.push(row);
  }
  const hits = new Map<number, Hit>();
  const unmapped: string[] = [];
  let next = 0;
  for (const { hit, matches } of records) {
    let last = -1;
    for (const text of matches) {
      const at = lines.indexOf(text, next);
      if (at === -1) {
        unmapped.push(text);
        continue;
      }
      last = at;
      next = at + 1;
    }
    if (last !== -1) hits.set(last + 1, hit);
  }
  return { hits, unmapped };
}

interface CliOutput {
  failures: { line: number; time: string; host: string; user?: string }[];
  lines: number;
}

async function runOurs(sample: string, name: string): Promise<{ hits: Map<number, Hit>; lines: number }> {
  const { stdout } = await run(process.execPath, [CLI, 'regex', sample, name, '--json'], { cwd: REPO_ROOT, env: ENV, maxBuffer: BUFFER });
  const out = JSON.parse(stdout) as CliOutput;
  const hits = new Map<number, Hit>();
  for (const f of out.failures) hits.set(f.line, { host: normalizeHost(f.host), time: Math.floor(Date.parse(f.time) / 1000) });
  return { hits, lines: out.lines };
}

type Disagreement = Comparison['disagreements'][number];

/** Lines without a date get each tool's own reading time, a second or so apart: not a disagreement. */
function compare(fail2ban: Map<number, Hit>, ours: Map<number, Hit>, startedAt: number): Disagreement[] {
  const readTime = (h: Hit): boolean => h.time >= startedAt;
  const lineNos = [...new Set([...fail2ban.keys(), ...ours.keys()])].sort((a, b) => a - b);
  const out: Disagreement[] = [];
  for (const lineNo of lineNos) {
    const f = fail2ban.get(lineNo);
    const o = ours.get(lineNo);
    if (!o) out.push({ lineNo, kind: 'only fail2ban', fail2ban: f });
    else if (!f) out.push({ lineNo, kind: 'only portcullis', ours: o });
    else if (f.host !== o.host) out.push({ lineNo, kind: 'different host', fail2ban: f, ours: o });
    else if (f.time !== o.time && !(readTime(f) && readTime(o))) out.push({ lineNo, kind: 'different time', fail2ban: f, ours: o });
  }
  return out;
}

const fail2banRegex = findOnPath('fail2ban-regex');
if (!fail2banRegex) console.log('differential: skipped, fail2ban-regex is not on PATH (apt-get install fail2ban)');

/** Each service over our own sample and over fail2ban's, where the files exist. */
const runs = SERVICES.flatMap((name) => [
  { name, sample: sampleFile(name), origin: 'ours' },
  { name, sample: path.join(FAIL2BAN_LOG_DIR, name), origin: 'fail2ban' },
]);

const results: Comparison[] = [];

describe.skipIf(!fail2banRegex)('differential against fail2ban-regex', () => {
  beforeAll(async () => {
    const stale = !existsSync(CLI) || statSync(CLI).mtimeMs < newestMtime(path.join(REPO_ROOT, 'src'));
    if (!stale) return;
    const tsc = path.join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    await run(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: REPO_ROOT, maxBuffer: BUFFER });
  }, 180_000);

  afterAll(() => {
    if (results.length === 0) return;
    const header = ['filter', 'sample', 'lines', 'fail2ban', 'portcullis', 'only fail2ban', 'only portcullis', 'diff host', 'diff time', 'unmapped'];
    const rows = results.map((r) => {
      const count = (k: Kind): number => r.disagreements.filter((d) => d.kind === k).length;
      return [r.name, r.sample, r.lines, r.fail2ban.size, r.ours.size, count('only fail2ban'), count('only portcullis'), count('different host'), count('different time'), r.unmapped.length];
    });
    console.log(`\nDifferential: failures per line, fail2ban-regex (stock filter) vs portcullis regex (TZ ${FAIL2BAN_TZ})\n${formatTable(header, rows)}\n`);
  });

  for (const { name, sample, origin } of runs) {
    it(`${name} on ${origin === 'ours' ? 'our' : "fail2ban's"} sample`, async (ctx) => {
      if (!existsSync(filterFile(name))) ctx.skip(`filters/${name}.conf is not written yet`);
      if (!existsSync(path.join(FAIL2BAN_FILTER_DIR, `${name}.conf`))) ctx.skip(`fail2ban has no stock ${name} filter`);
      if (!existsSync(sample)) ctx.skip(`no sample ${sample}`);
      const startedAt = Math.floor(Date.now() / 1000) - 1;
      const lines = readFileSync(sample, 'utf8').split('\n').map((l) => l.replace(/\r$/, ''));
      const [theirs, ours] = await Promise.all([runFail2ban(fail2banRegex!, sample, name, lines), runOurs(sample, name)]);
      const result: Comparison = {
        name,
        sample: origin === 'ours' ? `test/samples/${name}.log` : `fail2ban:${name}`,
        lines: ours.lines,
        fail2ban: theirs.hits,
        ours: ours.hits,
        unmapped: theirs.unmapped,
        disagreements: compare(theirs.hits, ours.hits, startedAt),
      };
      results.push(result);

      const show = (h?: Hit): string => (h ? `${h.host} @ ${new Date(h.time * 1000).toISOString()}` : 'no failure');
      const listed = result.disagreements.map(
        (d) => `  line ${d.lineNo} [${d.kind}] fail2ban: ${show(d.fail2ban)}; portcullis: ${show(d.ours)}\n      ${(lines[d.lineNo - 1] ?? '').slice(0, 140)}`,
      );
      const unmapped = result.unmapped.map((row) => `  fail2ban match not found in the sample: ${row.slice(0, 140)}`);
      console.log([`${name} on ${result.sample}: ${result.disagreements.length} lines disagree`, ...listed, ...unmapped].join('\n'));

      // A report, not a threshold (conformance.test.ts holds the filters to one): it only has to run.
      expect(ours.lines).toBeGreaterThan(0);
    });
  }
});
