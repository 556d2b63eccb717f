process.env.TZ = 'UTC';

import { describe, expect, it } from 'vitest';
import { DateDetector } from '../../src/engine/filter/index.js';

/** The datepattern forms fail2ban's stock filters use, each on a line of the form it is for. */
const NOW = Date.UTC(2026, 10, 26, 12, 0, 0);
const detector = (datepattern?: string[]): DateDetector =>
  new DateDetector({ now: () => NOW, datepattern: datepattern?.map((pattern, i) => ({ pattern, file: '/f/stock.conf', line: 3 + i })) });

function cut(d: DateDetector, line: string): { text: string; time: number } | null {
  const found = d.detect(line);
  return found ? { text: line.slice(found.start, found.end), time: found.time } : null;
}

describe('stock datepattern forms', () => {
  it('{DATE} inside a regex, the date being group 1 (apache-badbots)', () => {
    const line = '1.2.3.4 - - [05/Mar/2007:14:39:21 +0100] "POST /x HTTP/1.0" 301';
    expect(cut(detector(['^[^\\[]*\\[({DATE})']), line)).toEqual({ text: '05/Mar/2007:14:39:21 +0100', time: Date.UTC(2007, 2, 5, 13, 39, 21) });
  });

  it('{^LN-BEG} with strptime and %Ex forms (assp)', () => {
    expect(cut(detector(['{^LN-BEG}%b-%d-%Exy %H:%M:%S']), 'Apr-27-13 02:25:09 Blocking 1.2.3.4')?.time).toBe(Date.UTC(2013, 3, 27, 2, 25, 9));
  });

  it('{^LN-BEG}Epoch in brackets, and a {^LN-BEG} line after it (nsd)', () => {
    const d = detector(['{^LN-BEG}Epoch', '{^LN-BEG}']);
    expect(cut(d, '[1387288694] nsd[7745]: info: x')).toEqual({ text: '1387288694', time: 1387288694000 });
    expect(cut(d, '[2021-03-05 05:25:14.562] nsd[160800]: info: x')?.time).toBe(Date.UTC(2021, 2, 5, 5, 25, 14, 562));
  });

  it('TAI64N', () => {
    expect(cut(detector(['{^LN-BEG}TAI64N']), '@400000004c59f6d71b5b6bbc x')?.time).toBe(0x4c59f6d7 * 1000);
  });

  it('a backreference in the date, checked after the match (nginx-bad-request)', () => {
    const d = detector(['{^LN-BEG}%ExY(?P<_sep>[-/.])%m(?P=_sep)%d[T ]%H:%M:%S(?:[.,]%f)?(?:\\s*%z)?']);
    expect(cut(d, '2024/01/02 10:00:00 [error] x')?.time).toBe(Date.UTC(2024, 0, 2, 10));
    expect(cut(d, '2024/01-02 10:00:00 [error] x')).toBeNull();
  });

  it('a zone abbreviation and a bracket before the date (monit)', () => {
    expect(cut(detector(['{^LN-BEG}']), '[PDT Apr 16 21:05:29] error : x')?.time).toBe(Date.UTC(2026, 3, 17, 4, 5, 29));
  });

  it('a date after one leading process tag, but not after free text (domino-smtp)', () => {
    expect(cut(detector(), '[28325:00010-3735542592] 22-06-2014 09:56:12   smtp: x')?.time).toBe(Date.UTC(2014, 5, 22, 9, 56, 12));
    expect(cut(detector(), '[user name] 22-06-2014 09:56:12 smtp: x')).toBeNull();
    expect(cut(detector(), 'Invalid user [x] 22-06-2014 09:56:12 from 1.2.3.4')).toBeNull();
  });

  it('a date that must end at a word boundary', () => {
    expect(cut(detector(['^%Y-%m-%d %H:%M:%S']), '2024-01-02 10:00:001 x')).toBeNull();
  });
});
