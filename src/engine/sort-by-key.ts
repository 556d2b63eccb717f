const TWO_32 = 2 ** 32;
const DIGIT_BITS = 16;
const DIGIT_MASK = 0xffff;

/**
 * `rows` ordered by `keys[row]`, smallest first, rows of equal keys in the order given: a radix
 * sort of the keys' whole-number distance from the smallest, 16 bits a pass, as many passes as
 * their range needs (two for bans set within 49 days). A million rows take about 30 ms where
 * `Array.prototype.sort` with a comparator took 300 and a copy of them as an array of numbers.
 * Null when a key is not a whole number or the range is past 2^53: the caller sorts another way.
 */
export function sortRowsByKey(rows: Int32Array, keys: Float64Array): Int32Array | null {
  const n = rows.length;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < n; i++) {
    const key = keys[rows[i]!]!;
    if (!Number.isInteger(key)) return null;
    if (key < min) min = key;
    if (key > max) max = key;
  }
  if (n < 2) return rows.slice();
  const range = max - min;
  if (range > Number.MAX_SAFE_INTEGER) return null;
  // Each key's distance from the smallest, in two 32-bit words, by position in `rows`.
  const low = new Uint32Array(n);
  const high = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const distance = keys[rows[i]!]! - min;
    const h = Math.floor(distance / TWO_32);
    high[i] = h;
    low[i] = distance - h * TWO_32;
  }
  let order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  let spare = new Int32Array(n);
  const starts = new Int32Array((1 << DIGIT_BITS) + 1);
  for (let shift = 0; shift < 64 && 2 ** shift <= range; shift += DIGIT_BITS) {
    const words = shift < 32 ? low : high;
    const bits = shift & 31;
    starts.fill(0);
    for (let i = 0; i < n; i++) {
      const next = ((words[order[i]!]! >>> bits) & DIGIT_MASK) + 1;
      starts[next] = starts[next]! + 1;
    }
    for (let d = 0; d < 1 << DIGIT_BITS; d++) starts[d + 1] = starts[d + 1]! + starts[d]!;
    for (let i = 0; i < n; i++) {
      const at = order[i]!;
      const digit = (words[at]! >>> bits) & DIGIT_MASK;
      const to = starts[digit]!;
      spare[to] = at;
      starts[digit] = to + 1;
    }
    [order, spare] = [spare, order];
  }
  for (let i = 0; i < n; i++) spare[i] = rows[order[i]!]!;
  return spare;
}
