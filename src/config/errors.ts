import { printable } from '../domain/printable.js';

/** One thing wrong with a configuration file. */
export interface ConfigProblem {
  /** The file the problem is in, as the path was given to the loader. */
  file?: string;
  /** 1-based line of the offending key, when it could be found. */
  line?: number;
  /** The key path, e.g. `jails.sshd.maxretry` or `trusted.ranges[2]`. */
  key?: string;
  /** What is wrong, without the location, e.g. `expected an integer >= 1, got "five"`. */
  message: string;
}

/**
 * A configuration that cannot be used. Every problem found is listed, so an
 * administrator fixes them in one pass rather than one per restart; `file`,
 * `line` and `key` describe the first one.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly file?: string;
  readonly line?: number;
  readonly key?: string;
  /** Every problem, in the order found; never empty. */
  readonly problems: readonly ConfigProblem[];

  constructor(problems: ConfigProblem | readonly ConfigProblem[], options?: { cause?: unknown }) {
    const list = Array.isArray(problems) ? [...problems] : [problems as ConfigProblem];
    if (list.length === 0) list.push({ message: 'invalid configuration' });
    super(list.map(formatProblem).join('\n'), options);
    const first = list[0]!;
    this.file = first.file;
    this.line = first.line;
    this.key = first.key;
    this.problems = list;
  }
}

/** `file:line: key: message`, leaving out the parts that are unknown. */
export function formatProblem(problem: ConfigProblem): string {
  let where = '';
  if (problem.file !== undefined) {
    where = problem.line !== undefined ? `${problem.file}:${problem.line}` : problem.file;
  }
  const parts = [where, problem.key ?? '', problem.message].filter((part) => part !== '');
  // Keys and values quoted from the file reach a terminal: nothing in them may steer it.
  return printable(parts.join(': '));
}

export { describeValue } from '../domain/describe-value.js';
