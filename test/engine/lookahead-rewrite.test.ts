import RE2 from 're2';
import { describe, expect, it } from 'vitest';
import { rotateLoopLookaheads } from '../../src/engine/filter/lookahead-loop.js';
import { dropImpliedLookaheads, rewriteLookaheads } from '../../src/engine/filter/lookahead-rewrite.js';
import { UnsupportedConstruct } from '../../src/engine/filter/regex-scanner.js';
import { pythonSearch as python, type PyMatch } from './python-re.js';

/**
 * The lookahead rule (lookahead-rewrite.ts) against Python's own `re`: for each pattern, in the
 * shapes the stock filters use, the rewritten RE2 pattern must find the same match, the same
 * span and the same named captures as Python finds with the lookahead, on every line, including
 * lines made to sit on the edge of the forbidden text.
 */

function ours(pattern: string, lines: string[]): PyMatch[] {
  const re = new RE2(rewriteLookaheads(pattern).replace(/\(\?P</g, '(?<'));
  return lines.map((line) => {
    const m = re.exec(line);
    if (!m) return null;
    const groups: Record<string, string | null> = {};
    for (const [k, v] of Object.entries(m.groups ?? {})) groups[k] = v ?? null;
    return { span: [m.index, m.index + m[0].length], groups };
  });
}

const CASES: { name: string; pattern: string; lines: string[] }[] = [
  {
    name: 'a literal before an optional-or-lazy user run (apache-auth)',
    pattern: '^user (?!`)(?P<user>(?:\\S*|.*?)) (?:authentication failure|not found)\\b',
    lines: ['user bob authentication failure', 'user `bob` not found', 'user  not found', 'user b`ob not found', 'user ` not found', 'user x y not found'],
  },
  {
    name: 'a bracketed name that may not be one word (recidive)',
    pattern: 'NOTICE\\s+\\[(?!recidive\\])(?:.*)\\]\\s+Ban\\s+(?P<host>\\S+)\\s*$',
    lines: ['NOTICE [sshd] Ban 1.2.3.4', 'NOTICE [recidive] Ban 1.2.3.4', 'NOTICE [recidivex] Ban 1.2.3.4', 'NOTICE [recid] Ban 1.2.3.4',
      'NOTICE [recidive] x] Ban 1.2.3.4', 'NOTICE [] Ban 1.2.3.4', 'NOTICE [recidive]] Ban 1.2.3.4'],
  },
  {
    name: 'a key that may not be one name, in a repeated group (asterisk)',
    pattern: '^Ev="x"(?:,(?!RemoteAddress=)\\w+="[^"]*")*,RemoteAddress="(?P<host>[^"]+)"',
    lines: ['Ev="x",A="1",RemoteAddress="1.2.3.4"', 'Ev="x",RemoteAddress="5",RemoteAddress="1.2.3.4"', 'Ev="x",RemoteAddressX="5",RemoteAddress="6"',
      'Ev="x",Remote="5",RemoteAddress="7"'],
  },
  {
    name: 'alternatives, one a literal (courier-auth)',
    pattern: 'LOGIN FAILED, (?:(?!ip=)(?:user=(?P<user>[^,]*)|\\w+=[^,]*), )*ip=\\[(?P<host>[^\\]]+)\\]',
    lines: ['LOGIN FAILED, user=bob, ip=[1.2.3.4]', 'LOGIN FAILED, method=x, user=ip=, ip=[1.2.3.4]', 'LOGIN FAILED, ip=[1.2.3.4]', 'LOGIN FAILED, ipx=3, ip=[5.6.7.8]'],
  },
  {
    name: 'two literals before a class with a dash (named-refused)',
    pattern: '^(?:(?!error|info)[\\w-]+: )?(?:(?:error|info):\\s*)?client (?P<host>\\S+)',
    lines: ['security: client 1.2.3.4', 'error: client 1.2.3.4', 'info: client 1.2.3.4', 'errors: client 1.2.3.4', 'inf: client 1.2.3.4', 'x-info: client 1.2.3.4'],
  },
  {
    name: 'a user that may not be a lone dash (traefik-auth)',
    pattern: '^(?P<host>\\S+) \\- (?!- )(?P<user>\\S+) \\[\\]',
    lines: ['1.2.3.4 - bob []', '1.2.3.4 - - []', '1.2.3.4 - -- []', '1.2.3.4 - -x []'],
  },
];

describe('negative lookahead before a run: the same matches as Python re', () => {
  for (const c of CASES) {
    it(c.name, () => {
      expect(rewriteLookaheads(c.pattern)).not.toContain('(?!');
      expect(ours(c.pattern, c.lines)).toEqual(python(c.pattern, c.lines));
    });
  }

  it('refuses, naming the construct, a lookahead it cannot make exact', () => {
    for (const pattern of ['for (?! from )x from x', 'a(?!b|c\\d)\\w+', 'x(?!ab)\\S+a']) {
      expect(() => rewriteLookaheads(pattern)).toThrow(UnsupportedConstruct);
    }
    try {
      rewriteLookaheads('for (?! from )x from x');
    } catch (err) {
      expect((err as Error).message).toContain('(?! from )');
    }
  });
});

describe('a positive lookahead the pattern implies: the same matches as Python re', () => {
  const pattern = 'error in "[^"]+(?:"+[^"]*(?="))*?" (?P<host>\\S+) AUTH$';
  const samples = ['error in "AUTH LOGIN" 1.2.3.4 AUTH', 'error in "a""b"c"" 1.2.3.4 AUTH', 'error in "a"b 1.2.3.4 AUTH', 'error in "x"" y" 5.6.7.8 AUTH', 'error in "" 1.2.3.4 AUTH'];

  it('is dropped, and the result agrees with Python (exim)', () => {
    const rewritten = dropImpliedLookaheads(pattern);
    expect(rewritten).not.toContain('(?=');
    const re = new RE2(rewritten.replace(/\(\?P</g, '(?<'));
    const ours = samples.map((line): PyMatch => {
      const m = re.exec(line);
      return m ? { span: [m.index, m.index + m[0].length], groups: { host: m.groups?.host ?? null } } : null;
    });
    expect(ours).toEqual(python(pattern, samples));
  });

  it('is refused when what follows need not begin with it', () => {
    expect(() => dropImpliedLookaheads('a(?=b)\\w+')).toThrow(UnsupportedConstruct);
    expect(() => dropImpliedLookaheads('(?:x(?=y))*y')).toThrow(UnsupportedConstruct);
  });
});

describe('a lookahead closing a repeated group, and one ending in \\b: the same matches as Python re', () => {
  const rewrite = (pattern: string): string => rewriteLookaheads(rotateLoopLookaheads(pattern));
  const run = (pattern: string, lines: string[]): PyMatch[] => {
    const re = new RE2(rewrite(pattern).replace(/\(\?P</g, '(?<'));
    return lines.map((line) => {
      const m = re.exec(line);
      if (!m) return null;
      const groups: Record<string, string | null> = {};
      for (const [k, v] of Object.entries(m.groups ?? {})) groups[k] = v ?? null;
      return { span: [m.index, m.index + m[0].length], groups };
    });
  };
  const words = ['cipher', 'host key type', 'found', 'found found', 'a found b', 'founder', 'foun', 'fou nd', 'a b c', 'a b c d', 'x foundx', 'found_', ''];

  it('moves the group by one run: (?:\\w+ (?!L)){0,2}\\w+ becomes \\w+(?: (?!L)\\w+){0,2}', () => {
    expect(rotateLoopLookaheads('m (?:(?:\\w+ (?!found\\b)){0,2}\\w+) found')).toBe('m (?:\\w+(?: (?!found\\b)\\w+){0,2}) found');
    // Not that shape: a capture in the group, a lazy round, alternatives, a different run after it.
    for (const pattern of ['(?:(\\w+) (?!x)){0,2}\\w+', '(?:\\w+ (?!x)){0,2}?\\w+', '(?:\\w+ |y(?!x)){0,2}\\w+', '(?:\\w+ (?!x)){0,2}\\S+']) {
      expect(rotateLoopLookaheads(pattern)).toBe(pattern);
    }
  });

  it('before a non-word character: the one word forbidden is the literal (sshd ddos, "no matching ... found.")', () => {
    const pattern = '^no matching (?P<alg>(?:(?:\\w+ (?!found\\b)){0,2}\\w+)) found\\.';
    const lines = words.map((w) => `no matching ${w} found.`);
    expect(rewrite(pattern)).not.toContain('(?!');
    expect(run(pattern, lines)).toEqual(python(pattern, lines));
  });

  it('where the pattern ends: the run takes the whole word, as Python\'s greedy run does (sshd ddos, "Unable to negotiate a ...")', () => {
    const pattern = '^Unable to negotiate a (?P<alg>(?:(?:\\w+ (?!found\\b)){0,2}\\w+))';
    const lines = [...words.map((w) => `Unable to negotiate a ${w}`), ...words.map((w) => `Unable to negotiate a x ${w} y`), 'Unable to negotiate a x found', 'Unable to negotiate a x fou-nd'];
    expect(rewrite(pattern)).toMatch(/\\b\)\{0,2\}\)\)$/);
    expect(run(pattern, lines)).toEqual(python(pattern, lines));
  });

  it('refuses \\b where the run\'s end is not fixed, or the literal is not a word', () => {
    for (const pattern of ['a (?!found\\b)\\w+x', 'a (?!fo-und\\b)\\w+ b', 'a (?!found\\b)\\S+ b', '(?:a (?!found\\b)\\w+)\\w']) {
      expect(() => rewrite(pattern), pattern).toThrow(UnsupportedConstruct);
    }
  });
});
