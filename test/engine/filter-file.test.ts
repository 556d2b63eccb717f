import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadFilter, resolveFilterPath } from '../../src/engine/filter/index.js';
import { catchFilterError, lines, makeTempDir, type TempDir } from './helpers.js';

let tmp: TempDir;
beforeEach(() => {
  tmp = makeTempDir('portcullis-filter-');
});
afterEach(() => tmp.remove());

const patterns = (list: { pattern: string }[]): string[] => list.map((p) => p.pattern);

describe('loadFilter: includes and .local', () => {
  it('reads [INCLUDES] before/after from the filter folder, the filter overriding `before`', () => {
    tmp.write('common.conf', lines('[Definition]', '_daemon = commond', 'who = before'));
    tmp.write('late.conf', lines('[Definition]', 'who = after'));
    const file = tmp.write(
      'svc.conf',
      lines('[INCLUDES]', 'before = common.conf', 'after = late.conf', '[Definition]', '_daemon = svcd', 'who = filter', 'failregex = ^%(_daemon)s %(who)s <HOST>$'),
    );
    const def = loadFilter(file);
    expect(def.name).toBe('svc');
    expect(def.file).toBe(file);
    // The filter's own value beats `before`, and `after` beats both.
    expect(patterns(def.failregex)).toEqual(['^svcd after <HOST>$']);
    expect(def.values.who).toBe('after');
  });

  it('resolves includes relative to the filter folder, not the working directory', () => {
    tmp.write('sub/common.conf', lines('[Definition]', 'prefix = ^from-sub'));
    const file = tmp.write('sub/svc.conf', lines('[INCLUDES]', 'before = common.conf', '[Definition]', 'failregex = %(prefix)s <HOST>$'));
    expect(process.cwd()).not.toBe(path.dirname(file));
    expect(patterns(loadFilter(file).failregex)).toEqual(['^from-sub <HOST>$']);
  });

  it('lets a .local next to the .conf override its values', () => {
    const file = tmp.write('svc.conf', lines('[Definition]', 'failregex = ^conf <HOST>$', 'ignoreregex = ^conf-ignore$'));
    tmp.write('svc.local', lines('[Definition]', 'failregex = ^local <HOST>$'));
    const def = loadFilter(file);
    expect(def.failregex).toEqual([{ pattern: '^local <HOST>$', file: path.join(tmp.dir, 'svc.local'), line: 2 }]);
    expect(patterns(def.ignoreregex)).toEqual(['^conf-ignore$']);
  });

  it('names the file and line of a missing include', () => {
    const file = tmp.write('svc.conf', lines('# comment', '[INCLUDES]', 'before = nowhere.conf', '[Definition]', 'failregex = ^x <HOST>$'));
    const err = catchFilterError(() => loadFilter(file));
    expect(err.file).toBe(file);
    expect(err.line).toBe(3);
    expect(err.message).toContain(`${file}:3:`);
    expect(err.message).toContain('nowhere.conf');
  });

  it('rejects an include loop', () => {
    tmp.write('a.conf', lines('[INCLUDES]', 'before = b.conf', '[Definition]', 'failregex = ^a <HOST>$'));
    tmp.write('b.conf', lines('[INCLUDES]', 'before = a.conf', '[Definition]', 'x = 1'));
    const err = catchFilterError(() => loadFilter(path.join(tmp.dir, 'a.conf')));
    expect(err.message).toMatch(/loop/);
  });

  it('allows the same file to be included twice without a loop (diamond)', () => {
    tmp.write('base.conf', lines('[Definition]', 'x = base'));
    tmp.write('left.conf', lines('[INCLUDES]', 'before = base.conf', '[Definition]', 'l = left'));
    tmp.write('right.conf', lines('[INCLUDES]', 'before = base.conf', '[Definition]', 'r = right'));
    const file = tmp.write('top.conf', lines('[INCLUDES]', 'before = left.conf right.conf', '[Definition]', 'failregex = ^%(x)s %(l)s %(r)s <HOST>$'));
    expect(patterns(loadFilter(file).failregex)).toEqual(['^base left right <HOST>$']);
  });
});

describe('loadFilter: interpolation', () => {
  it('takes %(name)s from [Definition], [Init] and [DEFAULT]', () => {
    const file = tmp.write(
      'svc.conf',
      lines('[DEFAULT]', 'd = from-default', '[Init]', 'i = from-init', '[Definition]', 'own = from-def', 'failregex = ^%(own)s %(i)s %(d)s <HOST>$'),
    );
    expect(patterns(loadFilter(file).failregex)).toEqual(['^from-def from-init from-default <HOST>$']);
  });

  it('reads %(known/name)s as the value the .local overrode', () => {
    const file = tmp.write('svc.conf', lines('[Definition]', 'failregex = ^conf-one <HOST>$', '            ^conf-two <HOST>$'));
    const local = tmp.write('svc.local', lines('[Definition]', 'failregex = %(known/failregex)s', '            ^local <HOST>$'));
    const def = loadFilter(file);
    expect(def.failregex).toEqual([
      { pattern: '^conf-one <HOST>$', file, line: 2 },
      { pattern: '^conf-two <HOST>$', file, line: 3 },
      { pattern: '^local <HOST>$', file: local, line: 3 },
    ]);
  });

  it('substitutes <name> from [Init], including a nested <a-<mode>>', () => {
    const file = tmp.write(
      'svc.conf',
      lines(
        '[Init]',
        'mode = aggressive',
        'who = sshd',
        '[Definition]',
        'a-normal = ^normal',
        'a-aggressive = ^aggressive',
        'failregex = <a-<mode>> <who> <HOST> <F-USER>\\S+</F-USER>$',
      ),
    );
    expect(patterns(loadFilter(file).failregex)).toEqual(['^aggressive sshd <HOST> <F-USER>\\S+</F-USER>$']);
  });

  it('leaves regex tags and unknown <names> alone', () => {
    const file = tmp.write('svc.conf', lines('[Definition]', 'failregex = ^<ADDR> <IP4> <IP6> <DNS> <HOST> <unknown-tag>$'));
    expect(patterns(loadFilter(file).failregex)).toEqual(['^<ADDR> <IP4> <IP6> <DNS> <HOST> <unknown-tag>$']);
  });

  it('keeps each pattern on its own file line, also from a multi-line value in an included file', () => {
    const common = tmp.write(
      'common.conf',
      lines('[Definition]', '# shared patterns', 'cmnfailre = ^shared-one <HOST>$', '            ^shared-two <HOST>$', '', '            ^shared-three <HOST>$'),
    );
    const file = tmp.write(
      'svc.conf',
      lines('[INCLUDES]', 'before = common.conf', '', '[Definition]', 'failregex = ^own-one <HOST>$', '            %(cmnfailre)s', '# comment', '            ^own-two <HOST>$'),
    );
    expect(loadFilter(file).failregex).toEqual([
      { pattern: '^own-one <HOST>$', file, line: 5 },
      { pattern: '^shared-one <HOST>$', file: common, line: 3 },
      { pattern: '^shared-two <HOST>$', file: common, line: 4 },
      { pattern: '^shared-three <HOST>$', file: common, line: 6 },
      { pattern: '^own-two <HOST>$', file, line: 8 },
    ]);
  });

  it('rejects an undefined %(x)s, naming file and line', () => {
    const file = tmp.write('svc.conf', lines('[Definition]', 'failregex = ^ok <HOST>$', '            ^%(nothere)s <HOST>$'));
    const err = catchFilterError(() => loadFilter(file));
    expect(err.message).toContain(`${file}:3:`);
    expect(err.message).toContain('nothere');
  });

  it('rejects a reference loop instead of recursing forever', () => {
    const file = tmp.write('svc.conf', lines('[Definition]', 'a = %(b)s x', 'b = %(a)s y', 'failregex = ^%(a)s <HOST>$'));
    catchFilterError(() => loadFilter(file));
  });

  it('turns %% into a literal %', () => {
    const file = tmp.write('svc.conf', lines('[Definition]', 'failregex = ^100%% from <HOST>$'));
    expect(patterns(loadFilter(file).failregex)).toEqual(['^100% from <HOST>$']);
  });
});

describe('loadFilter: lookup and required keys', () => {
  it('finds a filter by name in the given folders, first folder first', () => {
    const other = makeTempDir('portcullis-filter2-');
    try {
      other.write('svc.conf', lines('[Definition]', 'failregex = ^other <HOST>$'));
      const mine = tmp.write('svc.conf', lines('[Definition]', 'failregex = ^mine <HOST>$'));
      expect(resolveFilterPath('svc', [tmp.dir, other.dir])).toBe(mine);
      expect(patterns(loadFilter('svc', [tmp.dir, other.dir]).failregex)).toEqual(['^mine <HOST>$']);
      expect(patterns(loadFilter('svc', [path.join(tmp.dir, 'none'), other.dir]).failregex)).toEqual(['^other <HOST>$']);
    } finally {
      other.remove();
    }
  });

  it('finds a filter by path, and reports an unknown name or path', () => {
    const file = tmp.write('by-path.conf', lines('[Definition]', 'failregex = ^p <HOST>$'));
    expect(loadFilter(file).name).toBe('by-path');
    expect(catchFilterError(() => loadFilter('no-such-filter', [tmp.dir])).message).toContain('no-such-filter');
    expect(catchFilterError(() => loadFilter(path.join(tmp.dir, 'missing.conf'))).message).toContain('missing.conf');
  });

  it('rejects a filter without failregex, naming the file', () => {
    const file = tmp.write('empty.conf', lines('[Definition]', 'ignoreregex = ^x$'));
    const err = catchFilterError(() => loadFilter(file));
    expect(err.message).toContain(file);
    expect(err.message).toContain('failregex');
  });

  it('rejects a failregex that is empty', () => {
    const file = tmp.write('empty.conf', lines('[Definition]', 'failregex =', 'ignoreregex ='));
    catchFilterError(() => loadFilter(file));
  });

  it('reads prefregex, datepattern and maxlines', () => {
    const file = tmp.write(
      'svc.conf',
      lines('[Init]', 'maxlines = 3', '[Definition]', 'prefregex = ^svc: <F-CONTENT>.+</F-CONTENT>$', 'failregex = ^bad <HOST>$', 'datepattern = {^LN-BEG}%%Y-%%m-%%d'),
    );
    const def = loadFilter(file);
    expect(def.prefregex).toEqual({ pattern: '^svc: <F-CONTENT>.+</F-CONTENT>$', file, line: 4 });
    expect(def.datepattern).toEqual([{ pattern: '{^LN-BEG}%Y-%m-%d', file, line: 6 }]);
    expect(def.maxlines).toBe(3);
  });
});
