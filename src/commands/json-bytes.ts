import { isoOrNumber, isPlainJson } from './json-text.js';

/** Bytes handed on at a time. */
const CHUNK = 256 * 1024;
const DAY_MS = 86_400_000;
/** The range of a Date: times outside it are printed as numbers (see `isoOrNumber`). */
const MAX_TIME = 8.64e15;
const QUOTE = 0x22;

/**
 * JSON text written straight into buffers, handed to `write` as each fills: a listing of a
 * million records then makes no string per record and none per field (as text they were most of
 * what the collector had to copy). The caller asks for room (`need`) before writing plain ASCII.
 */
export class ByteOut {
  /** The buffer being filled, and how far: written directly by the writers of this file. */
  buf = Buffer.allocUnsafe(CHUNK);
  pos = 0;

  constructor(private readonly write: (chunk: Buffer) => void) {}

  /** Room for `n` more bytes; the full buffer is handed on first. */
  need(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    this.flush();
    if (n > this.buf.length) this.buf = Buffer.allocUnsafe(n);
  }

  /** Hands on what was written (a buffer of its own: the next is a new one). */
  flush(): void {
    if (this.pos === 0) return;
    this.write(this.buf.subarray(0, this.pos));
    this.buf = Buffer.allocUnsafe(CHUNK);
    this.pos = 0;
  }

  byte(c: number): void {
    this.buf[this.pos++] = c;
  }

  /** Text known to be ASCII (field names, digits), room asked for. */
  ascii(text: string): void {
    const buf = this.buf;
    let pos = this.pos;
    for (let i = 0; i < text.length; i++) buf[pos++] = text.charCodeAt(i);
    this.pos = pos;
  }

  /** Any text, as UTF-8; asks for its own room. */
  text(text: string): void {
    this.need(Buffer.byteLength(text));
    this.pos += this.buf.write(text, this.pos, 'utf8');
  }

  /** A few bytes, room asked for (copied one by one: `set` costs more for a few dozen). */
  bytes(bytes: Uint8Array): void {
    const buf = this.buf;
    let pos = this.pos;
    for (let i = 0; i < bytes.length; i++) buf[pos++] = bytes[i]!;
    this.pos = pos;
  }

  /**
   * The ASCII text `bytes[start..end)` as a JSON string when it holds only characters that need
   * no escaping (`isPlainJson`'s), room asked for; false, with nothing written, when not.
   */
  plainString(bytes: Uint8Array, start: number, end: number): boolean {
    const buf = this.buf;
    let pos = this.pos;
    buf[pos++] = QUOTE;
    for (let i = start; i < end; i++) {
      const c = bytes[i]!;
      if (c >= 128 || PLAIN[c] === 0) return false;
      buf[pos++] = c;
    }
    buf[pos++] = QUOTE;
    this.pos = pos;
    return true;
  }

  /** A whole number 0 or more, room asked for; anything else as `String` writes it. */
  number(n: number): void {
    if (!(n >= 0 && n <= 0x7fff_ffff && Number.isInteger(n))) {
      this.ascii(String(n));
      return;
    }
    const digits = n < 10 ? 1 : Math.floor(Math.log10(n)) + 1;
    let pos = this.pos + digits;
    this.pos = pos;
    do {
      this.buf[--pos] = 0x30 + (n % 10);
      n = Math.floor(n / 10);
    } while (n > 0);
  }
}

/** The ASCII characters a JSON string holds as they are (`isPlainJson`'s), as a table. */
const PLAIN = Uint8Array.from({ length: 128 }, (_, c) => (isPlainJson(String.fromCharCode(c)) ? 1 : 0));

/**
 * A time as the quoted ISO-8601 text `isoOrNumber` gives ("2026-12-08T00:24:47.377Z"), written
 * as bytes: the date part is made once a day, the time of day from digits.
 */
export class IsoBytes {
  private day = Number.NaN;
  private prefix: Uint8Array = new Uint8Array(0);

  /** Room for 32 bytes asked for. */
  write(out: ByteOut, ms: number): void {
    if (!Number.isInteger(ms) || Math.abs(ms) > MAX_TIME) {
      out.text(`"${isoOrNumber(ms)}"`);
      return;
    }
    const day = Math.floor(ms / DAY_MS);
    if (day !== this.day) {
      const iso = new Date(day * DAY_MS).toISOString();
      this.prefix = Buffer.from(iso.slice(0, iso.indexOf('T') + 1), 'latin1');
      this.day = day;
    }
    const buf = out.buf;
    let pos = out.pos;
    buf[pos++] = QUOTE;
    const prefix = this.prefix;
    for (let i = 0; i < prefix.length; i++) buf[pos++] = prefix[i]!;
    // Whole numbers under 2^31 from here: V8 divides them as integers.
    let rest = (ms - day * DAY_MS) | 0;
    const hours = (rest / 3_600_000) | 0;
    rest -= hours * 3_600_000;
    const minutes = (rest / 60_000) | 0;
    rest -= minutes * 60_000;
    const seconds = (rest / 1000) | 0;
    const millis = rest - seconds * 1000;
    pos = twoDigits(buf, pos, hours);
    buf[pos++] = 0x3a;
    pos = twoDigits(buf, pos, minutes);
    buf[pos++] = 0x3a;
    pos = twoDigits(buf, pos, seconds);
    buf[pos++] = 0x2e;
    const hundreds = (millis / 100) | 0;
    buf[pos++] = 0x30 + hundreds;
    pos = twoDigits(buf, pos, millis - hundreds * 100);
    buf[pos++] = 0x5a;
    buf[pos++] = QUOTE;
    out.pos = pos;
  }
}

function twoDigits(buf: Buffer, pos: number, n: number): number {
  const tens = (n / 10) | 0;
  buf[pos] = 0x30 + tens;
  buf[pos + 1] = 0x30 + n - tens * 10;
  return pos + 2;
}
