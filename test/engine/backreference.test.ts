import RE2 from 're2';
import { describe, expect, it } from 'vitest';
import { expandSmallBackreferences } from '../../src/engine/filter/backreference.js';
import { scanPattern, UnsupportedConstruct } from '../../src/engine/filter/regex-scanner.js';
import { pythonSearch, type PyMatch } from './python-re.js';

/**
 * Both backreference rules against Python's own `re`, on the shapes the stock filters use and on
 * lines where the two texts differ: same match or none, same span, same named captures.
 */
function ours(pattern: string, lines: string[]): PyMatch[] {
  const scanned = scanPattern(expandSmallBackreferences(pattern));
  const re = new RE2(scanned.source);
  return lines.map((line) => {
    const m = re.exec(line);
    if (!m || !scanned.checks.every(({ group, copy }) => copy === undefined || m[copy] === undefined || m[group] === m[copy])) return null;
    const groups: Record<string, string | null> = {};
    scanned.groups.forEach((name, i) => {
      if (name !== null && (groups[name] === undefined || groups[name] === null)) groups[name] = m[i + 1] ?? null;
    });
    return { span: [m.index, m.index + m[0].length], groups };
  });
}

const CASES: { name: string; pattern: string; lines: string[] }[] = [
  {
    name: 'an optional quote repeated after a run (selinux-ssh)',
    pattern: `acct=(?P<q>"?)\\S+(?P=q) exe=(?P<exe>\\S+)$`,
    lines: ['acct="root" exe=/x', 'acct=root exe=/x', 'acct="root exe=/x', 'acct=root" exe=/x', 'acct="" exe=/x', 'acct=""" exe=/x'],
  },
  {
    name: 'a separator repeated in a date',
    pattern: '^(?P<Y>\\d{4})(?P<sep>[-/.])(?P<m>\\d{2})(?P=sep)(?P<d>\\d{2})',
    lines: ['2024-01-02', '2024/01/02', '2024.01.02', '2024-01/02', '2024/01-02'],
  },
  {
    name: 'a run delimited on both sides (stunnel)',
    pattern: 'from (?P<host>[\\d.]+):\\d+ : (?P<CODE>[\\dA-F]+): error:(?P=CODE):SSL',
    lines: ['from 1.2.3.4:5 : 14094410: error:14094410:SSL', 'from 1.2.3.4:5 : 14094410: error:1409441:SSL', 'from 1.2.3.4:5 : AB: error:ABC:SSL'],
  },
  {
    name: 'a run repeated at the end of an alternative (openwebmail)',
    pattern: '^ - \\((?P<host>\\S+)\\) (?P<USER>\\S+) - login error - (no such user - loginname=(?P=USER)|Password incorrect)$',
    lines: [' - (1.2.3.4) bob - login error - no such user - loginname=bob', ' - (1.2.3.4) bob - login error - no such user - loginname=bobby',
      ' - (1.2.3.4) bob - login error - Password incorrect'],
  },
];

describe('backreferences: the same matches as Python re', () => {
  for (const c of CASES) {
    it(c.name, () => {
      expect(ours(c.pattern, c.lines)).toEqual(pythonSearch(c.pattern, c.lines));
    });
  }

  it('refuses a backreference whose texts could end in more than one place', () => {
    for (const pattern of ['(?P<e><\\S+@\\S+>) x (?P=e)\\.\\.\\.', '(?P<u>\\S+)(?P=u)', '(?P<u>\\w+)x(?P=u)\\w']) {
      expect(() => scanPattern(expandSmallBackreferences(pattern))).toThrow(UnsupportedConstruct);
    }
  });
});
