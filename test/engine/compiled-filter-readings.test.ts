process.env.TZ = 'UTC';

import { describe, expect, it } from 'vitest';
import { compile } from './helpers.js';

const NOW = Date.UTC(2026, 10, 26, 12);

// Two readings of one line: the user name is one word and anything follows the address, or the
// user name runs to the last "from <ip>" that ends the line.
const filter = () =>
  compile(
    [
      '^Failed \\S+ for <F-USER>\\S+</F-USER> from <ADDR> port \\d+ ssh2: .*$',
      '^Failed \\S+ for <F-USER>.*?</F-USER> from <ADDR> port \\d+ ssh2$',
      '^Login from <HOST>$',
    ],
    {},
    { now: () => NOW },
  );

describe('every failregex that matches a line must read the same address from it', () => {
  it('counts a line that only one pattern reads', () => {
    expect(filter().matchLine('Failed password for root from 198.18.0.5 port 22 ssh2', NOW)).toMatchObject({
      kind: 'failure', ip: '198.18.0.5', regexIndex: 1,
    });
  });

  it('gives no failure when two patterns read two addresses, and says why', () => {
    const f = filter();
    const line = 'Failed password for x from 198.51.100.7 port 1 ssh2: y from 203.0.113.5 port 22 ssh2';
    expect(f.matchLine(line, NOW).kind).toBe('ignored');
    const why = f.explain(line, NOW).why ?? '';
    expect(why).toContain('198.51.100.7');
    expect(why).toContain('203.0.113.5');
    expect(why).toMatch(/ambiguous/);
  });

  it('takes two spellings of one address as agreeing', () => {
    const f = compile(['^from <ADDR> port', '^from (?:::ffff:)?<ADDR> port'], {}, { now: () => NOW });
    expect(f.matchLine('from ::ffff:198.18.0.9 port 22', NOW)).toMatchObject({ kind: 'failure', ip: '198.18.0.9' });
  });
});

describe('the pass that finds which failregexes match', () => {
  const lines = [
    'Failed password for root from 198.18.0.5 port 22 ssh2',
    'Failed password for x from 198.51.100.7 port 1 ssh2: y from 203.0.113.5 port 22 ssh2',
    'Failed password for root from 198.18.0.6 port 22 ssh2: extra',
    'Login from 2001:db8::7',
    'Login from nobody',
    'nothing here',
  ];

  it('gives the same verdicts when a line is too much for the set of patterns and each is tried in turn', () => {
    const expected = lines.map((line) => filter().matchLine(line, NOW));
    expect(expected.map((r) => r.kind)).toEqual(['failure', 'ignored', 'failure', 'failure', 'failure', 'missed']);
    const f = filter();
    // Every line to the set (the literals would leave these lines to V8: one or two patterns each).
    (f as unknown as { literals: unknown }).literals = null;
    // As RE2's set does when its DFA runs out of memory on a line.
    const set = (f as unknown as { fail: { matcher: { match: (bytes: Buffer) => number[] } } }).fail;
    let thrown = 0;
    set.matcher = {
      match: () => {
        thrown++;
        throw new Error('DFA out of memory');
      },
    };
    expect(lines.map((line) => f.matchLine(line, NOW))).toEqual(expected);
    expect(thrown).toBe(lines.length);
  });
});

describe('a line that holds the literal of only one pattern', () => {
  it('is read by that pattern alone, as the set reads it, and by the set when it is not plain text', () => {
    const lines = [
      'Login from 198.18.0.8',
      'Login from nobody',
      // Not plain ASCII: not left to V8.
      'Login from 198.18.0.9\u00a0x',
      'Login from 2001:db8::9',
    ];
    type Inside = { literals: unknown; fail: { matcher: { match: (bytes: Buffer) => number[] } } };
    const counted = () => {
      const f = filter();
      const inside = f as unknown as Inside;
      const real = inside.fail.matcher;
      const asked: string[] = [];
      inside.fail.matcher = { match: (bytes) => (asked.push(bytes.toString()), real.match(bytes)) };
      return { f, inside, asked };
    };
    const dispatched = counted();
    // Without the literals, every line goes to the set.
    const viaSet = counted();
    viaSet.inside.literals = null;
    const verdicts = lines.map((line) => dispatched.f.matchLine(line, NOW));
    expect(verdicts.map((r) => r.kind)).toEqual(['failure', 'failure', 'missed', 'failure']);
    expect(lines.map((line) => viaSet.f.matchLine(line, NOW))).toEqual(verdicts);
    expect(viaSet.asked).toHaveLength(lines.length);
    expect(dispatched.asked).toEqual(['Login from 198.18.0.9\u00a0x']);
  });
});
