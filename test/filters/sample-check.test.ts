process.env.TZ = 'UTC';

import { describe, expect, it } from 'vitest';
import type { LineResult } from '../../src/engine/filter/index.js';
import { parseSampleLog } from '../helpers/fail-json.js';
import { checkEntry, type CheckOptions } from '../helpers/sample-check.js';

const entry = (json: string) => parseSampleLog(`# failJSON: ${json}\nsome log line\n`)[0]!;

const failure = (host: string, ip: string | null, time: number, user?: string): LineResult => ({
  kind: 'failure', host, ip, time, captures: {}, dateFormat: 'iso8601', regexIndex: 0, ...(user ? { user } : {}),
});

const exact: CheckOptions = { timePrecision: 'annotated', checkUser: true };
const t = (iso: string): number => Date.parse(`${iso}Z`);

describe('checkEntry', () => {
  it('compares hosts after IP normalisation', () => {
    const e = entry('{ "match": true, "host": "::ffff:192.0.2.1" }');
    expect(checkEntry(e, failure('::ffff:192.0.2.1', '192.0.2.1', 0), exact).verdict).toBe('agree');
    expect(checkEntry(e, failure('192.0.2.2', '192.0.2.2', 0), exact).verdict).toBe('wrong-host');
  });

  it('compares a hostname as written', () => {
    const e = entry('{ "match": true, "host": "example.com" }');
    expect(checkEntry(e, failure('example.com', null, 0), exact).verdict).toBe('agree');
  });

  it('holds a time without a fraction to the second and one with a fraction to the millisecond', () => {
    const whole = entry('{ "match": true, "time": "2005-08-14T12:00:00" }');
    expect(checkEntry(whole, failure('a', null, t('2005-08-14T12:00:00.417')), exact).verdict).toBe('agree');
    expect(checkEntry(whole, failure('a', null, t('2005-08-14T12:00:01')), exact).verdict).toBe('wrong-time');
    const fraction = entry('{ "match": true, "time": "2005-08-14T12:00:00.400" }');
    expect(checkEntry(fraction, failure('a', null, t('2005-08-14T12:00:00.417')), exact).verdict).toBe('wrong-time');
    const second: CheckOptions = { timePrecision: 'second', checkUser: false };
    expect(checkEntry(fraction, failure('a', null, t('2005-08-14T12:00:00.417')), second).verdict).toBe('agree');
  });

  it('checks the user only when asked and annotated', () => {
    const e = entry('{ "match": true, "user": "root" }');
    expect(checkEntry(e, failure('a', null, 0, 'admin'), exact).verdict).toBe('wrong-user');
    expect(checkEntry(e, failure('a', null, 0, 'admin'), { timePrecision: 'second', checkUser: false }).verdict).toBe('agree');
  });

  it('tells a missed failure from a false one', () => {
    expect(checkEntry(entry('{ "match": true }'), { kind: 'missed' }, exact).verdict).toBe('missed');
    expect(checkEntry(entry('{ "match": false }'), failure('a', null, 0), exact).verdict).toBe('false-failure');
    const ignored: LineResult = { kind: 'ignored', regexIndex: 0, time: 0, dateFormat: 'x' };
    expect(checkEntry(entry('{ "match": false }'), ignored, exact).verdict).toBe('agree');
  });
});
