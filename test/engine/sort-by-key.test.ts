import { describe, expect, it } from 'vitest';
import { sortRowsByKey } from '../../src/engine/sort-by-key.js';

/** What a stable comparator sort gives: the reference the radix sort must agree with. */
function reference(rows: Int32Array, keys: Float64Array): number[] {
  return Array.from(rows).sort((a, b) => keys[a]! - keys[b]!);
}

function random(seed: number): () => number {
  let s = seed;
  return () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s / 2 ** 32;
  };
}

describe('sortRowsByKey', () => {
  it('orders rows by key, equal keys in the order given, over ranges of one to four passes', () => {
    const next = random(7);
    for (const range of [0, 1, 1000, 70_000, 3_600_000, 2 ** 33 + 5, 8.64e15]) {
      const n = 5000;
      const keys = new Float64Array(n + 10);
      // Rows are not 0..n-1 in order: some left out, the rest shuffled.
      const rows = Int32Array.from({ length: n }, (_, i) => i + 10);
      for (let i = rows.length - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1));
        [rows[i], rows[j]] = [rows[j]!, rows[i]!];
      }
      // Few distinct values, so ties are many; negative keys too.
      for (const row of rows) keys[row] = -4e15 + Math.floor(next() * 50) * Math.floor(range / 50) + (next() < 0.5 ? 0 : Math.floor(next() * Math.min(range, 1000)));
      expect(Array.from(sortRowsByKey(rows, keys)!)).toEqual(reference(rows, keys));
    }
  });

  it('gives the rows back for none and one, and null for keys it cannot sort', () => {
    expect(Array.from(sortRowsByKey(new Int32Array(0), new Float64Array(0))!)).toEqual([]);
    expect(Array.from(sortRowsByKey(Int32Array.of(3), new Float64Array(4))!)).toEqual([3]);
    expect(sortRowsByKey(Int32Array.of(0, 1), Float64Array.of(1.5, 2))).toBeNull();
    expect(sortRowsByKey(Int32Array.of(0, 1), Float64Array.of(Number.NaN, 2))).toBeNull();
    expect(sortRowsByKey(Int32Array.of(0, 1), Float64Array.of(-8.64e15, 8.64e15))).toBeNull();
  });
});
