process.env.TZ = 'UTC';

import { describe, expect, it } from 'vitest';
import { DateDetector } from '../../src/engine/filter/index.js';
import { compileDatePattern } from '../../src/engine/filter/date-pattern.js';
import { fromParts, inferYear } from '../../src/engine/filter/date-parts.js';
import { catchFilterError } from './helpers.js';

const NOW = Date.UTC(2026, 10, 26, 12, 0, 0);
const detector = (datepattern?: string[]): DateDetector =>
  new DateDetector({
    now: () => NOW,
    datepattern: datepattern?.map((pattern, i) => ({ pattern, file: '/f/dates.conf', line: 7 + i })),
  });

/** Detects the date of `line` and checks that start/end cut exactly `dateText` out of it. */
function detectExact(line: string, dateText: string, d = detector()): { time: number; format: string } {
  const found = d.detect(line);
  expect(found, `no date found in ${line}`).not.toBeNull();
  expect(line.slice(found!.start, found!.end)).toBe(dateText);
  expect(found!.start).toBe(line.indexOf(dateText));
  return found!;
}

describe('built-in formats: syslog', () => {
  it('infers this year for a date in the past', () => {
    expect(detectExact('Nov 24 10:00:00 host sshd[1]: x', 'Nov 24 10:00:00').time).toBe(Date.UTC(2026, 10, 24, 10));
  });

  it('takes last year when this year would put the date in the future', () => {
    expect(detectExact('Dec 31 23:59:59 host x', 'Dec 31 23:59:59').time).toBe(Date.UTC(2025, 11, 31, 23, 59, 59));
  });

  it('keeps this year for a date less than a day ahead (clock skew)', () => {
    expect(detectExact('Nov 27 00:30:00 host x', 'Nov 27 00:30:00').time).toBe(Date.UTC(2026, 10, 27, 0, 30));
  });

  it('takes last year for a date more than a day ahead', () => {
    expect(detector().detect('Nov 28 00:30:00 host x')?.time).toBe(Date.UTC(2025, 10, 28, 0, 30));
  });

  it('reads a space-padded day', () => {
    expect(detectExact('Nov  4 08:01:02 host x', 'Nov  4 08:01:02').time).toBe(Date.UTC(2026, 10, 4, 8, 1, 2));
  });

  // Times are whole milliseconds in every format (ISO 8601 below truncates the same way).
  it('reads fractional seconds, as whole milliseconds', () => {
    const found = detectExact('Nov 24 10:00:00.123456 host x', 'Nov 24 10:00:00.123456');
    expect(Number.isInteger(found.time)).toBe(true);
    expect(found.time).toBe(Date.UTC(2026, 10, 24, 10, 0, 0, 123));
    expect(found.format).toBe('syslog');
  });
});

describe('built-in formats: ISO 8601', () => {
  it.each([
    ['with Z', '2026-11-24T10:00:00Z', Date.UTC(2026, 10, 24, 10)],
    ['with +01:00', '2026-11-24T10:00:00+01:00', Date.UTC(2026, 10, 24, 9)],
    ['with +0100', '2026-11-24T10:00:00+0100', Date.UTC(2026, 10, 24, 9)],
    ['with -05:30', '2026-11-24T10:00:00-05:30', Date.UTC(2026, 10, 24, 15, 30)],
    ['without zone (local)', '2026-11-24 10:00:00', Date.UTC(2026, 10, 24, 10)],
    ['with a comma fraction', '2026-11-24 10:00:00,250', Date.UTC(2026, 10, 24, 10, 0, 0, 250)],
    ['with a dot fraction and zone', '2026-11-24T10:00:00.5+01:00', Date.UTC(2026, 10, 24, 9, 0, 0, 500)],
    ['with microseconds', '2026-11-24T10:00:00.123456Z', Date.UTC(2026, 10, 24, 10, 0, 0, 123)],
  ])('%s', (_name, text, time) => {
    const found = detectExact(`${text} host sshd[1]: Failed`, text);
    expect(found.time).toBe(time);
    expect(found.format).toBe('iso8601');
  });
});

describe('built-in formats: others', () => {
  it('takes no date from further into a line but an access log\'s, in its fourth field; a datepattern can say where too', () => {
    const line = '203.0.113.5 - - [24/Nov/2026:10:00:00 +0100] "GET /wp-login.php HTTP/1.1" 404 153';
    // host ident user [date] ": the fields before it hold no spaces, the date does, quotes are
    // escaped; taken for a filter written for access logs (a failregex with \[\]).
    expect(detector().detect(line)).toBeNull();
    const accessLog = (): DateDetector => new DateDetector({ now: () => NOW, accessLog: true });
    expect(detectExact(line, '24/Nov/2026:10:00:00 +0100', accessLog())).toMatchObject({ time: Date.UTC(2026, 10, 24, 9), format: 'clf' });
    expect(detectExact(line.replace('203.0.113.5', '2001:db8::5'), '24/Nov/2026:10:00:00 +0100', accessLog()).format).toBe('clf');
    const found = detectExact(line, '[24/Nov/2026:10:00:00 +0100] "', detector(['\\[%d/%b/%Y:%H:%M:%S %z\\] "']));
    expect(found.time).toBe(Date.UTC(2026, 10, 24, 9));
    // Anywhere else, date-shaped text is the client's: a user name with spaces, a request, a message.
    for (const other of [
      '203.0.113.5 - a b [01/Jan/2020:00:00:00 +0000] "GET / HTTP/1.1" 401 5',
      '203.0.113.5 - [01/Jan/2020:00:00:00 +0000] "GET / HTTP/1.1" 401 5',
      '203.0.113.5 - x [01/Jan/2020:00:00:00] "GET / HTTP/1.1" 401 5',
      '203.0.113.5 - x [01/Jan/2020:00:00:00 +0000] GET / 401',
      'login failed for x y [01/Jan/2020:00:00:00 +0000] " from 203.0.113.5',
      'login failed: user [01/Jan/2020:00:00:00 +0000] "x" from 203.0.113.5',
    ]) {
      expect(accessLog().detect(other), other).toBeNull();
    }
  });

  it('reads the nginx error log form YYYY/MM/DD', () => {
    const found = detectExact('2026/11/24 10:00:00 [error] 811#811: *1 access forbidden', '2026/11/24 10:00:00');
    expect(found.time).toBe(Date.UTC(2026, 10, 24, 10));
  });

  it('reads the Apache error log form with weekday, microseconds and year', () => {
    const line = '[Tue Nov 24 10:00:00.123456 2026] [auth_basic:error] [pid 42] [client 192.0.2.1:5000] AH01618';
    const found = detectExact(line, 'Tue Nov 24 10:00:00.123456 2026');
    expect(found.time).toBe(Date.UTC(2026, 10, 24, 10, 0, 0, 123));
  });

  it('keeps an explicit year even when it is ahead of now', () => {
    expect(detector().detect('[Tue Dec 29 10:00:00 2026] x')?.time).toBe(Date.UTC(2026, 11, 29, 10));
  });

  it('reads epoch seconds with a fraction', () => {
    const found = detectExact('1764000000.5 sshd: failure', '1764000000.5');
    expect(found.time).toBe(1_764_000_000_500);
    expect(found.format).toBe('epoch');
  });

  it('returns null for a line without a date', () => {
    expect(detector().detect('sshd[1]: Failed password for root from 192.0.2.1 port 22')).toBeNull();
    expect(detector().detect('')).toBeNull();
  });

  it('does not take a time of day alone for a date', () => {
    expect(detector().detect('session opened at 10:00:00 for user root')).toBeNull();
  });

  it('gives each of two different consecutive dates its own time', () => {
    const d = detector();
    expect(d.detect('Nov 24 10:00:00 a')?.time).toBe(Date.UTC(2026, 10, 24, 10));
    expect(d.detect('Nov 24 10:00:00 b')?.time).toBe(Date.UTC(2026, 10, 24, 10));
    expect(d.detect('Nov 24 10:00:01 c')?.time).toBe(Date.UTC(2026, 10, 24, 10, 0, 1));
  });
});

describe('datepattern', () => {
  it('%Y-%m-%d %H:%M:%S, with start/end cutting exactly the date', () => {
    const d = detector(['%Y-%m-%d %H:%M:%S']);
    const found = detectExact('srv 2026-11-24 10:00:00 login failed', '2026-11-24 10:00:00', d);
    expect(found.time).toBe(Date.UTC(2026, 10, 24, 10));
    expect(found.format).toBe('%Y-%m-%d %H:%M:%S');
  });

  it('{^LN-BEG}%b %d %H:%M:%S only at the start of the line, year inferred', () => {
    const d = detector(['{^LN-BEG}%b %d %H:%M:%S']);
    expect(detectExact('Nov 24 10:00:00 host x', 'Nov 24 10:00:00', d).time).toBe(Date.UTC(2026, 10, 24, 10));
    expect(d.detect('Dec 31 23:59:59 host x')?.time).toBe(Date.UTC(2025, 11, 31, 23, 59, 59));
    expect(d.detect('host Nov 24 10:00:00 x')).toBeNull();
  });

  it('{^LN-BEG}%b %d %H:%M:%S reads a syslog space-padded day', () => {
    const d = detector(['{^LN-BEG}%b %d %H:%M:%S']);
    expect(d.detect('Nov  4 08:01:02 host x')?.time).toBe(Date.UTC(2026, 10, 4, 8, 1, 2));
  });

  it('Epoch', () => {
    const d = detector(['Epoch']);
    expect(detectExact('[1764000000.25] x', '1764000000.25', d).time).toBe(1_764_000_000_250);
    expect(d.detect('2026-11-24 10:00:00 no epoch here')).toBeNull();
  });

  it('%z, with and without a colon', () => {
    const d = detector(['%Y-%m-%dT%H:%M:%S%z']);
    expect(detectExact('at 2026-11-24T10:00:00+0200 x', '2026-11-24T10:00:00+0200', d).time).toBe(Date.UTC(2026, 10, 24, 8));
    expect(d.detect('at 2026-11-24T10:00:00-03:00 x')?.time).toBe(Date.UTC(2026, 10, 24, 13));
  });

  it('tries the patterns in order and only them', () => {
    const d = detector(['^%d/%m/%Y %H:%M:%S', '%Y-%m-%d %H:%M:%S']);
    expect(d.detect('24/11/2026 10:00:00 x')?.time).toBe(Date.UTC(2026, 10, 24, 10));
    expect(d.detect('x 2026-11-24 09:00:00')?.time).toBe(Date.UTC(2026, 10, 24, 9));
    expect(d.detect('Nov 24 10:00:00 syslog is not in the list')).toBeNull();
  });

  it('{NONE} means the line has no date', () => {
    expect(detector(['{NONE}']).detect('2026-11-24T10:00:00Z x')).toBeNull();
  });

  it('an unknown directive is a FilterError naming file and line', () => {
    const err = catchFilterError(() => compileDatePattern({ pattern: '%Y %Q', file: '/f/dates.conf', line: 9 }));
    expect(err.message).toContain('/f/dates.conf:9:');
    expect(err.message).toContain('%Q');
  });
});

describe('date-parts', () => {
  it('fromParts rejects impossible parts and an unknown zone', () => {
    expect(fromParts(2026, 12, 1, 0, 0, 0, 0, 'Z')).toBeNaN();
    expect(fromParts(2026, 0, 32, 0, 0, 0, 0, 'Z')).toBeNaN();
    expect(fromParts(2026, 0, 1, 0, 60, 0, 0, 'Z')).toBeNaN();
    expect(fromParts(2026, 0, 1, 0, 0, 0, 0, 'nowhere')).toBeNaN();
    expect(fromParts(2026, 0, 1, 0, 0, 0, 0, '+05')).toBe(Date.UTC(2025, 11, 31, 19));
  });

  it('inferYear never returns a time more than a day ahead of now', () => {
    const at = (year: number): number => Date.UTC(year, 10, 27, 12, 0, 1);
    expect(inferYear(NOW, at)).toBe(Date.UTC(2025, 10, 27, 12, 0, 1));
    expect(inferYear(NOW, (year) => Date.UTC(year, 10, 27, 12, 0, 0))).toBe(Date.UTC(2026, 10, 27, 12));
  });
});

describe('dates a client writes into an access log', () => {
  const accessLog = detector(['\\[%d/%b/%Y:%H:%M:%S %z\\] "']);
  it('takes the server date framed by `[...] "` over a date in the user field', () => {
    const line = '198.18.0.7 - [01/Jan/2020:00:00:00 +0000] [24/Nov/2026:10:00:00 +0000] "POST /wp-login.php HTTP/1.1" 200 5';
    expect(accessLog.detect(line)?.time).toBe(Date.UTC(2026, 10, 24, 10));
  });

  it('takes the server date over one in the request line', () => {
    const line = '198.18.0.8 - - [24/Nov/2026:10:00:01 +0000] "GET /?d=[01/Jan/2020:00:00:00 +0000] HTTP/1.1" 200 1';
    expect(accessLog.detect(line)?.time).toBe(Date.UTC(2026, 10, 24, 10, 0, 1));
  });
});

describe('garbage that looks like a date', () => {
  it('takes no date from an out-of-range TAI64N label, Feb 30, hour 24 or a host named like a year', () => {
    expect(detector().detect('@4fffffffffffffff00000000 gate sshd[1]: x')).toBeNull();
    expect(detector().detect('2026-02-30 10:00:00 x')).toBeNull();
    expect(detector().detect('2026-02-03 24:00:00 x')).toBeNull();
    expect(detectExact('Nov 24 10:00:00 1000-web sshd[1]: x', 'Nov 24 10:00:00').time).toBe(Date.UTC(2026, 10, 24, 10));
  });

  it('reads a zone-less date followed by a word starting with Z as local time', () => {
    expect(detectExact('2026-11-24 10:00:00 Zeus sshd[1]: x', '2026-11-24 10:00:00').time).toBe(Date.UTC(2026, 10, 24, 10));
  });
});

describe('dates further into a line', () => {
  it('ignores a date-shaped user name in a message that has no date of its own', () => {
    expect(detector().detect('Failed password for invalid user 2020-01-01T00:00:00Z from 198.18.0.3 port 22 ssh2')).toBeNull();
    expect(detector().detect('Invalid user [24/Nov/2001:10:00:00 +0000] "x" from 198.51.100.7 port 22')).toBeNull();
    expect(detector().detect('sshd[1]: Invalid user Jan 1 00:00:00 from 198.18.0.3')).toBeNull();
  });

  it('reads the date after a syslog priority and an RFC 5424 version', () => {
    expect(detectExact('<38>Nov 24 10:00:00 host sshd[1]: x', 'Nov 24 10:00:00').time).toBe(Date.UTC(2026, 10, 24, 10));
    expect(detectExact('<38>1 2026-11-24T10:00:00Z host sshd 1 - - x', '2026-11-24T10:00:00Z').time).toBe(Date.UTC(2026, 10, 24, 10));
  });
});
