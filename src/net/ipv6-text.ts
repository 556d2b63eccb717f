/** The groups as they are read, before a `::` is filled in. */
const read = new Uint16Array(8);

/**
 * Whether `text` is an IPv6 address written in its canonical text (RFC 5952, as ipaddr.js prints
 * it: lower-case hex without leading zeros, the longest run of two or more zero groups, the first
 * of equal ones, written `::`); its eight 16-bit groups are then in `out` (otherwise `out` holds
 * anything). Other text goes to ipaddr.js. A flood's addresses come back in canonical form again
 * and again (match, ban table, trusted check, store, kernel), about ten times each: recognising
 * it costs a fraction of a full parse, and makes nothing (an array per call was an eighth of all
 * the engine allocated in a flood).
 */
export function readCanonicalIPv6(text: string, out: Uint16Array): boolean {
  const n = text.length;
  if (n < 2 || n > 39) return false;
  let count = 0;
  let gap = -1; // how many groups come before `::`
  let i = 0;
  if (text.charCodeAt(0) === 58) {
    if (text.charCodeAt(1) !== 58) return false;
    gap = 0;
    i = 2;
  }
  while (i < n) {
    let value = 0;
    let digits = 0;
    let first = 0;
    for (; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c === 58) break;
      if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102)) || digits === 4) return false;
      if (digits === 0) first = c;
      value = value * 16 + (c <= 57 ? c - 48 : c - 87);
      digits++;
    }
    // No empty group, and no leading zero (canonical groups have none).
    if (digits === 0 || (digits > 1 && first === 48)) return false;
    if (count === 8) return false;
    read[count++] = value;
    if (i === n) break;
    i++; // the colon
    if (i === n) return false;
    if (text.charCodeAt(i) === 58) {
      if (gap >= 0) return false;
      gap = count;
      i++;
    }
  }
  if (gap < 0) {
    if (count !== 8) return false;
    out.set(read);
    return longestZeroRun(out) < 2;
  }
  const fill = 8 - count;
  // `::` stands for two or more zero groups, all those around it, and the longest run (the first of equal ones).
  if (fill < 2 || (gap > 0 && read[gap - 1] === 0) || (gap < count && read[gap] === 0)) return false;
  out.fill(0);
  for (let k = 0; k < count; k++) out[k < gap ? k : k + fill] = read[k]!;
  return longestZeroRun(out) === fill && runStart === gap;
}

/** Where the run `longestZeroRun` found begins. */
let runStart = -1;

/** The length of the longest run of zero groups (the first of equal ones; `runStart` says where). */
function longestZeroRun(parts: Uint16Array): number {
  runStart = -1;
  let length = 0;
  for (let i = 0; i < 8; ) {
    if (parts[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && parts[j] === 0) j++;
    if (j - i > length) {
      runStart = i;
      length = j - i;
    }
    i = j;
  }
  return length;
}

/** ::ffff:a.b.c.d */
export function isMapped(parts: ArrayLike<number>): boolean {
  return parts[5] === 0xffff && parts[0] === 0 && parts[1] === 0 && parts[2] === 0 && parts[3] === 0 && parts[4] === 0;
}
