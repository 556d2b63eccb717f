import { describe, expect, it } from 'vitest';
import { catchFilterError, compile } from './helpers.js';

process.env.TZ = 'UTC';

const READ_TIME = Date.UTC(2026, 10, 26, 12, 0, 0);

describe('CompiledFilter.matchLine: which regex', () => {
  it('reports the index of the failregex that matched', () => {
    const filter = compile(['^alpha from <HOST>$', '^beta from <HOST>$', '^gamma from <HOST>$']);
    expect(filter.matchLine('gamma from 192.0.2.1', READ_TIME)).toMatchObject({ kind: 'failure', regexIndex: 2 });
    expect(filter.matchLine('alpha from 192.0.2.1', READ_TIME)).toMatchObject({ kind: 'failure', regexIndex: 0 });
    expect(filter.matchLine('delta from 192.0.2.1', READ_TIME)).toEqual({ kind: 'missed' });
  });

  it('lets the first failregex in the list win when two match the same line', () => {
    const filter = compile(['^Failed (?:\\S+ )*from <HOST>', '^Failed <F-USER>\\S+</F-USER> from <HOST>']);
    const result = filter.matchLine('Failed root from 192.0.2.2', READ_TIME);
    expect(result).toMatchObject({ kind: 'failure', regexIndex: 0, ip: '192.0.2.2' });
    expect(result).not.toHaveProperty('user');
  });

  // fail2ban tries its failregexes one by one in order; the first that matches anywhere wins,
  // even if a later one matches earlier in the line.
  it('lets the first failregex in the list win even when a later one matches earlier in the line', () => {
    const filter = compile(['from <HOST> port', 'Failed \\S+ from <HOST>']);
    expect(filter.matchLine('Failed password from 192.0.2.3 port 22', READ_TIME)).toMatchObject({ kind: 'failure', regexIndex: 0 });
  });

  it('falls through to a later regex when the first does not match', () => {
    const filter = compile(['^never <HOST>$', 'from <HOST> port']);
    expect(filter.matchLine('x from 192.0.2.4 port 1', READ_TIME)).toMatchObject({ kind: 'failure', regexIndex: 1, ip: '192.0.2.4' });
  });
});

describe('CompiledFilter.matchLine: ignoreregex and captures', () => {
  it('turns a line matching ignoreregex into `ignored`', () => {
    const filter = compile(['^Failed for \\S+ from <HOST>$', '^Invalid user from <HOST>$'], { ignoreregex: ['for monitor from'] });
    expect(filter.matchLine('Failed for monitor from 192.0.2.5', READ_TIME)).toEqual({
      kind: 'ignored',
      regexIndex: 0,
      time: READ_TIME,
      dateFormat: 'read-time',
    });
    expect(filter.matchLine('Failed for root from 192.0.2.5', READ_TIME)).toMatchObject({ kind: 'failure' });
  });

  it('does not call a line ignored when no failregex matches it', () => {
    const filter = compile(['^Failed from <HOST>$'], { ignoreregex: ['monitor'] });
    expect(filter.matchLine('monitor says hello', READ_TIME)).toEqual({ kind: 'missed' });
  });

  it('captures <F-USER> as user and another <F-NAME> by its lower-case name', () => {
    const filter = compile(['^Failed for <F-USER>\\S+</F-USER> from <HOST> port <F-PORT>\\d+</F-PORT>$']);
    const result = filter.matchLine('Failed for alice from 192.0.2.6 port 2222', READ_TIME);
    expect(result).toMatchObject({ kind: 'failure', user: 'alice', host: '192.0.2.6', ip: '192.0.2.6' });
    if (result.kind !== 'failure') throw new Error('unreachable');
    expect(result.captures.port).toBe('2222');
    expect(result.captures.user).toBe('alice');
  });

  it('has no user when the regex has no <F-USER>', () => {
    const result = compile(['^Failed from <HOST>$']).matchLine('Failed from 192.0.2.7', READ_TIME);
    expect(result.kind).toBe('failure');
    expect(result).not.toHaveProperty('user');
  });
});

describe('CompiledFilter.matchLine: <HOST>', () => {
  const filter = compile(['from <HOST> port \\d+$']);
  it.each([
    ['IPv4', '198.51.100.20', '198.51.100.20'],
    ['IPv6', '2001:db8::42', '2001:db8::42'],
    ['IPv6 in full form', '2001:0db8:0000:0000:0000:0000:0000:0042', '2001:db8::42'],
    ['[IPv6]', '[2001:db8::43]', '2001:db8::43'],
    ['IPv4-mapped IPv6', '::ffff:198.18.0.1', '198.18.0.1'],
  ])('%s gives the normalised ip', (_name, written, ip) => {
    const result = filter.matchLine(`sshd: failure from ${written} port 22`, READ_TIME);
    expect(result).toMatchObject({ kind: 'failure', ip });
  });

  it('a hostname is a failure with ip null', () => {
    const result = filter.matchLine('sshd: failure from bad.example.net port 22', READ_TIME);
    expect(result).toMatchObject({ kind: 'failure', host: 'bad.example.net', ip: null });
  });

  it('<ADDR> does not match a hostname', () => {
    expect(compile(['from <ADDR> port']).matchLine('from bad.example.net port 1', READ_TIME)).toEqual({ kind: 'missed' });
  });
});

describe('CompiledFilter.matchLine: prefregex and dates', () => {
  const filter = compile(['^Failed password for <F-USER>\\S+</F-USER> from <HOST>', '^Invalid user \\S+ from <HOST>'], {
    prefregex: 'sshd\\[<F-PID>\\d+</F-PID>\\]: <F-CONTENT>.+</F-CONTENT>$',
  });

  it('runs failregex on the <F-CONTENT> of prefregex, keeping the other prefregex captures', () => {
    const result = filter.matchLine('2026-11-24T10:00:00Z host sshd[411]: Failed password for bob from 192.0.2.8 port 22', READ_TIME);
    expect(result).toMatchObject({ kind: 'failure', user: 'bob', ip: '192.0.2.8', regexIndex: 0 });
    if (result.kind !== 'failure') throw new Error('unreachable');
    expect(result.captures.pid).toBe('411');
    expect(result.captures).not.toHaveProperty('content');
    expect(result.time).toBe(Date.UTC(2026, 10, 24, 10));
    expect(result.dateFormat).toBe('iso8601');
  });

  it('misses a line prefregex does not match, even if a failregex would', () => {
    expect(filter.matchLine('host other[1]: Failed password for bob from 192.0.2.9', READ_TIME)).toEqual({ kind: 'missed' });
  });

  it('anchors failregex at the start of the content, not of the line', () => {
    expect(filter.matchLine('host sshd[2]: x Invalid user bob from 192.0.2.10', READ_TIME)).toEqual({ kind: 'missed' });
    expect(filter.matchLine('host sshd[2]: Invalid user bob from 192.0.2.10', READ_TIME)).toMatchObject({ regexIndex: 1 });
  });

  it('uses the read time for a line without a date', () => {
    expect(filter.matchLine('host sshd[3]: Invalid user x from 192.0.2.11', READ_TIME)).toMatchObject({ time: READ_TIME, dateFormat: 'read-time' });
  });

  it('cuts the date out before matching, so a regex anchored after it matches', () => {
    const anchored = compile(['^ host login failure from <HOST>$']);
    expect(anchored.matchLine('Nov 24 10:00:00 host login failure from 192.0.2.12', READ_TIME)).toMatchObject({
      kind: 'failure',
      time: Date.UTC(2026, 10, 24, 10),
      dateFormat: 'syslog',
    });
  });

  it('rejects a prefregex + failregex pair in which neither has <HOST>', () => {
    catchFilterError(() => compile(['^Failed for \\S+$'], { prefregex: '^svc: <F-CONTENT>.+</F-CONTENT>$' }));
  });
});

// RE2 is the engine of record: whatever engine extracts the captures must agree with what RE2
// matches. RE2's \s is ASCII only ([\t\n\f\r ]); a no-break space (U+00A0) is not a space to it.
describe('CompiledFilter.matchLine: captures agree with RE2 on Unicode input', () => {
  it('captures the host RE2 matches when a user name holds no-break spaces', () => {
    // RE2 reads "x\u00a0from\u00a010.0.0.1" as one \S+ run: the host is the one after it.
    const filter = compile(['^Invalid user \\S+\\s+from\\s+<HOST>']);
    const line = 'Invalid user x\u00a0from\u00a010.0.0.1 from 192.0.2.77 port 22';
    expect(filter.matchLine(line, READ_TIME)).toMatchObject({ kind: 'failure', ip: '192.0.2.77' });
  });

  it('reports the failregex RE2 matches when a no-break space stands where \\s is expected', () => {
    const filter = compile(['^Failed for \\S+\\sfrom <HOST>', 'from <HOST> port']);
    expect(filter.matchLine('Failed for root\u00a0from 192.0.2.1 port 22', READ_TIME)).toMatchObject({ kind: 'failure', regexIndex: 1 });
  });

  it('lets . match a lone carriage return, as RE2 does', () => {
    const result = compile(['^Failed <F-USER>.+</F-USER> from <HOST>$']).matchLine('Failed a\rb from 192.0.2.1', READ_TIME);
    expect(result).toMatchObject({ kind: 'failure', user: 'a\rb', ip: '192.0.2.1' });
  });
});

describe('CompiledFilter.matchLine: linear time', () => {
  it('returns quickly on a catastrophic-backtracking pattern (RE2)', () => {
    const filter = compile(['^from <HOST> (a+)+$']);
    const hostile = `from 192.0.2.13 ${'a'.repeat(50_000)}!`;
    const started = performance.now();
    const result = filter.matchLine(hostile, READ_TIME);
    const elapsed = performance.now() - started;
    expect(result).toEqual({ kind: 'missed' });
    expect(elapsed).toBeLessThan(1000);
    expect(filter.matchLine(`from 192.0.2.13 ${'a'.repeat(50_000)}`, READ_TIME)).toMatchObject({ kind: 'failure', ip: '192.0.2.13' });
  });

  it('returns quickly when another failregex matches the hostile line first in RE2 (captures path)', () => {
    const filter = compile(['^from <HOST> (a+)+$', '^from <HOST>']);
    const hostile = `from 192.0.2.14 ${'a'.repeat(50_000)}!`;
    const started = performance.now();
    const result = filter.matchLine(hostile, READ_TIME);
    const elapsed = performance.now() - started;
    expect(result).toMatchObject({ kind: 'failure', ip: '192.0.2.14', regexIndex: 1 });
    expect(elapsed).toBeLessThan(1000);
  });
});
