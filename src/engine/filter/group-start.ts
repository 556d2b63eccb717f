import { classEnd } from './regex-scanner.js';

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
