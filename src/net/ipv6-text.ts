/**
 * The eight 16-bit groups of an IPv6 address written in its canonical text (RFC 5952, as
 * ipaddr.js prints it: lower-case hex without leading zeros, the longest run of two or more zero
 * groups, the first of equal ones, written `::`), or null for any other text, which then goes to
 * ipaddr.js. A flood's addresses come back in canonical form again and again (ban, firewall,
 * trusted check, restore); recognising it costs a fraction of a full parse.
 */
export function canonicalIPv6Parts(text: string): number[] | null {
  const n = text.length;
  if (n < 2 || n > 39) return null;
  const parts: number[] = [];
  let gap = -1; // how many groups come before `::`
  let i = 0;
  if (text.charCodeAt(0) === 58) {
    if (text.charCodeAt(1) !== 58) return null;
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
      if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102)) || digits === 4) return null;
      if (digits === 0) first = c;
      value = value * 16 + (c <= 57 ? c - 48 : c - 87);
      digits++;
    }
    // No empty group, and no leading zero (canonical groups have none).
    if (digits === 0 || (digits > 1 && first === 48)) return null;
    parts.push(value);
    if (parts.length > 8) return null;
    if (i === n) break;
    i++; // the colon
    if (i === n) return null;
    if (text.charCodeAt(i) === 58) {
      if (gap >= 0) return null;
      gap = parts.length;
      i++;
    }
  }
  if (gap < 0) return parts.length === 8 && longestZeroRun(parts).length < 2 ? parts : null;
  const fill = 8 - parts.length;
  // `::` stands for two or more zero groups, all those around it, and the longest run (the first of equal ones).
  if (fill < 2 || parts[gap - 1] === 0 || parts[gap] === 0) return null;
  const full = [0, 0, 0, 0, 0, 0, 0, 0];
  for (let k = 0; k < parts.length; k++) full[k < gap ? k : k + fill] = parts[k]!;
  const best = longestZeroRun(full);
  return best.at === gap && best.length === fill ? full : null;
}

/** The longest run of zero groups, the first of equal ones. */
function longestZeroRun(parts: number[]): { at: number; length: number } {
  let at = -1;
  let length = 0;
  for (let i = 0; i < parts.length; ) {
    if (parts[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < parts.length && parts[j] === 0) j++;
    if (j - i > length) {
      at = i;
      length = j - i;
    }
    i = j;
  }
  return { at, length };
}

/** ::ffff:a.b.c.d */
export function isMapped(parts: number[]): boolean {
  return parts[5] === 0xffff && parts[0] === 0 && parts[1] === 0 && parts[2] === 0 && parts[3] === 0 && parts[4] === 0;
}
