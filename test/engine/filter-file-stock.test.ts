import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadFilter } from '../../src/engine/filter/index.js';
import { makeTempDir, type TempDir } from '../helpers/temp-dir.js';
import { lines } from './helpers.js';

/**
 * The include and interpolation chain of fail2ban's stock filters, on a small copy of its shape
 * written here: common.conf in the filter's own folder, `[DEFAULT]` values read in the filter's
 * `[Definition]`, tags resolved over `[Init]`/`[Definition]`/`[DEFAULT]`, `<sec/key>`,
 * `%(sec/key)s`, `%(known/key)s`, `[Init]` overrides and `%%`.
 */
let tmp: TempDir;
beforeEach(() => {
  tmp = makeTempDir('portcullis-stock-ini-');
});
afterEach(() => tmp.remove());

const COMMON = lines(
  '[INCLUDES]',
  'after = common.local',
  '[DEFAULT]',
  'logtype = file',
  '_daemon = \\S*',
  '__pid_re = (?:\\[\\d+\\])',
  '__prefix_line = <lt_<logtype>/__prefix_line>',
  'datepattern = <lt_<logtype>/datepattern>',
  '[lt_file]',
  '__prefix_line = \\s*<_daemon><__pid_re>?:\\s+',
  'datepattern = {^LN-BEG}',
  '[lt_short]',
  'datepattern = %(lt_file/datepattern)s',
);

describe("the stock filters' include and interpolation chain", () => {
  it("reads the including file's own common.conf and a daemon set in the filter's [Definition]", () => {
    tmp.write('stock/common.conf', COMMON);
    const file = tmp.write('stock/svc.conf', lines(
      '[INCLUDES]', 'before = common.conf',
      '[Definition]', '_daemon = svcd', 'failregex = ^%(__prefix_line)sfail from <HOST>$',
    ));
    const def = loadFilter(file);
    expect(def.failregex.map((p) => p.pattern)).toEqual(['^\\s*svcd(?:\\[\\d+\\])?:\\s+fail from <HOST>$']);
    expect(def.datepattern.map((p) => p.pattern)).toEqual(['{^LN-BEG}']);
  });

  it('%(known/x)s extends the [DEFAULT] value, and <sec/key> reads another section', () => {
    tmp.write('stock/common.conf', COMMON);
    const file = tmp.write('stock/mta.conf', lines(
      '[INCLUDES]', 'before = common.conf',
      '[Definition]', '_daemon = mta', '__prefix_line = %(known/__prefix_line)s(?:\\w{14}: )?',
      'failregex = ^%(__prefix_line)sreject <HOST>$', '            ^<lt_file/__prefix_line>x <HOST>$',
    ));
    expect(loadFilter(file).failregex.map((p) => p.pattern)).toEqual([
      '^\\s*mta(?:\\[\\d+\\])?:\\s+(?:\\w{14}: )?reject <HOST>$',
      '^\\s*mta(?:\\[\\d+\\])?:\\s+x <HOST>$',
    ]);
  });

  it('[Init] overrides [Definition], an [Init?family=inet6] section is not the default, and %% is a percent', () => {
    tmp.write('stock/common.conf', COMMON);
    const file = tmp.write('stock/app.conf', lines(
      '[INCLUDES]', 'before = common.conf',
      '[Definition]', 'mode = normal', 'failregex = <mdre-<mode>>', 'mdre-normal = ^bad <HOST> 100%% sure$',
      '              ^also <HOST>$', 'datepattern = ^%%Y-%%m-%%d', 'maxlines = 1',
      '[Init]', 'maxlines = 3', 'datepattern = ^t=%%Y',
      '[Init?family=inet6]', 'maxlines = 9',
    ));
    const def = loadFilter(file);
    expect(def.failregex.map((p) => p.pattern)).toEqual(['^bad <HOST> 100% sure$', '^also <HOST>$']);
    expect(def.maxlines).toBe(3);
    expect(def.datepattern.map((p) => p.pattern)).toEqual(['^t=%Y']);
  });
});
