/** Index cells: 0 empty, -1 deleted, else row + 1. */
const DELETED = -1;

/** Longest text kept (an IPv6 CIDR is at most 49 characters). */
const MAX_TEXT = 255;

/**
 * The banned addresses as the console holds them: each text's bytes in one shared buffer (about
 * 16 bytes an address, outside the JavaScript heap, where a string costs 32-40 and a Map entry
 * as much again), each with a row number of its own (reused once the address is gone) that the
 * ban's other columns are kept under, and an open-addressing index from text to row. A filter
 * scans the buffer without making a string.
 */
export class AddressTexts {
  private bytes = new Uint8Array(1 << 16);
  private used = 0;
  private garbage = 0;
  private start = new Uint32Array(1024);
  /** 0 for a free row. */
  private length = new Uint8Array(1024);
  /** Per row, a bit for each character in its text: see {@link markContaining}. */
  private chars = new Uint32Array(1024);
  private index = new Int32Array(2048);
  private rows = 0;
  private live = 0;
  private deletedCells = 0;
  private free: number[] = [];

  /** Addresses held. */
  get size(): number {
    return this.live;
  }

  /** One more than the highest row ever given (free rows included). */
  get rowLimit(): number {
    return this.rows;
  }

  /** Row capacity: the callers' columns must be at least this long. */
  get capacity(): number {
    return this.length.length;
  }

  /** Makes room for `rows` addresses of `bytes` characters in all, so a load grows nothing. */
  reserve(rows: number, bytes: number): void {
    if (rows > this.length.length) {
      const start = new Uint32Array(rows);
      start.set(this.start);
      this.start = start;
      const length = new Uint8Array(rows);
      length.set(this.length);
      this.length = length;
      const chars = new Uint32Array(rows);
      chars.set(this.chars);
      this.chars = chars;
    }
    if (bytes > this.bytes.length) {
      const grown = new Uint8Array(bytes);
      grown.set(this.bytes.subarray(0, this.used));
      this.bytes = grown;
    }
  }

  holds(row: number): boolean {
    return row >= 0 && row < this.rows && this.length[row] !== 0;
  }

  /** The row of `text`, or -1. */
  rowOf(text: string): number {
    const cell = this.find(text, hashOf(text));
    return cell < 0 ? -1 : this.index[cell]! - 1;
  }

  /** Adds `text` if it is not there; returns its row. */
  add(text: string): number {
    if (text.length === 0 || text.length > MAX_TEXT) throw new Error(`an address of ${text.length} characters cannot be listed`);
    const hash = hashOf(text);
    const cell = this.find(text, hash);
    if (cell >= 0) return this.index[cell]! - 1;
    const row = this.newRow();
    this.write(row, text);
    if ((this.live + this.deletedCells) * 2 > this.index.length) this.rebuildIndex();
    else this.place(row, hash);
    return row;
  }

  /** Removes `text`; returns the row it had, or -1. */
  delete(text: string): number {
    const cell = this.find(text, hashOf(text));
    if (cell < 0) return -1;
    const row = this.index[cell]! - 1;
    this.index[cell] = DELETED;
    this.deletedCells++;
    this.garbage += this.length[row]!;
    this.length[row] = 0;
    this.free.push(row);
    this.live--;
    if (this.garbage > 1 << 16 && this.garbage * 2 > this.used) this.compact();
    return row;
  }

  clear(): void {
    this.bytes = new Uint8Array(1 << 16);
    this.used = this.garbage = this.rows = this.live = this.deletedCells = 0;
    this.start = new Uint32Array(1024);
    this.length = new Uint8Array(1024);
    this.chars = new Uint32Array(1024);
    this.index = new Int32Array(2048);
    this.free = [];
  }

  /** The text in `row` (a new string). */
  textOf(row: number): string {
    const at = this.start[row]!;
    return String.fromCharCode(...this.bytes.subarray(at, at + this.length[row]!));
  }

  /** The buffer and where `row`'s text is in it, for parsing without a string (valid until the next add or delete). */
  bytesOf(row: number): { bytes: Uint8Array; start: number; end: number } {
    const start = this.start[row]!;
    return { bytes: this.bytes, start, end: start + this.length[row]! };
  }

  /** Whether `row`'s text contains `needle` (character codes, each below 256). */
  contains(row: number, needle: Uint8Array): boolean {
    return holds(this.bytes, this.start[row]!, this.length[row]!, needle, needle[0]!);
  }

  /**
   * Sets `hit[row]` to 1 for every row whose text contains `needle`, in row order (as the texts
   * lie in memory). A row whose text lacks one of the needle's characters (by its bits) is not
   * read. Returns how many rows it marked.
   */
  markContaining(needle: Uint8Array, hit: Uint8Array): number {
    const { bytes, start, length, chars } = this;
    const first = needle[0]!;
    const n = needle.length;
    const wanted = charsOf(needle, 0, n);
    let marked = 0;
    for (let row = 0; row < this.rows; row++) {
      if ((chars[row]! & wanted) !== wanted) continue;
      if (holds(bytes, start[row]!, length[row]!, needle, first)) {
        hit[row] = 1;
        marked++;
      }
    }
    return marked;
  }

  private newRow(): number {
    const reused = this.free.pop();
    if (reused !== undefined) {
      this.live++;
      return reused;
    }
    if (this.rows === this.length.length) {
      const capacity = Math.ceil(this.rows * 1.5);
      const start = new Uint32Array(capacity);
      start.set(this.start);
      this.start = start;
      const length = new Uint8Array(capacity);
      length.set(this.length);
      this.length = length;
      const chars = new Uint32Array(capacity);
      chars.set(this.chars);
      this.chars = chars;
    }
    this.live++;
    return this.rows++;
  }

  private write(row: number, text: string): void {
    if (this.used + text.length > this.bytes.length) {
      const bytes = new Uint8Array(Math.max(this.bytes.length * 1.5, this.used + text.length) | 0);
      bytes.set(this.bytes.subarray(0, this.used));
      this.bytes = bytes;
    }
    const at = this.used;
    for (let i = 0; i < text.length; i++) this.bytes[at + i] = text.charCodeAt(i);
    this.start[row] = at;
    this.length[row] = text.length;
    this.chars[row] = charsOf(this.bytes, at, text.length);
    this.used += text.length;
  }

  /** Drops the bytes of removed texts (rows keep their numbers). */
  private compact(): void {
    const bytes = new Uint8Array(Math.max(1 << 16, (this.used - this.garbage) * 1.25) | 0);
    let used = 0;
    for (let row = 0; row < this.rows; row++) {
      const n = this.length[row]!;
      if (n === 0) continue;
      const at = this.start[row]!;
      bytes.set(this.bytes.subarray(at, at + n), used);
      this.start[row] = used;
      used += n;
    }
    this.bytes = bytes;
    this.used = used;
    this.garbage = 0;
  }

  private find(text: string, hash: number): number {
    const mask = this.index.length - 1;
    for (let cell = hash & mask; ; cell = (cell + 1) & mask) {
      const entry = this.index[cell]!;
      if (entry === 0) return -1;
      if (entry > 0 && this.equals(entry - 1, text)) return cell;
    }
  }

  private equals(row: number, text: string): boolean {
    if (this.length[row] !== text.length) return false;
    const at = this.start[row]!;
    for (let i = 0; i < text.length; i++) if (this.bytes[at + i] !== (text.charCodeAt(i) & 255)) return false;
    return true;
  }

  private place(row: number, hash: number): void {
    const mask = this.index.length - 1;
    let cell = hash & mask;
    while (this.index[cell]! > 0) cell = (cell + 1) & mask;
    this.index[cell] = row + 1;
  }

  private rebuildIndex(): void {
    let size = this.index.length;
    while (this.live * 2 > size) size *= 2;
    this.index = new Int32Array(size);
    this.deletedCells = 0;
    for (let row = 0; row < this.rows; row++) {
      const n = this.length[row]!;
      if (n !== 0) this.place(row, hashOfBytes(this.bytes, this.start[row]!, n));
    }
  }
}

/** FNV-1a over the character codes (as bytes). */
function hashOf(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ (text.charCodeAt(i) & 255), 0x01000193);
  return (h ^ (h >>> 16)) >>> 0;
}

/** {@link hashOf} of text kept as bytes. */
function hashOfBytes(bytes: Uint8Array, start: number, length: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < start + length; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Whether `bytes[start, start + length)` holds `needle` (an empty or freed row holds nothing). */
function holds(bytes: Uint8Array, start: number, length: number, needle: Uint8Array, first: number): boolean {
  const n = needle.length;
  const last = start + length - n;
  outer: for (let i = start; i <= last; i++) {
    if (bytes[i] !== first) continue;
    for (let j = 1; j < n; j++) if (bytes[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
}

/**
 * The characters in `bytes[start, start + length)`, a bit each: the 19 an address is written
 * with (digits, a-f with A-F, ".", ":", "/"), the others sharing the remaining 13 bits.
 */
function charsOf(bytes: Uint8Array, start: number, length: number): number {
  let bits = 0;
  for (let i = start; i < start + length; i++) bits |= CHAR_BIT[bytes[i]!]!;
  return bits;
}

const CHAR_BIT = new Uint32Array(256).map((_, c) => {
  const lower = c >= 65 && c <= 70 ? c + 32 : c;
  const at = '0123456789abcdef.:/'.indexOf(String.fromCharCode(lower));
  return 1 << (at >= 0 ? at : 19 + (c % 13));
});
