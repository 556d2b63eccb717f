import { describe, expect, it } from 'vitest';
import { FilterError, parseIni } from '../../src/engine/filter/index.js';
import { catchFilterError, lines } from './helpers.js';

const FILE = '/etc/portcullis/filter.d/sample.conf';

describe('parseIni', () => {
  it('reads sections and keys in file order, with `=` and `:` assignments', () => {
    const ini = parseIni(
      lines(
        '[INCLUDES]',
        'before = common.conf',
        '',
        '[Definition]',
        '_daemon: sshd',
        'failregex = ^Failed from <HOST>$',
      ),
      FILE,
    );
    expect(ini.file).toBe(FILE);
    expect([...ini.sections.keys()]).toEqual(['INCLUDES', 'Definition']);
    expect(ini.sections.get('INCLUDES')?.get('before')).toEqual({ text: 'common.conf', lines: [2] });
    const def = ini.sections.get('Definition')!;
    expect([...def.keys()]).toEqual(['_daemon', 'failregex']);
    expect(def.get('_daemon')).toEqual({ text: 'sshd', lines: [5] });
    expect(def.get('failregex')).toEqual({ text: '^Failed from <HOST>$', lines: [6] });
  });

  it('keeps a value containing `=` and `:` after the first separator', () => {
    const ini = parseIni(lines('[Definition]', 'failregex = ^a=b: c <HOST>$'), FILE);
    expect(ini.sections.get('Definition')?.get('failregex')?.text).toBe('^a=b: c <HOST>$');
  });

  it('joins indented continuation lines and records the line of each', () => {
    const ini = parseIni(
      lines(
        '[Definition]',
        'failregex = ^first <HOST>$',
        '            ^second <HOST>$',
        '\t^third <HOST>$',
        'ignoreregex =',
      ),
      FILE,
    );
    const def = ini.sections.get('Definition')!;
    expect(def.get('failregex')).toEqual({
      text: '^first <HOST>$\n^second <HOST>$\n^third <HOST>$',
      lines: [2, 3, 4],
    });
    expect(def.get('ignoreregex')).toEqual({ text: '', lines: [5] });
  });

  it('drops comment lines (# and ;) inside a continued value without ending it', () => {
    const ini = parseIni(
      lines(
        '[Definition]',
        'failregex = ^one <HOST>$',
        '# a comment at column 0',
        '            ; an indented comment',
        '            ^two <HOST>$',
      ),
      FILE,
    );
    expect(ini.sections.get('Definition')?.get('failregex')).toEqual({
      text: '^one <HOST>$\n^two <HOST>$',
      lines: [2, 5],
    });
  });

  it('accepts CRLF line endings', () => {
    const ini = parseIni('[Definition]\r\nfailregex = ^x <HOST>$\r\n  ^y <HOST>$\r\n', FILE);
    expect(ini.sections.get('Definition')?.get('failregex')).toEqual({ text: '^x <HOST>$\n^y <HOST>$', lines: [2, 3] });
  });

  it('lets a repeated key replace the earlier one and merges a repeated section', () => {
    const ini = parseIni(lines('[Definition]', 'a = 1', '[Init]', 'x = 0', '[Definition]', 'a = 2', 'b = 3'), FILE);
    const def = ini.sections.get('Definition')!;
    expect(def.get('a')).toEqual({ text: '2', lines: [6] });
    expect(def.get('b')?.text).toBe('3');
    expect([...ini.sections.keys()]).toEqual(['Definition', 'Init']);
  });

  it('rejects a key outside any section, naming file and line', () => {
    const err = catchFilterError(() => parseIni(lines('# header', '', 'failregex = x'), FILE));
    expect(err).toBeInstanceOf(FilterError);
    expect(err.file).toBe(FILE);
    expect(err.line).toBe(3);
    expect(err.message).toContain(`${FILE}:3:`);
    expect(err.message).toContain('outside any [section]');
  });

  it('rejects an unreadable line, naming file and line', () => {
    const err = catchFilterError(() => parseIni(lines('[Definition]', 'failregex = ^a <HOST>$', 'this is not an assignment'), FILE));
    expect(err.line).toBe(3);
    expect(err.message).toContain(`${FILE}:3:`);
    expect(err.message).toContain('this is not an assignment');
  });

  it('rejects an indented line before any value', () => {
    const err = catchFilterError(() => parseIni(lines('[Definition]', '   just text'), FILE));
    expect(err.message).toContain(`${FILE}:2:`);
  });
});
