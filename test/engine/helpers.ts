import {
  compileFilter,
  FilterError,
  type CompiledFilter,
  type CompileOptions,
  type FilterDefinition,
} from '../../src/engine/filter/index.js';

export { makeTempDir, type TempDir } from '../helpers/temp-dir.js';

/** Joins lines with `\n` and a final newline, so line numbers in a fixture are easy to count. */
export function lines(...rows: string[]): string {
  return `${rows.join('\n')}\n`;
}

/** Runs `fn`, expecting a FilterError, and returns it (fails the test otherwise). */
export function catchFilterError(fn: () => unknown): FilterError {
  try {
    fn();
  } catch (err) {
    if (err instanceof FilterError) return err;
    throw new Error(`expected a FilterError, got ${String(err)}`);
  }
  throw new Error('expected a FilterError, but nothing was thrown');
}

/** A filter definition built in memory (no file), each failregex on its own pretend line from 3. */
export function definition(
  failregex: string[],
  extra: { ignoreregex?: string[]; prefregex?: string; datepattern?: string[] } = {},
): FilterDefinition {
  const file = '/virtual/test-filter.conf';
  const src = (list: string[], first: number) => list.map((pattern, i) => ({ pattern, file, line: first + i }));
  const def: FilterDefinition = {
    name: 'test-filter',
    file,
    failregex: src(failregex, 3),
    ignoreregex: src(extra.ignoreregex ?? [], 20),
    datepattern: src(extra.datepattern ?? [], 30),
    maxlines: 1,
    values: {},
  };
  if (extra.prefregex !== undefined) def.prefregex = { pattern: extra.prefregex, file, line: 2 };
  return def;
}

/** Compiles an in-memory filter. */
export function compile(
  failregex: string[],
  extra: { ignoreregex?: string[]; prefregex?: string; datepattern?: string[] } = {},
  options: CompileOptions = {},
): CompiledFilter {
  return compileFilter(definition(failregex, extra), options);
}
