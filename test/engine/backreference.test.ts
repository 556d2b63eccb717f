import RE2 from 're2';
import { describe, expect, it } from 'vitest';
import { expandSmallBackreferences } from '../../src/engine/filter/backreference.js';
import { copiesAgree, literalSource } from '../../src/engine/filter/fixed-backreference.js';
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
    let m = re.exec(line);
    // A reference to a group the line fixes: where a copy holds another text, matched again with the group's text written in.
    if (m && scanned.fixed.length && !copiesAgree(scanned.fixed, m)) m = new RE2(literalSource(scanned.source, scanned.fixed, m)!).exec(line);
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

// sendmail-reject's first failregex, <HOST>'s address written as a plain group.
const SENDMAIL = String.raw`^ruleset=check_rcpt, arg1=(?P<email><\S+@\S+>), relay=(\S+ )?\[(?P<host>\d+\.\d+\.\d+\.\d+)\](?: \(may be forged\))?, reject=(?:550 5\.7\.1(?: (?P=email)\.\.\.)?(?: Relaying denied\.)? (?:IP name possibly forged \[(\d+\.){3}\d+\]|Proper authentication required\.|IP name lookup failed \[(\d+\.){3}\d+\]|Fix reverse DNS for \S+)|553 5\.1\.8(?: (?P=email)\.\.\.)? Domain of sender address \S+ does not exist|550 5\.[71]\.1 (?P=email)\.\.\. (Rejected: .*|User unknown))$`;
const rcpt = (email: string, reject: string): string => `ruleset=check_rcpt, arg1=${email}, relay=mx.example.org [192.0.2.7], reject=${reject}`;

CASES.push(
  {
    name: 'a group the line fixes, referred to in three alternatives (sendmail-reject)',
    pattern: SENDMAIL,
    lines: [
      rcpt('<bob@example.org>', '550 5.7.1 <bob@example.org>... Relaying denied. Proper authentication required.'),
      rcpt('<bob@example.org>', '550 5.7.1 <eve@example.org>... Relaying denied. Proper authentication required.'),
      rcpt('<bob@example.org>', '550 5.7.1 Relaying denied. IP name lookup failed [192.0.2.8]'),
      rcpt('<bob@example.org>', '553 5.1.8 <bob@example.org>... Domain of sender address bob@example.org does not exist'),
      rcpt('<bob@example.org>', '553 5.1.8 <bob@example.org>>... Domain of sender address bob@example.org does not exist'),
      rcpt('<bob@example.org>', '550 5.1.1 <bob@example.org>... User unknown'),
      rcpt('<bob@example.org>', '550 5.1.1 <bob@example.or>... User unknown'),
      rcpt('<bob@example.org>', '550 5.7.1 <bob@example.org>... Rejected: from <eve@example.org>... User unknown'),
      // Pattern characters in the address are text: the reference's "." is no wildcard.
      rcpt('<a.b+c@x(y)[1]>', '550 5.1.1 <a.b+c@x(y)[1]>... User unknown'),
      rcpt('<a.b+c@x(y)[1]>', '550 5.1.1 <aXb+c@x(y)[1]>... User unknown'),
      rcpt('<a\\d@x>', '550 5.1.1 <a\\d@x>... User unknown'),
      rcpt('<a\\d@x>', '550 5.1.1 <a7@x>... User unknown'),
      // A ">" inside, a relay that is a second bracketed word, and text that is not ASCII.
      rcpt('<a@b>c>', '550 5.1.1 <a@b>c>... User unknown'),
      rcpt('<a@b>c>', '550 5.1.1 <a@b>... User unknown'),
      rcpt('<jörg@exämple.org>', '550 5.1.1 <jörg@exämple.org>... User unknown'),
      rcpt('<jörg@exämple.org>', '550 5.1.1 <jorg@exämple.org>... User unknown'),
      'ruleset=check_rcpt, arg1=<a@b> , relay=[192.0.2.7], reject=550 5.1.1 <a@b> ... User unknown',
      'ruleset=check_rcpt, arg1=<a@b>, relay=x y [192.0.2.7], reject=550 5.1.1 <a@b>... User unknown',
    ],
  },
  {
    name: 'a group the line fixes, ending at a class it does not take',
    pattern: String.raw`^user=(?P<u>[^\s,]+), from (?P<host>\S+)(?: again (?P=u))?$`,
    lines: ['user=bob, from 1.2.3.4 again bob', 'user=bob, from 1.2.3.4 again bobby', 'user=bob, from 1.2.3.4', 'user=bo,b, from 1.2.3.4 again bo,b'],
  },
);

describe('backreferences: the same matches as Python re', () => {
  for (const c of CASES) {
    it(c.name, () => {
      expect(ours(c.pattern, c.lines)).toEqual(pythonSearch(c.pattern, c.lines));
    });
  }

  it('refuses a backreference whose texts could end in more than one place', () => {
    // Not all from the start of the line; a group that takes white space; one whose start moves;
    // one with no white space in the fixed text after it; one in an alternation the ^ does not cover.
    const notFixed = [String.raw`arg1=(?P<e><\S+@\S+>), x (?P=e)\.`, String.raw`^arg1=(?P<e><.+@\S+>), x (?P=e)\.`, String.raw`^a\s*(?P<e><\S+@\S+>), x (?P=e)\.`,
      String.raw`^arg1=(?P<e><\S+@\S+>),x(?P=e)\.`, String.raw`^arg1=(?P<e><\S+@\S+>), x (?P=e)\.|^y`, String.raw`^arg1=(?P<e><\S+@\S+>)+, x (?P=e)\.`];
    for (const pattern of ['(?P<e><\\S+@\\S+>) x (?P=e)\\.\\.\\.', '(?P<u>\\S+)(?P=u)', '(?P<u>\\w+)x(?P=u)\\w', ...notFixed]) {
      expect(() => scanPattern(expandSmallBackreferences(pattern))).toThrow(UnsupportedConstruct);
    }
  });
});
