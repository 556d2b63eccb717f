/**
 * `npm run torture`: runs every case in `bench/torture/cases/` one after another and prints one
 * table (case, expected, observed, pass, figures). `--bounded` (what `.ci/run` runs) takes the
 * short form of each case. `--only <text>` runs the cases whose name contains the text. Exits 1
 * when a case fails.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { TortureCase } from './case.js';
import { printTable, runRow, type Row } from './table.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const bounded = args.includes('--bounded');
const onlyAt = args.indexOf('--only');
const only = onlyAt >= 0 ? args[onlyAt + 1] ?? '' : '';

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
  if (c.needsRoot && process.getuid?.() !== 0) return { name: c.name, expected: c.expected, observed: 'skipped: needs root', pass: 'skip', figures: '' };
  return runRow(c.name, c.expected, () => c.run({ bounded }));
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
