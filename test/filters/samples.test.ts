// Zone-less sample dates are read in the process's zone; fix it before any Date is made.
process.env.TZ = 'UTC';

import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compileFilter, loadFilter, type FilterDefinition } from '../../src/engine/filter/index.js';
import { defaultModeInText, readSampleLog, type SampleEntry } from '../helpers/fail-json.js';
import { filterFile, REQUIRED_FILTERS, sampleFile, shippedFilterNames } from '../helpers/filter-paths.js';
import { checkEntry, formatCheck } from '../helpers/sample-check.js';

/** Year-less syslog dates in our samples are placed relative to this clock. */
const NOW = Date.parse('2026-11-26T12:00:00Z');
const REQUIRED_ANNOTATED = 10;

const required = new Set<string>(REQUIRED_FILTERS);
const names = shippedFilterNames();

function defaultMode(def: FilterDefinition): string {
  return def.values.mode ?? defaultModeInText(readFileSync(def.file, 'utf8'));
}

function inScopeEntries(name: string, def: FilterDefinition, log = false): SampleEntry[] {
  const entries = readSampleLog(sampleFile(name), { defaultMode: defaultMode(def), filterName: name });
  const skipped = entries.filter((e) => !e.inDefaultScope);
  if (log && skipped.length) {
    const reasons = [...new Set(skipped.map((e) => e.outOfScopeReason))].join('; ');
    console.log(`${name}: ${skipped.length} sample entries not held to the default filter (${reasons})`);
  }
  return entries.filter((e) => e.inDefaultScope);
}

describe('shipped filters', () => {
  it('include every required filter, each with an annotated sample', () => {
    const missing = REQUIRED_FILTERS.flatMap((name) => [
      ...(existsSync(filterFile(name)) ? [] : [`filters/${name}.conf`]),
      ...(existsSync(sampleFile(name)) ? [] : [`test/samples/${name}.log`]),
    ]);
    expect(missing).toEqual([]);
  });

  for (const name of names) {
    describe(name, () => {
      it('starts with a comment and loads', () => {
        const first = readFileSync(filterFile(name), 'utf8').split('\n')[0] ?? '';
        expect(first.startsWith('#'), `filters/${name}.conf should open with a comment saying what it matches`).toBe(true);
        expect(() => compileFilter(loadFilter(name), { now: () => NOW })).not.toThrow();
      });

      it('gives exactly what its sample annotates', () => {
        expect(existsSync(sampleFile(name)), `test/samples/${name}.log is missing`).toBe(true);
        const def = loadFilter(name);
        const filter = compileFilter(def, { now: () => NOW });
        const entries = inScopeEntries(name, def, true);
        const annotated = entries.filter((e) => e.annotated).length;
        const minimum = required.has(name) ? REQUIRED_ANNOTATED : 1;
        // Soft, so a short sample still shows which of its entries are wrong.
        expect.soft(annotated, `annotated in-scope entries in test/samples/${name}.log`).toBeGreaterThanOrEqual(minimum);
        const wrong = entries
          .map((e) => checkEntry(e, filter.matchLine(e.line, NOW), { timePrecision: 'annotated', checkUser: true }))
          .filter((c) => c.verdict !== 'agree');
        expect(wrong.map((c) => formatCheck(c, true))).toEqual([]);
      });

      // fail2ban's own sample test insists on this too: an unexercised regex is an untested one.
      it('has a sample for every failregex', () => {
        if (!existsSync(sampleFile(name))) return; // reported by the test above
        const def = loadFilter(name);
        const filter = compileFilter(def, { now: () => NOW });
        const used = new Set<number>();
        for (const e of inScopeEntries(name, def)) {
          const result = filter.matchLine(e.line, NOW);
          if (result.kind !== 'missed') used.add(result.regexIndex);
        }
        const unused = def.failregex
          .map((p, i) => ({ p, i }))
          .filter(({ i }) => !used.has(i))
          .map(({ p, i }) => `#${i + 1} (${p.file.split('/').pop()}:${p.line}) ${p.pattern.trim()}`);
        expect(unused).toEqual([]);
      });
    });
  }
});
