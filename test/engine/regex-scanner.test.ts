import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { compileFilter, loadFilter } from '../../src/engine/filter/index.js';
import { scanPattern } from '../../src/engine/filter/regex-scanner.js';
import { catchFilterError, compile, lines, makeTempDir, type TempDir } from './helpers.js';

let tmp: TempDir;
beforeEach(() => {
  tmp = makeTempDir('portcullis-scan-');
});
afterEach(() => tmp.remove());

/** Writes a filter whose third failregex line (file line 5) is `bad`, and compiles it. */
function compileWithBadLine(bad: string): { file: string; run: () => unknown } {
  const file = tmp.write(
    'bad.conf',
    lines('# a filter with one unsupported pattern', '[Definition]', 'failregex = ^good one <HOST>$', '            ^good two <HOST>$', `            ${bad}`, '            ^good three <HOST>$'),
  );
  return { file, run: () => compileFilter(loadFilter(file)) };
}

describe('unsupported constructs in a filter file', () => {
  it.each([
    ['lookahead', '^from <HOST>(?=x)$', /lookahead/, /negative/],
    ['negative lookahead', '^from <HOST>(?!x)$', /negative lookahead/, null],
    ['lookbehind', '^(?<=x)from <HOST>$', /lookbehind/, /negative/],
    ['negative lookbehind', '^(?<!x)from <HOST>$', /negative lookbehind/, null],
    ['backreference \\1', '^(a)from <HOST> \\1$', /backreference \\1/, null],
    // (A group right after `^` and before fixed text with a space, `^(?P<w>a)from `, has one text: that one runs.)
    ['named backreference', '^\\s*(?P<w>a)from <HOST> (?P=w)$', /backreference/, null],
    ['atomic group', '^(?>a+)from <HOST>$', /atomic group/, null],
    ['possessive quantifier', '^a++from <HOST>$', /possessive quantifier/, null],
    ['possessive quantifier on a class', '^[a-z]*+ from <HOST>$', /possessive quantifier/, null],
    ['conditional', '^(a)?(?(1)b|c) from <HOST>$', /conditional/, null],
  ])('%s is a FilterError naming file, line and construct', (_name, bad, construct, notConstruct) => {
    const { file, run } = compileWithBadLine(bad);
    const err = catchFilterError(run);
    expect(err.file).toBe(file);
    expect(err.line).toBe(5);
    expect(err.message).toContain(`${file}:5:`);
    expect(err.message).toMatch(construct);
    if (notConstruct) expect(err.message).not.toMatch(notConstruct);
  });

  it('names the line inside an included file when the bad pattern comes from there', () => {
    const common = tmp.write('common.conf', lines('[Definition]', 'shared = ^ok <HOST>$', '         ^x(?=y) <HOST>$'));
    const file = tmp.write('svc.conf', lines('[INCLUDES]', 'before = common.conf', '[Definition]', 'failregex = %(shared)s'));
    const err = catchFilterError(() => compileFilter(loadFilter(file)));
    expect(err.message).toContain(`${common}:3:`);
    expect(err.message).toContain('lookahead');
  });

  it('does not mistake escaped or bracketed characters for constructs', () => {
    const filter = compile(['^a\\(\\?=b\\) [(?=!]+ \\\\1 from <HOST>$']);
    expect(filter.matchLine('a(?=b) ?= \\1 from 192.0.2.1', 0)).toMatchObject({ kind: 'failure', ip: '192.0.2.1' });
  });

  it('accepts lazy quantifiers and a literal `{`', () => {
    const filter = compile(['^x+? a{2,}? {y} from <HOST>$']);
    expect(filter.matchLine('xx aaa {y} from 192.0.2.2', 0)).toMatchObject({ kind: 'failure', ip: '192.0.2.2' });
  });

  it('rejects a failregex without <HOST>, naming file and line', () => {
    const { file, run } = compileWithBadLine('^no host here$');
    const err = catchFilterError(run);
    expect(err.message).toContain(`${file}:5:`);
    expect(err.message).toContain('<HOST>');
  });

  it('reports a pattern RE2 cannot compile with its file and line', () => {
    const { file, run } = compileWithBadLine('^unclosed (group <HOST>$');
    expect(catchFilterError(run).message).toContain(`${file}:5:`);
  });
});

describe('scanPattern', () => {
  it('drops (?#comment) groups', () => {
    const scanned = scanPattern('^abc(?# a comment )def$');
    expect(scanned.source).toBe('^abcdef$');
    expect(scanned.groups).toEqual([]);
    const filter = compile(['^abc(?# ignore me )def <HOST>$']);
    expect(filter.matchLine('abcdef 192.0.2.3', 0)).toMatchObject({ kind: 'failure', ip: '192.0.2.3' });
  });

  it('lists capturing groups with their names, skipping non-capturing ones', () => {
    const scanned = scanPattern('^(?P<user>\\S+) (?:x|y) (a) (?<port>\\d+)$');
    expect(scanned.groups).toEqual(['user', null, 'port']);
    expect(scanned.source).toBe('^(\\S+) (?:x|y) (a) (\\d+)$');
  });

  it('turns \\Z into \\z', () => {
    expect(scanPattern('end\\Z').source).toBe('end\\z');
  });

  it.each([
    ['^Failed password for (?P<user>\\S+) from', 'Failed password for '],
    ['^Invalid users? from x', 'Invalid user'],
    ['^abc\\.def\\d+', 'abc.def'],
    ['^a(b)c connection closed [0-9]', 'c connection closed '],
    ['^abcd+ef', 'abcd'],
    ['^prefix x{0,2} suffix-long', ' suffix-long'],
  ])('the literal of %s is %j', (pattern, literal) => {
    expect(scanPattern(pattern).literal).toBe(literal);
  });

  it('never puts an optional char in the literal', () => {
    const literal = scanPattern('^authentication failures? for').literal;
    expect(literal).not.toBeNull();
    expect(literal).not.toContain('failures');
    expect('authentication failure for'.includes(literal!)).toBe(true);
  });

  it.each([
    ['a top-level |', 'Failed password|Invalid user'],
    ['(?i)', '(?i)Failed password for'],
    ['(?i:...)', '(?i:Failed password for)'],
    ['only short runs', '^a.b.c\\d'],
  ])('gives a null literal for %s', (_name, pattern) => {
    expect(scanPattern(pattern).literal).toBeNull();
  });

  it('keeps the literal when | is only inside a group', () => {
    expect(scanPattern('^Failed (password|publickey) for').literal).toBe('Failed ');
  });

  // An escape such as \x2d stands for one character; its hex digits are not literal text.
  it('does not take the digits of a \\x escape as literal text', () => {
    expect(scanPattern('^user\\x2dname from').literal).toBe('name from');
  });

  it('matches a line through a pattern with a \\x escape (the prefilter must not skip it)', () => {
    const filter = compile(['^user\\x2dname from <HOST>$']);
    expect(filter.matchLine('user-name from 192.0.2.4', 0)).toMatchObject({ kind: 'failure', ip: '192.0.2.4' });
  });

  it('lets the prefilter skip lines that lack every literal, without changing verdicts', () => {
    const filter = compile(['^Failed password for \\S+ from <HOST>', '^Invalid user \\S+ from <HOST>']);
    expect(filter.matchLine('Failed password for root from 192.0.2.5', 0)).toMatchObject({ kind: 'failure', regexIndex: 0 });
    expect(filter.matchLine('Invalid user admin from 192.0.2.6', 0)).toMatchObject({ kind: 'failure', regexIndex: 1 });
    expect(filter.matchLine('Accepted password for root from 192.0.2.7', 0)).toEqual({ kind: 'missed' });
  });
});
