process.env.TZ = 'UTC';

import { describe, expect, it } from 'vitest';
import { parseSampleLog, parseSampleTime } from '../helpers/fail-json.js';

// The scope rules mirror fail2ban's tests/samplestestcase.py; these pin them down.

const scope = (text: string, options = {}): [number, boolean][] =>
  parseSampleLog(text, options).map((e) => [e.lineNo, e.inDefaultScope]);

describe('parseSampleLog', () => {
  it('pairs a failJSON with the next log line and keeps its fields', () => {
    const [entry] = parseSampleLog(
      '# comment\n# failJSON: { "time": "2005-01-02T03:04:05", "match": true, "host": "192.0.2.1", "user": "root" }\nJan  2 03:04:05 h sshd[1]: x\n',
    );
    expect(entry).toMatchObject({ lineNo: 3, annotated: true, expectMatch: true, inDefaultScope: true });
    expect(entry?.json).toMatchObject({ host: '192.0.2.1', user: 'root' });
    expect(entry?.line).toBe('Jan  2 03:04:05 h sshd[1]: x');
  });

  it('treats a missing "match" as false and keeps unannotated lines as must-not-fail entries', () => {
    const entries = parseSampleLog('# failJSON: { "desc": "x" }\nline one\nline two\n');
    expect(entries.map((e) => [e.lineNo, e.annotated, e.expectMatch])).toEqual([
      [2, true, false],
      [3, false, false],
    ]);
  });

  it('holds a block to the default filter when one of its option sets is the default', () => {
    const text = [
      '# filterOptions: [{}, {"mode": "aggressive"}]',
      'a',
      '# filterOptions: [{"mode": "ddos"}, {"mode": "aggressive"}]',
      'b',
      '# filterOptions: {"mode": "normal"}',
      'c',
      '# filterOptions: [{"mode": "normal", "logtype": "file"}]',
      'd',
      '# filterOptions: [{"logging": "syslog"}]',
      'e',
    ].join('\n');
    expect(scope(text)).toEqual([[2, true], [4, false], [6, true], [8, true], [10, false]]);
  });

  it("compares modes with the filter's own default (postfix defaults to more)", () => {
    const text = '# filterOptions: [{"mode": "normal"}]\na\n# filterOptions: [{}, {"mode": "more"}]\nb\n';
    expect(scope(text, { defaultMode: 'more' })).toEqual([[2, false], [4, true]]);
  });

  it('drops sets whose test.condition is false and strips test. keys from the rest', () => {
    const text = [
      '# filterOptions: [{"test.condition":"name==\'sshd\'"}]',
      'a',
      '# filterOptions: [{"test.condition":"name==\'other\'"}]',
      'b',
      '# filterOptions: [{}]',
      'c',
    ].join('\n');
    expect(scope(text, { filterName: 'sshd' })).toEqual([[2, true], [6, true]]);
  });

  it('merges fileOptions into later option sets', () => {
    const text = '# fileOptions: {"logtype": "journal"}\n# filterOptions: [{}]\na\n';
    expect(scope(text)).toEqual([[3, false]]);
  });

  it('leaves entries with a constraint or another logtype out of scope', () => {
    const entries = parseSampleLog(
      '# failJSON: { "constraint": "name == \'sshd\'", "match": true }\na\n# failJSON: { "logtype": "journal", "match": true }\nb\n',
    );
    expect(entries.map((e) => e.inDefaultScope)).toEqual([false, false]);
    expect(entries[0]?.outOfScopeReason).toContain('constraint');
  });

  it('refuses malformed annotations, naming the line', () => {
    expect(() => parseSampleLog('x\n# failJSON: { bad }\ny\n', {}, 's.log')).toThrow(/s\.log:2/);
    expect(() => parseSampleLog('# failJSON: {"match": true}\n', {}, 's.log')).toThrow(/s\.log:1.*annotates nothing/);
    expect(() => parseSampleLog('# failJSON: {}\n# failJSON: {}\nx\n', {}, 's.log')).toThrow(/s\.log:1/);
  });
});

describe('parseSampleTime', () => {
  it('reads local time with optional fractions', () => {
    expect(parseSampleTime('2005-08-14T12:00:00')).toBe(Date.UTC(2005, 7, 14, 12));
    expect(parseSampleTime('2005-08-14T12:00:00.123456')).toBe(Date.UTC(2005, 7, 14, 12, 0, 0, 123));
    expect(parseSampleTime('2005-03-7T02:09:33')).toBe(Date.UTC(2005, 2, 7, 2, 9, 33));
    expect(() => parseSampleTime('14/08/2005')).toThrow();
  });
});
