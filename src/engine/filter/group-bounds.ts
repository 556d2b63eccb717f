import { classEnd } from './class-end.js';

/** Index of the `(` that the `)` at `close` closes, or -1. */
export function groupStart(p: string, close: number): number {
  const stack: number[] = [];
  for (let i = 0; i < close; i++) {
    const c = p[i];
    if (c === '\\') i++;
    else if (c === '[') i = classEnd(p, i) - 1;
    else if (c === '(') stack.push(i);
    else if (c === ')') stack.pop();
  }
  return stack.pop() ?? -1;
}

/** Index of the `)` closing the group opened at `open`, or -1. */
export function groupEnd(p: string, open: number): number {
  let depth = 0;
  for (let i = open; i < p.length; i++) {
    const c = p[i];
    if (c === '\\') i++;
    else if (c === '[') i = classEnd(p, i) - 1;
    else if (c === '(') depth++;
    else if (c === ')' && --depth === 0) return i;
  }
  return -1;
}

/** Splits a group body at its top-level `|`. */
export function branches(body: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c === '\\') i++;
    else if (c === '[') i = classEnd(body, i) - 1;
    else if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === '|' && depth === 0) {
      out.push(body.slice(start, i));
      start = i + 1;
    }
  }
  out.push(body.slice(start));
  return out;
}
