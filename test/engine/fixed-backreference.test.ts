import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { escapeLiteral, LiteralPatterns } from '../../src/engine/filter/fixed-backreference.js';
import { compileFilter, loadFilter } from '../../src/engine/filter/index.js';
import RE2 from 're2';

// fail2ban's own filter, from the installed package; never copied into the repository.
const SENDMAIL_REJECT = '/etc/fail2ban/filter.d/sendmail-reject.conf';
const NOW = Date.UTC(2005, 5, 1);

/** A sendmail relay refusal as sm-mta logs it, `email` in arg1 and `again` in the reason. */
function refusal(email: string, again: string, ip = '192.0.2.7'): string {
  return `Feb 25 03:01:10 mx sm-mta[27713]: s1P819mk027713: ruleset=check_rcpt, arg1=${email}, relay=client.example.net [${ip}], reject=550 5.7.1 ${again}... Relaying denied. Proper authentication required.`;
}

describe.skipIf(!existsSync(SENDMAIL_REJECT))("fail2ban's sendmail-reject, whose reference the line fixes, in the engine", () => {
  it('counts a refusal only when the reason names the address arg1 names, as fail2ban does', () => {
    const filter = compileFilter(loadFilter(SENDMAIL_REJECT, []), { now: () => NOW });
    expect(filter.matchLine(refusal('<bob@example.org>', '<bob@example.org>'), NOW)).toMatchObject({ kind: 'failure', host: '192.0.2.7' });
    expect(filter.matchLine(refusal('<bob@example.org>', '<eve@example.org>'), NOW).kind).toBe('missed');
    // Pattern characters in the address are only text.
    expect(filter.matchLine(refusal('<a.b+c@x(y)>', '<a.b+c@x(y)>', '192.0.2.8'), NOW)).toMatchObject({ kind: 'failure', host: '192.0.2.8' });
    expect(filter.matchLine(refusal('<a.b+c@x(y)>', '<aXb+c@x(y)>', '192.0.2.8'), NOW).kind).toBe('missed');
    // Many addresses, each named twice as sendmail writes it, and each also against another one
    // (the pattern is then written out for that address, the last 64 kept compiled).
    for (let n = 0; n < 200; n++) {
      const email = `<user${n}@example.org>`;
      expect(filter.matchLine(refusal(email, email, `198.18.0.${n % 250}`), NOW)).toMatchObject({ kind: 'failure', host: `198.18.0.${n % 250}` });
      expect(filter.matchLine(refusal(email, `<user${n + 1}@example.org>`, `198.18.1.${n % 250}`), NOW).kind).toBe('missed');
    }
  });
});

describe('the fixed-reference rule in code', () => {
  it('writes any text as RE2 pattern text that matches exactly it', () => {
    for (const text of ['<a.b+c@x(y)[1]{2}|^$\\>', 'tab\there', 'esc\x1b[0m', 'jörg@exämple.org', '😀@x']) {
      const re = new RE2(`^${escapeLiteral(text)}$`);
      expect(re.test(text)).toBe(true);
      expect(re.test(`${text}x`)).toBe(false);
    }
    expect(new RE2(`^${escapeLiteral('a.b')}$`).test('aXb')).toBe(false);
  });

  it('keeps at most its limit of compiled patterns, the most recently used', () => {
    const patterns = new LiteralPatterns(2);
    const a = patterns.get('^a$', '');
    const b = patterns.get('^b$', '');
    expect(patterns.get('^a$', '')).toBe(a);
    patterns.get('^c$', '');
    // b was the least recently used: gone; a stayed.
    expect(patterns.get('^a$', '')).toBe(a);
    expect(patterns.get('^b$', '')).not.toBe(b);
  });
});
