// The POSIX form of Central European Time. Node's ICU may not read POSIX TZ strings (it then
// silently runs in UTC), so fall back to the IANA zone with the same rules; the first test
// checks that the process really is in CET/CEST, so this file cannot pass in UTC by accident.
process.env.TZ = 'CET-01CEST-02,M3.5.0,M10.5.0';
if (new Date(2026, 6, 1, 12).getTimezoneOffset() !== -120) process.env.TZ = 'CET';

import { describe, expect, it } from 'vitest';
import { DateDetector } from '../../src/engine/filter/index.js';

const NOW = Date.UTC(2026, 10, 26, 12, 0, 0);
const detector = (datepattern?: string[]): DateDetector =>
  new DateDetector({
    now: () => NOW,
    datepattern: datepattern?.map((pattern, i) => ({ pattern, file: '/f/dates.conf', line: 1 + i })),
  });

describe('zone-less dates in local time (CET/CEST)', () => {
  it('the process is in CET in winter and CEST in summer', () => {
    expect(new Date(2026, 0, 15, 12).getTimezoneOffset()).toBe(-60);
    expect(new Date(2026, 6, 1, 12).getTimezoneOffset()).toBe(-120);
  });

  it('ISO 8601 without zone: summer is UTC+2, winter is UTC+1', () => {
    expect(detector().detect('2026-07-01 12:00:00 host x')?.time).toBe(Date.UTC(2026, 6, 1, 10));
    expect(detector().detect('2026-01-15T12:00:00 host x')?.time).toBe(Date.UTC(2026, 0, 15, 11));
  });

  it('syslog (year inferred): summer and winter', () => {
    expect(detector().detect('Jul  1 12:00:00 host x')?.time).toBe(Date.UTC(2026, 6, 1, 10));
    expect(detector().detect('Jan 15 12:00:00 host x')?.time).toBe(Date.UTC(2026, 0, 15, 11));
  });

  it('nginx YYYY/MM/DD: summer and winter', () => {
    expect(detector().detect('2026/07/01 12:00:00 [error] x')?.time).toBe(Date.UTC(2026, 6, 1, 10));
    expect(detector().detect('2026/01/15 12:00:00 [error] x')?.time).toBe(Date.UTC(2026, 0, 15, 11));
  });

  it('a datepattern without %z: summer and winter', () => {
    const d = detector(['%Y-%m-%d %H:%M:%S']);
    expect(d.detect('x 2026-07-01 12:00:00')?.time).toBe(Date.UTC(2026, 6, 1, 10));
    expect(d.detect('x 2026-01-15 12:00:00')?.time).toBe(Date.UTC(2026, 0, 15, 11));
  });

  it('an explicit zone or an epoch ignores the local zone', () => {
    expect(detector().detect('2026-07-01T12:00:00Z x')?.time).toBe(Date.UTC(2026, 6, 1, 12));
    expect(detector().detect('2026-07-01T12:00:00+00:00 x')?.time).toBe(Date.UTC(2026, 6, 1, 12));
    expect(detector().detect('[01/Jul/2026:12:00:00 +0000] x')?.time).toBe(Date.UTC(2026, 6, 1, 12));
    expect(detector().detect('1764000000 x')?.time).toBe(1_764_000_000_000);
  });

  it('the year of a syslog date is inferred against now, not against the local midnight', () => {
    // 23:30 UTC on Dec 31 is already Jan 1 in CET; a line written then says "Jan  1 00:30:00".
    const newYear = Date.UTC(2026, 11, 31, 23, 45);
    const d = new DateDetector({ now: () => newYear });
    expect(d.detect('Jan  1 00:30:00 host x')?.time).toBe(Date.UTC(2026, 11, 31, 23, 30));
  });
});
