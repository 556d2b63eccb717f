import type { TortureResult } from './case.js';

/** One row of a torture table, as printed. */
export interface Row {
  name: string;
  expected: string;
  observed: string;
  pass: string;
  figures: string;
}

/** Runs one case and makes its row: a throw is a failure, a `skipped` result a skip; the time is added. */
export async function runRow(name: string, expected: string, run: () => Promise<TortureResult>): Promise<Row> {
  const started = Date.now();
  let result: TortureResult;
  try {
    result = await run();
  } catch (err) {
    result = { observed: `threw: ${(err as Error).stack ?? String(err)}`.split('\n').slice(0, 3).join(' | '), pass: false };
  }
  if (result.skipped) return { name, expected, observed: `skipped: ${result.skipped}`, pass: 'skip', figures: '' };
  const seconds = `${((Date.now() - started) / 1000).toFixed(1)} s`;
  return { name, expected, observed: result.observed, pass: result.pass ? 'PASS' : 'FAIL', figures: [result.figures, seconds].filter(Boolean).join('; ') };
}

/** Prints the rows as one markdown table. */
export function printTable(rows: Row[]): void {
  const header: Row = { name: 'case', expected: 'expected', observed: 'observed', pass: 'pass', figures: 'figures' };
  const cells = (r: Row): string[] => [r.name, r.expected, r.observed, r.pass, r.figures].map((c) => c.replace(/\|/g, '\\|'));
  console.log(`| ${cells(header).join(' | ')} |`);
  console.log(`|${cells(header).map(() => '---').join('|')}|`);
  for (const row of rows) console.log(`| ${cells(row).join(' | ')} |`);
}
