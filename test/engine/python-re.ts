import { execFileSync } from 'node:child_process';

/** What Python's `re.search` found on one line: the span and the named groups, or null. */
export type PyMatch = { span: [number, number]; groups: Record<string, string | null> } | null;

const PYTHON = String.raw`
import json, re, sys
pattern, lines = sys.argv[1], json.loads(sys.argv[2])
rx = re.compile(pattern)
out = []
for line in lines:
    m = rx.search(line)
    out.append(None if m is None else {"span": list(m.span()), "groups": {k: v for k, v in m.groupdict().items()}})
print(json.dumps(out))
`;

/** Runs Python's own `re` over the lines (argument array, no shell). */
export function pythonSearch(pattern: string, lines: string[]): PyMatch[] {
  return JSON.parse(execFileSync('python3', ['-c', PYTHON, pattern, JSON.stringify(lines)], { encoding: 'utf8' })) as PyMatch[];
}
