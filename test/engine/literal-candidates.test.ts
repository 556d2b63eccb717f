import { describe, expect, it } from 'vitest';
import { LiteralCandidates, NO_CANDIDATE, SEVERAL } from '../../src/engine/filter/literal-candidates.js';

/** The patterns `candidate` gives for a line (none, one, or two in order), or 'several'. */
function of(candidates: LiteralCandidates, text: string): number[] | 'several' {
  const first = candidates.candidate(text);
  if (first === SEVERAL) return 'several';
  if (first === NO_CANDIDATE) return [];
  return candidates.second === NO_CANDIDATE ? [first] : [first, candidates.second];
}

// As sshd's patterns require them: three share a literal, two hold a shorter one.
const sshd = LiteralCandidates.of(['Failed ', 'Failed ', 'for invalid user ', 'nvalid user ', 'Accepted ', 'bcd', 'abc', '#', 'Failed '])!;

describe('LiteralCandidates', () => {
  it('gives the one or two patterns whose literals the line holds, in order', () => {
    expect(of(sshd, 'sshd[1]: Accepted password for x from 198.18.0.1 port 22 ssh2')).toEqual([4]);
    // "nvalid user " is found; the longer "for invalid user " is not in the line.
    expect(of(sshd, 'sshd[1]: Invalid user x from 198.18.0.1')).toEqual([3]);
    // The same literal twice is still one pattern.
    expect(of(sshd, 'Accepted Accepted')).toEqual([4]);
    expect(of(sshd, 'a # b')).toEqual([7]);
    // A longer literal found where its shorter one is.
    expect(of(sshd, 'for invalid user x')).toEqual([2, 3]);
    // Found in the other order than the patterns'.
    expect(of(sshd, '# Accepted x')).toEqual([4, 7]);
  });

  it('gives none for a line with no literal, and several past two', () => {
    expect(of(sshd, 'CRON[2]: pam_unix(cron:session) session opened')).toEqual([]);
    expect(of(sshd, '')).toEqual([]);
    // One literal of three patterns.
    expect(of(sshd, 'Failed password')).toBe('several');
    expect(of(sshd, 'Accepted x; Invalid user y # z')).toBe('several');
    // The second is not left over from the line before.
    expect(of(sshd, 'Accepted x')).toEqual([4]);
  });

  it('finds literals that overlap (the search goes on from inside the one found)', () => {
    expect(of(sshd, 'xabcdx')).toEqual([5, 6]);
    expect(of(sshd, 'xabcdx#')).toBe('several');
    expect(of(sshd, 'xabc x')).toEqual([6]);
  });

  it('finds a literal that begins with a blank or a colon by the rest of it, and checks the whole', () => {
    const blanks = LiteralCandidates.of([' not allowed because ', ': Change of user', 'Failed '])!;
    expect(of(blanks, 'User x from 198.18.0.1 not allowed because none')).toEqual([0]);
    expect(of(blanks, 'Usernot allowed because none')).toEqual([]);
    expect(of(blanks, 'sshd[1]: Change of user x')).toEqual([1]);
    expect(of(blanks, 'Change of user x')).toEqual([]);
    expect(of(blanks, 'Failed x: Change of user y')).toEqual([1, 2]);
  });

  it('is not made when a pattern requires no literal', () => {
    expect(LiteralCandidates.of(['Failed ', null])).toBeNull();
    expect(LiteralCandidates.of(['Failed ', ''])).toBeNull();
  });
});
