/** No pattern can match the line: it holds none of their literals. */
export const NO_CANDIDATE = -1;
/** More than two patterns can (their literals are in the line): the RE2 set says which match. */
export const SEVERAL = -2;

/** A literal searched for, and the patterns that require it or a longer literal holding it. */
interface Needed {
  literal: string;
  /** Its last two characters (-1 for a literal of one), to tell cheaply which literal the search found. */
  tail: number;
  /** Patterns whose literal is this one. */
  exact: number[];
  /** Longer literals that hold this one, each with the patterns requiring it (checked when this one is found). */
  longer: Array<{ literal: string; indexes: number[] }>;
}

/**
 * The literals a filter's patterns each require (a match of pattern i always holds literal i),
 * searched for in one pass of a V8 alternation: no pattern's literal in a line means no match
 * (most lines of a log, cheaply), and when one or two patterns' are, only those can match, so V8
 * alone can say which does, without the RE2 set's pass over the line. The literals
 * that hold another are not searched for: they are checked where the shorter one is found, as
 * are those that begin with blanks or colons, found by the rest of them.
 */
export class LiteralCandidates {
  private readonly search: RegExp;
  private readonly needed: Needed[];

  /** Null when a pattern requires no literal: any line may match it. */
  static of(literals: Array<string | null>): LiteralCandidates | null {
    return literals.every((l): l is string => l !== null && l !== '') ? new LiteralCandidates(literals) : null;
  }

  private constructor(literals: string[]) {
    // Searched for without the blanks and colons they begin with: V8's search for the alternation
    // skips ahead on the first characters, and a blank is everywhere (a third quicker without).
    const needed = neededLiterals(literals.map(searchedPart));
    this.needed = needed.map((short) => ({ literal: short, tail: short.length > 1 ? tailOf(short, short.length) : -1, exact: [], longer: [] }));
    literals.forEach((literal, index) => {
      for (const entry of this.needed) {
        if (literal === entry.literal) {
          entry.exact.push(index);
        } else if (literal.includes(entry.literal)) {
          const longer = entry.longer.find((l) => l.literal === literal);
          if (longer) longer.indexes.push(index);
          else entry.longer.push({ literal, indexes: [index] });
        }
      }
    });
    // Escaped literals only: V8 runs the alternation in one linear pass.
    this.search = new RegExp(needed.map(escapeLiteral).join('|'), 'g');
  }

  /**
   * The other pattern whose literal the line holds when `candidate` found two (the first then the
   * lower index), else NO_CANDIDATE.
   */
  second = NO_CANDIDATE;

  /**
   * The one pattern whose literal the line holds (or the first of two, see `second`), else
   * NO_CANDIDATE (none does) or SEVERAL (more than two). Every occurrence is looked for,
   * overlapping ones too (the search goes on one character after the start of each found).
   */
  candidate(text: string): number {
    const search = this.search;
    search.lastIndex = 0;
    let one = NO_CANDIDATE;
    let two = NO_CANDIDATE;
    // `test` (no match array made per line): which literal was found is read from where it ends
    // (the one that ends there: none of them holds another).
    while (search.test(text)) {
      const end = search.lastIndex;
      const entry = this.endingAt(text, end);
      for (const index of entry.exact) {
        if (one === NO_CANDIDATE || one === index) one = index;
        else if (two === NO_CANDIDATE || two === index) two = index;
        else return SEVERAL;
      }
      for (const { literal, indexes } of entry.longer) {
        if (!text.includes(literal)) continue;
        for (const index of indexes) {
          if (one === NO_CANDIDATE || one === index) one = index;
          else if (two === NO_CANDIDATE || two === index) two = index;
          else return SEVERAL;
        }
      }
      search.lastIndex = end - entry.literal.length + 1;
    }
    if (two !== NO_CANDIDATE && two < one) {
      this.second = one;
      return two;
    }
    this.second = two;
    return one;
  }

  private endingAt(text: string, end: number): Needed {
    const tail = tailOf(text, end);
    for (const entry of this.needed) if ((entry.tail === tail || entry.tail === -1) && text.endsWith(entry.literal, end)) return entry;
    throw new Error('a literal was found that is not searched for');
  }
}

/** The distinct literals that hold no other: finding one of these is finding any. */
export function neededLiterals(literals: string[]): string[] {
  const distinct = [...new Set(literals)];
  return distinct.filter((l) => !distinct.some((other) => other !== l && l.includes(other)));
}

/** A literal without the blanks and colons it begins with (itself when it is nothing else). */
function searchedPart(literal: string): string {
  return literal.replace(/^[ :]+/, '') || literal;
}

export function escapeLiteral(literal: string): string {
  return literal.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/** The two characters before `end` as one number (-2 when there are not two). */
function tailOf(text: string, end: number): number {
  return end >= 2 ? text.charCodeAt(end - 1) * 65_536 + text.charCodeAt(end - 2) : -2;
}
