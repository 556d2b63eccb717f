/**
 * `npm run bench`: `portcullis regex` against `fail2ban-regex` on the same generated auth log.
 *
 * Environment: BENCH_LINES (default 1000000), BENCH_RUNS (portcullis runs, default 3),
 * BENCH_F2B_RUNS (default 1; 0 skips fail2ban), BENCH_LOG (use this log instead of generating),
 * BENCH_RSS=poll (measure peak RSS by polling /proc even when GNU time is installed),
 * BENCH_PORTCULLIS_ARGS (extra CLI arguments, e.g. `--json`; by default the summary, as fail2ban-regex prints), BENCH_CLI (default dist/cli.js),
 * BENCH_SSHD_SESSION_SHARE (share of sshd connections logged as sshd-session, default 0.1),
 * BENCH_KEEP=1 (keep the temp dir).
 */
import { accessSync, constants, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { shebangNodeFlags } from '../test/helpers/node-flags.js';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateAuthLog, type AuthLogStats } from './generate-auth-log.js';
import { hasGnuTime, measure, median, shellQuote, type Measurement } from './peak-rss.js';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const env = process.env;
const LINES = Number(env.BENCH_LINES ?? 1_000_000);
const RUNS = Number(env.BENCH_RUNS ?? 3);
const F2B_RUNS = Number(env.BENCH_F2B_RUNS ?? 1);
const FORCE_POLL = env.BENCH_RSS === 'poll';
const F2B_FILTER = '/etc/fail2ban/filter.d/sshd.conf';
const TARGET_LINES_PER_S = 1_000_000;
const TARGET_RSS_MB = 100;

interface Counts { lines: number; matched: number; ignored: number; missed: number }
interface ToolResult { tool: string; command: string; runs: Measurement[]; counts: Counts | null; note?: string }

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const mb = (kb: number | null) => (kb === null ? 'n/a' : (kb / 1024).toFixed(1));

function onPath(name: string): string | null {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    const file = join(dir, name);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch { /* not here */ }
  }
  return null;
}

/**
 * Counts from `portcullis regex`: its summary has fail2ban-regex's "Lines:" line; with `--json`,
 * one object with lines/matched/ignored/missed/failures.
 */
function portcullisCounts(stdout: string): Counts & { failures?: number } {
  if (!stdout.trimStart().startsWith('{')) return fail2banCounts(stdout) ?? { lines: NaN, matched: NaN, ignored: NaN, missed: NaN };
  const o = JSON.parse(stdout) as Record<string, unknown>;
  const num = (k: string) => (typeof o[k] === 'number' ? o[k] : NaN);
  return { lines: num('lines'), matched: num('matched'), ignored: num('ignored'), missed: num('missed'),
    failures: Array.isArray(o.failures) ? o.failures.length : undefined };
}

/** Counts from fail2ban-regex's "Lines: N lines, N ignored, N matched, N missed" summary. */
function fail2banCounts(stdout: string): Counts | null {
  const m = /^Lines: (\d+) lines, (\d+) ignored, (\d+) matched, (\d+) missed/m.exec(stdout);
  return m ? { lines: Number(m[1]), ignored: Number(m[2]), matched: Number(m[3]), missed: Number(m[4]) } : null;
}

async function runTool(tool: string, cmd: string, args: string[], shown: string, runs: number,
  log: string, dir: string, parse: (stdout: string) => Counts | null): Promise<ToolResult> {
  const result: ToolResult = { tool, command: shown, runs: [], counts: null };
  const size = statSync(log).size;
  for (let i = 1; i <= runs; i++) {
    const m = await measure(cmd, args, {
      cwd: ROOT, stdoutFile: join(dir, `${tool}-${i}.out`), forcePoll: FORCE_POLL,
      progressFile: { path: log, size },
      onProgress: (p) => console.log(`  ${tool} run ${i}: ${(p.elapsedMs / 1000).toFixed(0)} s`
        + (p.fractionRead === null ? '' : `, ${(p.fractionRead * 100).toFixed(0)}% of the log read`)
        + (p.rssKb === null ? '' : `, RSS ${mb(p.rssKb)} MiB`)),
    });
    const stdout = readFileSync(m.stdoutFile, 'utf8');
    rmSync(m.stdoutFile);
    let counts: Counts | null = null;
    try {
      counts = m.exitCode === 0 ? parse(stdout) : null;
    } catch (e) {
      result.note = `unparsable output: ${(e as Error).message}`;
    }
    if (!counts) {
      result.note ??= `exit code ${m.exitCode}`;
      console.log(`${tool} run ${i} failed (${result.note}); stderr:\n${m.stderrTail}\nstdout:\n${stdout.slice(0, 2000)}`);
      return result;
    }
    result.counts = counts;
    result.runs.push(m);
    console.log(`${tool} run ${i}/${runs}: ${(m.wallMs / 1000).toFixed(2)} s, `
      + `${fmt(counts.lines / (m.wallMs / 1000))} lines/s, peak RSS ${mb(m.peakRssKb)} MiB, `
      + `${fmt(counts.matched)} matched`);
  }
  return result;
}

function summary(r: ToolResult): { linesPerS: number; rssKb: number | null } | null {
  if (!r.counts || r.runs.length === 0) return null;
  const rss = r.runs.map((m) => m.peakRssKb).filter((k): k is number => k !== null);
  return { linesPerS: median(r.runs.map((m) => r.counts!.lines / (m.wallMs / 1000))),
    rssKb: rss.length ? median(rss) : null };
}

function printReport(results: ToolResult[], stats: AuthLogStats | null): void {
  const head = ['tool', 'runs', 'lines', 'matched', 'ignored', 'missed', 'lines/s (median)', 'peak RSS MiB (median)'];
  const rows = results.map((r) => {
    const s = summary(r);
    const c = r.counts;
    return [r.tool, String(r.runs.length), c ? fmt(c.lines) : '-', c ? fmt(c.matched) : '-',
      c ? fmt(c.ignored) : '-', c ? fmt(c.missed) : '-', s ? fmt(s.linesPerS) : r.note ?? '-', s ? mb(s.rssKb) : '-'];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)))
    .join('  ');
  console.log(`\n${line(head)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}`);
  for (const row of rows) console.log(line(row));

  const [pc, f2b] = results;
  const p = pc && summary(pc), f = f2b && summary(f2b);
  if (p && f) {
    console.log(`\nspeed  portcullis/fail2ban: ${(p.linesPerS / f.linesPerS).toFixed(1)}x`);
    if (p.rssKb !== null && f.rssKb !== null) {
      console.log(`memory portcullis/fail2ban: ${(p.rssKb / f.rssKb).toFixed(2)}x`);
    }
    const diff = pc.counts!.matched - f2b!.counts!.matched;
    console.log(diff === 0 ? `matched counts agree: ${fmt(pc.counts!.matched)}`
      : `matched counts differ: portcullis - fail2ban = ${diff > 0 ? '+' : ''}${fmt(diff)} `
        + `(${((diff / f2b!.counts!.matched) * 100).toFixed(2)}% of fail2ban's)`);
    if (diff !== 0 && stats && diff === stats.sshdSessionFailures) {
      console.log('  = exactly the failure lines logged as sshd-session[pid], which fail2ban 1.0.2\'s '
        + 'sshd filter (_daemon = sshd) does not recognise');
    }
  }
  if (stats) {
    console.log(`generated log: ${fmt(stats.failures)} failure lines (Failed password / Invalid user), `
      + `${fmt(stats.sshdSessionFailures)} of them as sshd-session; mix ${JSON.stringify(stats.kinds)}`);
  }
  const failures = (pc?.runs.length ?? 0) > 0 && pc?.counts && 'failures' in pc.counts
    ? (pc.counts as { failures?: number }).failures : undefined;
  if (failures !== undefined && failures !== pc!.counts!.matched) {
    console.log(`note: portcullis printed ${fmt(failures)} failures for ${fmt(pc!.counts!.matched)} matched lines`);
  }
  const met = (ok: boolean) => (ok ? 'met' : 'missed');
  console.log(`\ntarget ${fmt(TARGET_LINES_PER_S)} lines/s: ${met(!!p && p.linesPerS >= TARGET_LINES_PER_S)}`);
  console.log(`target <${TARGET_RSS_MB} MiB: ${met(!!p && p.rssKb !== null && p.rssKb / 1024 < TARGET_RSS_MB)}`);
  if (p && f) {
    const diff = pc!.counts!.matched - f2b!.counts!.matched;
    const explained = diff !== 0 && stats !== null && diff === stats.sshdSessionFailures;
    console.log(`target same matches as fail2ban: ${explained ? `met, except the ${fmt(diff)} sshd-session `
      + 'lines fail2ban 1.0.2 does not recognise' : met(diff === 0)}`);
  }
  console.log(`\npeak RSS measured with ${FORCE_POLL || !hasGnuTime() ? '/proc/<pid>/status VmHWM polled every 20 ms'
    : '/usr/bin/time -f %M'}; lines/s = lines / wall time of the whole process, start-up included`);
  console.log('commands:');
  for (const r of results) console.log(`  ${r.command}`);
}

const dir = mkdtempSync(join(tmpdir(), 'portcullis-bench-'));
try {
  let log = env.BENCH_LOG ? resolve(env.BENCH_LOG) : join(dir, 'auth.log');
  let stats: AuthLogStats | null = null;
  if (!env.BENCH_LOG) {
    const started = performance.now();
    const share = env.BENCH_SSHD_SESSION_SHARE;
    stats = await generateAuthLog(log, LINES, 1, share === undefined ? {} : { sshdSessionShare: Number(share) });
    console.log(`generated ${fmt(stats.lines)} lines (${(stats.bytes / 1e6).toFixed(1)} MB) in `
      + `${((performance.now() - started) / 1000).toFixed(1)} s: ${log}`);
  }
  log = resolve(log);
  const results: ToolResult[] = [];
  const extra = (env.BENCH_PORTCULLIS_ARGS ?? '').split(/\s+/).filter(Boolean);
  const cli = env.BENCH_CLI ?? 'dist/cli.js';
  // Run it as the installed `portcullis` command starts: with the node flags of its #! line.
  const pcArgs = [...shebangNodeFlags(resolve(ROOT, cli)), cli, 'regex', log, 'sshd', ...extra];
  const pcShown = `(cd ${ROOT} && ${shellQuote('node', pcArgs)})`;
  if (existsSync(resolve(ROOT, cli))) {
    results.push(await runTool('portcullis', process.execPath, pcArgs, pcShown, RUNS, log, dir, portcullisCounts));
  } else {
    console.log(`${cli} not found: build first (npx tsc -p tsconfig.build.json)`);
    results.push({ tool: 'portcullis', command: pcShown, runs: [], counts: null, note: 'not built' });
  }
  const f2bPath = F2B_RUNS > 0 ? onPath('fail2ban-regex') : null;
  if (f2bPath) {
    console.log(`running fail2ban-regex (slow: about 25 s per million lines)`);
    results.push(await runTool('fail2ban-regex', f2bPath, [log, F2B_FILTER], shellQuote('fail2ban-regex',
      [log, F2B_FILTER]), F2B_RUNS, log, dir, fail2banCounts));
  } else {
    console.log(F2B_RUNS > 0 ? 'fail2ban-regex not on PATH: skipped' : 'BENCH_F2B_RUNS=0: fail2ban skipped');
  }
  printReport(results, stats);
} finally {
  if (env.BENCH_KEEP) console.log(`kept ${dir}`);
  else rmSync(dir, { recursive: true, force: true });
}
