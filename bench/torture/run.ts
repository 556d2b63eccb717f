/**
 * `npm run torture`: runs every case in `bench/torture/cases/` one after another and prints one
 * table (case, expected, observed, pass, figures). `--bounded` (what `.ci/run` runs) takes the
 * short form of each case. `--only <text>` runs the cases whose name contains the text. Exits 1
 * when a case fails.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { TortureCase, TortureResult } from './case.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const bounded = args.includes('--bounded');
const onlyAt = args.indexOf('--only');
const only = onlyAt >= 0 ? args[onlyAt + 1] ?? '' : '';

interface Row {
  name: string;
  expected: string;
  observed: string;
  pass: string;
  figures: string;
}

async function loadCases(): Promise<TortureCase[]> {
  const dir = path.join(here, 'cases');
  const files = readdirSync(dir).filter((f) => f.endsWith('.ts')).sort();
  const cases: TortureCase[] = [];
  for (const file of files) {
    const module = (await import(pathToFileURL(path.join(dir, file)).href)) as { cases?: TortureCase[] };
    cases.push(...(module.cases ?? []));
  }
  return cases.filter((c) => c.name.includes(only));
}

async function runCase(c: TortureCase): Promise<Row> {
  const row = { name: c.name, expected: c.expected };
  if (c.needsRoot && process.getuid?.() !== 0) return { ...row, observed: 'skipped: needs root', pass: 'skip', figures: '' };
  const started = Date.now();
  let result: TortureResult;
  try {
    result = await c.run({ bounded });
  } catch (err) {
    result = { observed: `threw: ${(err as Error).stack ?? String(err)}`.split('\n').slice(0, 3).join(' | '), pass: false };
  }
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (result.skipped) return { ...row, observed: `skipped: ${result.skipped}`, pass: 'skip', figures: '' };
  return { ...row, observed: result.observed, pass: result.pass ? 'PASS' : 'FAIL', figures: [result.figures, `${seconds} s`].filter(Boolean).join('; ') };
}

function printTable(rows: Row[]): void {
  const header: Row = { name: 'case', expected: 'expected', observed: 'observed', pass: 'pass', figures: 'figures' };
  const cells = (r: Row): string[] => [r.name, r.expected, r.observed, r.pass, r.figures].map((c) => c.replace(/\|/g, '\\|'));
  console.log(`| ${cells(header).join(' | ')} |`);
  console.log(`|${cells(header).map(() => '---').join('|')}|`);
  for (const row of rows) console.log(`| ${cells(row).join(' | ')} |`);
}

const cases = await loadCases();
const rows: Row[] = [];
for (const c of cases) {
  process.stderr.write(`torture: ${c.name} ...\n`);
  const row = await runCase(c);
  process.stderr.write(`torture: ${c.name}: ${row.pass} (${row.observed})\n`);
  rows.push(row);
}
printTable(rows);
const failed = rows.filter((r) => r.pass === 'FAIL').length;
console.log(`\n${rows.length} cases${bounded ? ' (bounded)' : ''}: ${rows.filter((r) => r.pass === 'PASS').length} passed, ${failed} failed, ${rows.filter((r) => r.pass === 'skip').length} skipped`);
process.exit(failed > 0 ? 1 : 0);
