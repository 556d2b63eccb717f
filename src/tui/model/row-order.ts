/** Orders rows (numbers) by a total order given as a comparison of two rows. */
export type RowCompare = (a: number, b: number) => number;

/**
 * Rows kept in one order in a typed array (4 bytes a row): a row goes in or out with one binary
 * search and one move of the rows after it (a memmove of at most 4 MB for a million), so the
 * engine's 20 bans a second cost next to nothing.
 */
export class RowOrder {
  constructor(
    private rows: Uint32Array = new Uint32Array(1024),
    private count = 0,
  ) {}

  get length(): number {
    return this.count;
  }

  at(index: number): number | undefined {
    return index >= 0 && index < this.count ? this.rows[index] : undefined;
  }

  /** The rows in order (a view, valid until the next change). */
  view(): Uint32Array {
    return this.rows.subarray(0, this.count);
  }

  insert(row: number, compare: RowCompare): void {
    const at = this.lowerBound(row, compare);
    if (this.count === this.rows.length) {
      const rows = new Uint32Array(Math.max(1024, Math.ceil(this.count * 1.25)));
      rows.set(this.rows);
      this.rows = rows;
    }
    this.rows.copyWithin(at + 1, at, this.count);
    this.rows[at] = row;
    this.count++;
  }

  /** Removes `row` (found by `compare`, which must place it as when it went in); returns whether it was there. */
  remove(row: number, compare: RowCompare): boolean {
    const at = this.indexOf(row, compare);
    if (at < 0) return false;
    this.rows.copyWithin(at, at + 1, this.count);
    this.count--;
    return true;
  }

  /** Where `row` is, or -1. */
  indexOf(row: number, compare: RowCompare): number {
    const at = this.lowerBound(row, compare);
    if (this.rows[at] === row && at < this.count) return at;
    // Only rows the order cannot tell apart (text that is no address) land here.
    return this.view().indexOf(row);
  }

  /** The first position whose row is not before `row`. */
  private lowerBound(row: number, compare: RowCompare): number {
    let low = 0;
    let high = this.count;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (compare(this.rows[mid]!, row) < 0) low = mid + 1;
      else high = mid;
    }
    return low;
  }
}

/** Words of an address's sort key: family (IPv4 0, IPv6 1, other text 2), 128 address bits, prefix (0 none, else length + 1). */
export const ADDRESS_KEY_WORDS = 6;

const groups = new Uint16Array(8);

/**
 * Writes the sort key of the address in `bytes[start, end)` at `out[at...]`: by value, IPv4 before
 * IPv6, a range right after its first address (shorter prefixes first).
 */
export function addressKey(bytes: Uint8Array, start: number, end: number, out: Uint32Array, at: number): void {
  let slash = end;
  let colon = false;
  for (let i = start; i < end; i++) {
    if (bytes[i] === 47) {
      slash = i;
      break;
    }
    if (bytes[i] === 58) colon = true;
  }
  out[at + 5] = slash < end ? decimal(bytes, slash + 1, end) + 1 : 0;
  out[at + 1] = out[at + 2] = out[at + 3] = out[at + 4] = 0;
  if (!colon) {
    const v4 = dottedQuad(bytes, start, slash);
    out[at] = v4 < 0 ? 2 : 0;
    out[at + 4] = v4 < 0 ? 0 : v4;
    return;
  }
  if (!ipv6Groups(bytes, start, slash)) {
    out[at] = 2;
    return;
  }
  out[at] = 1;
  for (let i = 0; i < 4; i++) out[at + 1 + i] = ((groups[2 * i]! << 16) | groups[2 * i + 1]!) >>> 0;
}

/** Compares two keys written by {@link addressKey}. */
export function compareKeys(a: Uint32Array, at: number, b: Uint32Array, bt: number): number {
  for (let i = 0; i < ADDRESS_KEY_WORDS; i++) {
    const d = a[at + i]! - b[bt + i]!;
    if (d !== 0) return d;
  }
  return 0;
}

function decimal(bytes: Uint8Array, start: number, end: number): number {
  let value = 0;
  for (let i = start; i < end; i++) value = value * 10 + (bytes[i]! - 48);
  return value >>> 0;
}

/** A dotted quad's value, or -1. */
function dottedQuad(bytes: Uint8Array, start: number, end: number): number {
  let value = 0;
  let octet = 0;
  let dots = 0;
  for (let i = start; i < end; i++) {
    const c = bytes[i]!;
    if (c === 46) {
      value = value * 256 + octet;
      octet = 0;
      dots++;
    } else if (c >= 48 && c <= 57) octet = octet * 10 + (c - 48);
    else return -1;
  }
  return dots === 3 ? value * 256 + octet : -1;
}

/** Fills `groups` with the eight groups of the IPv6 text in `bytes[start, end)`; false when it is not one. */
function ipv6Groups(bytes: Uint8Array, start: number, end: number): boolean {
  const head: number[] = [];
  const tail: number[] = [];
  let gap = false;
  let i = start;
  if (bytes[i] === 58 && bytes[i + 1] === 58) {
    gap = true;
    i += 2;
  }
  while (i < end) {
    let j = i;
    let dotted = false;
    let value = 0;
    for (; j < end && bytes[j] !== 58; j++) {
      const c = bytes[j]!;
      if (c === 46) dotted = true;
      else value = value * 16 + (c <= 57 ? c - 48 : (c | 32) - 87);
    }
    const into = gap ? tail : head;
    if (dotted) {
      const v4 = dottedQuad(bytes, i, j);
      if (v4 < 0) return false;
      into.push(v4 >>> 16, v4 & 0xffff);
    } else into.push(value & 0xffff);
    i = j;
    if (i < end) {
      if (bytes[i + 1] === 58) {
        if (gap) return false;
        gap = true;
        i += 2;
      } else i += 1;
    }
  }
  if (head.length + tail.length > 8 || (!gap && head.length !== 8)) return false;
  groups.fill(0);
  head.forEach((g, k) => (groups[k] = g));
  tail.forEach((g, k) => (groups[8 - tail.length + k] = g));
  return true;
}
