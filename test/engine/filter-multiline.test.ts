import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { compileFilter, loadFilter } from '../../src/engine/filter/index.js';
import { lines, makeTempDir, type TempDir } from './helpers.js';

let tmp: TempDir;
beforeEach(() => {
  tmp = makeTempDir('portcullis-multiline-');
});
afterEach(() => tmp.remove());

const NOW = Date.UTC(2026, 10, 24, 12);

describe('maxlines and <SKIPLINES>', () => {
  it('ties a connection end to its earlier failure across lines of other connections, which stay for their own', () => {
    const file = tmp.write('conn.conf', lines(
      '[Definition]',
      'failregex = ^\\[conn(?P<__connid>\\d+)\\] auth failed[^\\n]*<SKIPLINES>\\[conn(?P=__connid)\\] end connection <HOST>$',
      '[Init]',
      'maxlines = 10',
    ));
    const filter = compileFilter(loadFilter(file), { now: () => NOW });
    const verdicts = [
      '[conn1] auth failed for bob',
      '[conn2] auth failed for eve',
      '[conn3] hello',
      '[conn1] end connection 198.18.0.1',
      '[conn2] end connection 198.18.0.2',
      '[conn3] end connection 198.18.0.3',
    ].map((l) => filter.matchLine(l, NOW));
    expect(verdicts.map((v) => (v.kind === 'failure' ? v.ip : v.kind))).toEqual(['missed', 'missed', 'missed', '198.18.0.1', '198.18.0.2', 'missed']);
  });

  it('a match over two lines takes the date of the first when the second has an empty date', () => {
    const file = tmp.write('two.conf', lines(
      '[Definition]',
      'failregex = ^.*\\nWARNING: attempt from <HOST> failed\\.$',
      'maxlines = 2',
      'datepattern = ^%%Y-%%m-%%d %%H:%%M:%%S',
      '              ^WARNING:()**',
    ));
    const filter = compileFilter(loadFilter(file), { now: () => NOW });
    expect(filter.matchLine('2026-11-24 10:00:00 org.Auth check', NOW).kind).toBe('missed');
    const found = filter.matchLine('WARNING: attempt from 198.18.0.9 failed.', NOW);
    expect(found.kind === 'failure' && found.ip).toBe('198.18.0.9');
    expect(found.kind === 'failure' && found.time).toBe(new Date(2026, 10, 24, 10).getTime());
  });
});
