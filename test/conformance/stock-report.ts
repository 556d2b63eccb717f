import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { compileFilter, loadFilter } from '../../src/engine/filter/index.js';
import { defaultModeInText, readSampleLog } from '../helpers/fail-json.js';
import { FAIL2BAN_FILTER_DIR, FAIL2BAN_LOG_DIR, FAIL2BAN_TEST_NOW } from '../helpers/filter-paths.js';
import { checkEntry, formatCheck, tally, type EntryCheck } from '../helpers/sample-check.js';

/**
 * fail2ban's stock filters, each loaded unchanged by path and run over fail2ban's own annotated
 * sample of the same name, scored line by line as the issue scores them: a line agrees when the
 * filter gives a failure exactly where the sample says so, with the annotated host (and time,
 * to the second, when the annotation has one), and no failure elsewhere. Only entries a filter
 * in its default mode is held to count (fail2ban's own samplestestcase rules, see fail-json.ts).
 * The caller sets `TZ` (fail2ban's samples are written for CET/CEST) before any date is made.
 */

/** Share of in-scope lines that must agree for a filter to count. */
export const AGREEMENT = 0.95;

/** One stock filter's result. */
export interface StockRow {
  name: string;
  /** Why the filter was not loaded (file, line, construct), or undefined when it was. */
  refused?: string;
  /** In-scope lines of the sample. */
  lines: number;
  agree: number;
  /** Annotated failures, and those found with the right host and time. */
  failures: number;
  found: number;
  wrongHost: number;
  wrongTime: number;
  missed: number;
  falseMatches: number;
  /** agree / lines, 0 for a refused filter. */
  share: number;
  /** The disagreeing entries, for the detailed listing. */
  wrong: EntryCheck[];
}

/** Stock filters that have a sample log of the same name, sorted. */
export function stockFilterNames(): string[] {
  if (!existsSync(FAIL2BAN_FILTER_DIR) || !existsSync(FAIL2BAN_LOG_DIR)) return [];
  return readdirSync(FAIL2BAN_FILTER_DIR)
    .filter((f) => f.endsWith('.conf'))
    .map((f) => f.slice(0, -'.conf'.length))
    .filter((name) => existsSync(path.join(FAIL2BAN_LOG_DIR, name)))
    .sort();
}

/** Runs one stock filter over its sample. */
export function checkStockFilter(name: string): StockRow {
  const file = path.join(FAIL2BAN_FILTER_DIR, `${name}.conf`);
  const sample = path.join(FAIL2BAN_LOG_DIR, name);
  const entries = readSampleLog(sample, { defaultMode: defaultModeInText(readFileSync(file, 'utf8')), filterName: name });
  const inScope = entries.filter((e) => e.inDefaultScope);
  const failures = inScope.filter((e) => e.expectMatch).length;
  const row: StockRow = {
    name, lines: inScope.length, agree: 0, failures, found: 0, wrongHost: 0, wrongTime: 0, missed: 0, falseMatches: 0, share: 0, wrong: [],
  };
  let filter;
  try {
    filter = compileFilter(loadFilter(file), { now: () => FAIL2BAN_TEST_NOW });
  } catch (err) {
    row.refused = (err as Error).message;
    return row;
  }
  const checks = inScope.map((e) => checkEntry(e, filter.matchLine(e.line, FAIL2BAN_TEST_NOW), { timePrecision: 'second', checkUser: false }));
  const t = tally(checks);
  row.agree = t.agree;
  row.found = checks.filter((c) => c.verdict === 'agree' && c.entry.expectMatch).length;
  row.wrongHost = t['wrong-host'];
  row.wrongTime = t['wrong-time'];
  row.missed = t.missed;
  row.falseMatches = t['false-failure'];
  row.share = checks.length ? t.agree / checks.length : 0;
  row.wrong = checks.filter((c) => c.verdict !== 'agree');
  return row;
}

/** Whether a row counts towards the total. */
export function passes(row: StockRow): boolean {
  return row.refused === undefined && row.lines > 0 && row.share >= AGREEMENT;
}

/** The report's text: one row per filter, the reasons for the failing ones, and the total. */
export function formatStockReport(rows: StockRow[], detail: boolean): string {
  const header = ['filter', 'loaded', 'lines', 'agree %', 'failures', 'found', 'wrong host', 'wrong time', 'missed', 'false'];
  const body = rows.map((r) => [
    r.name, r.refused ? 'no' : 'yes', r.lines, r.refused ? '-' : (100 * r.share).toFixed(1), r.failures, r.found,
    r.wrongHost, r.wrongTime, r.missed, r.falseMatches,
  ].map(String));
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const fmt = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  const out = [fmt(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(fmt), ''];
  for (const r of rows.filter((row) => !passes(row))) {
    out.push(r.refused ? `${r.name}: not loaded: ${r.refused}` : `${r.name}: ${(100 * r.share).toFixed(1)}% agree`);
    if (detail && !r.refused) out.push(...r.wrong.slice(0, 12).map((c) => formatCheck(c, true)));
  }
  const total = rows.filter(passes).length;
  out.push('', `Total: ${total} of ${rows.length} stock filters agree with their sample on >= ${AGREEMENT * 100}% of its lines`);
  return out.join('\n');
}
