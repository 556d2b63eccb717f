import { describe, expect, it } from 'vitest';
import { LiteralCandidates, NO_CANDIDATE, SEVERAL } from '../../src/engine/filter/literal-candidates.js';

describe('LiteralCandidates', () => {
  // As sshd's patterns require them: two share a literal, two hold a shorter one.
  const candidates = LiteralCandidates.of(['Failed ', 'Failed ', 'for invalid user ', 'nvalid user ', 'Accepted ', 'bcd', 'abc', '#'])!;

  it('names the one pattern whose literal the line holds', () => {
    expect(candidates.candidate('sshd[1]: Accepted password for x from 198.18.0.1 port 22 ssh2')).toBe(4);
    // "nvalid user " is found; the longer "for invalid user " is not in the line.
    expect(candidates.candidate('sshd[1]: Invalid user x from 198.18.0.1')).toBe(3);
    // The same literal twice is still one pattern.
    expect(candidates.candidate('Accepted Accepted')).toBe(4);
    expect(candidates.candidate('a # b')).toBe(7);
  });

  it('says none for a line with no literal, several for a line with two patterns', () => {
    expect(candidates.candidate('CRON[2]: pam_unix(cron:session) session opened')).toBe(NO_CANDIDATE);
    expect(candidates.candidate('nothing here')).toBe(NO_CANDIDATE);
    expect(candidates.candidate('')).toBe(NO_CANDIDATE);
    // One literal of two patterns.
    expect(candidates.candidate('Failed password')).toBe(SEVERAL);
    // A longer literal found where its shorter one is.
    expect(candidates.candidate('Failed none for invalid user x')).toBe(SEVERAL);
    expect(candidates.candidate('for invalid user x')).toBe(SEVERAL);
    // A literal late in the line, after another one.
    expect(candidates.candidate('Accepted x; Invalid user y')).toBe(SEVERAL);
  });

  it('finds literals that overlap (the search goes on from inside the one found)', () => {
    expect(candidates.candidate('xabcdx')).toBe(SEVERAL);
    expect(candidates.candidate('xabc x')).toBe(6);
    expect(candidates.candidate('x bcd x')).toBe(5);
  });

  it('finds a literal that begins with a blank or a colon by the rest of it, and checks the whole', () => {
    const blanks = LiteralCandidates.of([' not allowed because ', ': Change of user', 'Failed '])!;
    expect(blanks.candidate('User x from 198.18.0.1 not allowed because none')).toBe(0);
    expect(blanks.candidate('Usernot allowed because none')).toBe(NO_CANDIDATE);
    expect(blanks.candidate('sshd[1]: Change of user x')).toBe(1);
    expect(blanks.candidate('Change of user x')).toBe(NO_CANDIDATE);
    expect(blanks.candidate('Failed x: Change of user y')).toBe(SEVERAL);
  });

  it('is not made when a pattern requires no literal', () => {
    expect(LiteralCandidates.of(['Failed ', null])).toBeNull();
    expect(LiteralCandidates.of(['Failed ', ''])).toBeNull();
  });
});
