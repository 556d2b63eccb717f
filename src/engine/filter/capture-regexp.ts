import v8 from 'node:v8';
import { classEnd } from './regex-scanner.js';

/*
 * RE2 decides whether a line matches: its DFA answers `test` in about 0.2 µs. Getting the captures
 * from RE2 (`exec`) costs 2-6 µs per line, which alone would cap a filter at a few hundred thousand
 * matches per second. So once RE2 has said yes, the captures are taken by V8's own engine, which
 * does it in under 0.1 µs. V8's engine backtracks, so it is only used for patterns that its
 * linear-time engine also accepts, and V8 is told to switch to that engine on excessive
 * backtracking: a hostile line costs linear time either way.
 */
v8.setFlagsFromString('--enable-experimental-regexp-engine');
v8.setFlagsFromString('--enable-experimental-regexp-engine-on-excessive-backtracks');

/** RE2-only syntax that V8 reads differently or not at all. */
const RE2_ONLY = /\\[zAQECpP]|\[\[:|\(\?[a-zA-Z-]+[:)]|\(\?P?</;

/**
 * A V8 RegExp that matches like the given RE2 pattern on plain text (see `isPlainText`), or null
 * when the pattern uses syntax the two engines do not share or that V8's linear-time engine
 * cannot run.
 */
export function captureRegExp(re2Source: string): RegExp | null {
  if (RE2_ONLY.test(re2Source.replace(/\(\?:/g, ''))) return null;
  if (readsDifferently(re2Source)) return null;
  try {
    // Throws "Cannot be executed in linear time" for patterns the fallback engine cannot take.
    new RegExp(re2Source, 'l');
    return new RegExp(re2Source);
  } catch {
    return null;
  }
}

/**
 * Constructs both engines accept but read differently: a class opening with `]` (`[]a]`, `[^]]`:
 * RE2 takes the `]` as a member, V8 sees an empty class), and a capture inside a repeated group
 * that can run more than once (V8 clears it on each repetition, RE2 keeps the last value).
 */
export function readsDifferently(source: string): boolean {
  // For each open group: does it hold a capture?
  const open: boolean[] = [];
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === '\\') {
      i++;
    } else if (c === '[') {
      if (source[i + 1] === ']' || (source[i + 1] === '^' && source[i + 2] === ']')) return true;
      i = classEnd(source, i) - 1;
    } else if (c === '(') {
      const capturing = source[i + 1] !== '?' || /^\(\?P?<\w+>/.test(source.slice(i, i + 40));
      open.push(capturing);
    } else if (c === ')') {
      const held = open.pop() ?? false;
      if (held && repeats(source.slice(i + 1, i + 20))) return true;
      if (held && open.length) open[open.length - 1] = true;
    }
  }
  return false;
}

/** Whether the text after a group is a quantifier that can take the group more than once. */
function repeats(after: string): boolean {
  if (after[0] === '*' || after[0] === '+') return true;
  const m = /^\{(\d*)(,(\d*))?\}/.exec(after);
  if (!m) return false;
  const max = m[2] === undefined ? Number(m[1]) : m[3] === '' ? Infinity : Number(m[3]);
  return max > 1;
}

/** Characters on which V8 and RE2 disagree: `\v` and `\r` (ASCII), and non-ASCII ones. */
const EXOTIC = /[\v\r\u0080-\uffff]/;

/**
 * Whether the two engines are known to agree on this text. They differ on a few characters:
 * V8's `\s` also takes U+00A0, U+2028, vertical tab and other Unicode spaces, and its `.` refuses
 * `\r`. An attacker could use that to move a capture, so such lines are left to RE2 alone.
 */
export function isPlainText(text: string): boolean {
  return !EXOTIC.test(text);
}
