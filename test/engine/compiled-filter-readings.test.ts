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
