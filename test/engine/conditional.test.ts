import RE2 from 're2';
import { describe, expect, it } from 'vitest';
import { expandConditionals } from '../../src/engine/filter/conditional.js';
import { scanPattern, UnsupportedConstruct } from '../../src/engine/filter/regex-scanner.js';
import { pythonSearch, type PyMatch } from './python-re.js';

/**
 * The conditional-group rule (conditional.ts) and the lookahead-loop rule (regex-scanner.ts)
 * against Python's own `re`, on sshd's "Failed ... for [invalid user] USER from HOST" pattern
 * and on lines made to be read more than one way: the first variant that matches (with its
 * checks) must give Python's match, span and named captures.
 */
function ours(pattern: string, lines: string[]): PyMatch[] {
  const variants = expandConditionals(pattern).map((v) => {
    const scanned = scanPattern(v);
    return { scanned, re: new RE2(scanned.source, 'd') };
  });
  return lines.map((line) => {
    for (const { scanned, re } of variants) {
      const m = re.exec(line) as (RegExpExecArray & { indices?: ([number, number] | undefined)[] }) | null;
      if (!m) continue;
      const ok = scanned.checks.every((c) => {
        if (c.copy !== undefined) return m[c.copy] === undefined || m[c.group] === m[c.copy];
        const span = m.indices?.[c.group];
        return !span || c.avoid.every((l) => {
          const at = line.indexOf(l, span[0]);
          return at < 0 || at >= span[1];
        });
      });
      if (!ok) continue;
      const groups: Record<string, string | null> = {};
      scanned.groups.forEach((name, i) => {
        if (name !== null && !name.startsWith('cond_') && (groups[name] === undefined || groups[name] === null)) groups[name] = m[i + 1] ?? null;
      });
      return { span: [m.index, m.index + m[0].length], groups };
    }
    return null;
  });
}

/** Python's groups without the condition groups (which only steer the match). */
function python(pattern: string, lines: string[]): PyMatch[] {
  return pythonSearch(pattern, lines).map((m) => m && {
    span: m.span,
    groups: Object.fromEntries(Object.entries(m.groups).filter(([k]) => !k.startsWith('cond_'))),
  });
}

const SSHD = '^Failed \\S+ for (?P<cond_inv>invalid user )?(?P<user>(?P<cond_user>\\S+)|(?(cond_inv)(?:(?! from ).)*?|[^:]+)) from (?P<host>[\\d.]+)(?: port \\d+)?(?: ssh\\d*)?(?(cond_user): |(?:(?:(?! from ).)*)$)';

const LINES = [
  'Failed password for root from 1.2.3.4 port 22 ssh2',
  'Failed password for invalid user bob from 1.2.3.4 port 22 ssh2',
  'Failed password for invalid user bob smith from 1.2.3.4 port 22 ssh2',
  'Failed publickey for root from 1.2.3.4 port 22 ssh2: RSA SHA256:abc',
  'Failed password for invalid user x from 5.6.7.8 port 1 ssh2: from 1.2.3.4 port 2 ssh2',
  'Failed password for invalid user test from 127.0.0.1 port 58946 ssh2: from 10.10.1.2 port 55555 ssh2',
  'Failed password for a b from 1.2.3.4 port 22 ssh2 from 9.9.9.9',
  'Failed password for invalid user from from 1.2.3.4 port 22 ssh2',
  'Failed password for invalid user  from 1.2.3.4',
  'Failed password for x: y from 1.2.3.4',
];

describe('conditional groups and lookahead loops: the same matches as Python re', () => {
  it("sshd's Failed pattern", () => {
    expect(expandConditionals(SSHD)).toHaveLength(4);
    expect(ours(SSHD, LINES)).toEqual(python(SSHD, LINES));
  });

  it('refuses a conditional on a group number and a greedy loop that stops before the end', () => {
    expect(() => expandConditionals('(a)?(?(1)b|c)')).toThrow(UnsupportedConstruct);
    expect(() => scanPattern('for (?:(?! from ).)* in x')).toThrow(UnsupportedConstruct);
  });
});
