import type RE2 from 're2';
import { copiesAgree, literalSource, type FixedReference, type LiteralPatterns } from './fixed-backreference.js';
import type { PatternCheck } from './regex-scanner.js';

/** One pattern of a set, ready to run. */
export interface Alternative {
  re2: RE2;
  /** V8's copy for fast captures, or null when only RE2 can run it. */
  js: RegExp | null;
  /** A literal every match contains, to skip the pattern cheaply. */
  literal: string | null;
  /** Capture group indexes and their names, for the named groups. */
  groupIndexes: number[];
  groupNames: string[];
  /** No name is given to two groups: a capture is then set without looking for an earlier one. */
  namesUnique: boolean;
  /** The RE2 source and every group's name, for the span of a multi-line match. */
  source: string;
  groups: (string | null)[];
  /** Checks in code: backreferences, and lookahead loops (which need the match's indices). */
  checks: PatternCheck[];
  withIndices: RE2 | null;
  /** Backreferences to a group the line fixes: the line is matched again with the group's text written in. */
  fixed: FixedReference[];
  /** The patterns with that text written in, for the last texts seen; null without such references. */
  literals: LiteralPatterns | null;
  /** Index of the pattern in its list (several alternatives may come from one pattern). */
  origin: number;
}

/** The alternative's match on the line, with its backreferences checked. */
export function execAlt(alt: Alternative, text: string, plain: boolean): RegExpExecArray | null {
  const m = alt.withIndices ? alt.withIndices.exec(text) : plain && alt.js ? alt.js.exec(text) : alt.re2.exec(text);
  if (m && alt.literals && !copiesAgree(alt.fixed, m)) {
    const source = literalSource(alt.source, alt.fixed, m);
    return source === null ? null : passesChecks(alt, alt.literals.get(source, alt.withIndices ? 'd' : '').exec(text), text);
  }
  return passesChecks(alt, m, text);
}

/** The source a match's span is read with: the alternative's own, or with the fixed group's text written in. */
export function spanSource(alt: Alternative, text: string): string {
  if (!alt.literals) return alt.source;
  const m = alt.re2.exec(text);
  return m && !copiesAgree(alt.fixed, m) ? (literalSource(alt.source, alt.fixed, m) ?? alt.source) : alt.source;
}

function passesChecks(alt: Alternative, m: RegExpExecArray | null, text: string): RegExpExecArray | null {
  if (!m || alt.checks.length === 0) return m;
  const indices = (m as RegExpExecArray & { indices?: ([number, number] | undefined)[] }).indices;
  return alt.checks.every((c) => {
    if (c.copy !== undefined) return m[c.copy] === undefined || m[c.group] === m[c.copy];
    const span = indices?.[c.group];
    return !span || c.avoid.every((l) => {
      const at = text.indexOf(l, span[0]);
      return at < 0 || at >= span[1];
    });
  }) ? m : null;
}
