import { isMapped, readCanonicalIPv6 } from './ipv6-text.js';
import { parseDottedQuad } from './ranges.js';

/** Kinds of slot. */
const FREE = 0;
const TEXT = 1;
const V4 = 4;
const V6 = 6;

/** Index cells: 0 empty, -1 deleted, else slot + 1. */
const DELETED = -1;
/** The longest text of an address kept as numbers (an IPv6 address written in full). */
const MAX_NUMERIC_TEXT = 39;

const FIRST_SLOTS = 1024;

/** One scratch key, so a lookup makes no array. */
const key = new Uint32Array(4);

/**
 * A set of addresses, each with a number of its own (its slot, reused once the address is gone):
 * a canonical IPv4 address is kept as one 32-bit number, a canonical IPv6 one as four, in typed
 * arrays with an open-addressing index over them: about 25 bytes an address, outside the
 * JavaScript heap, where a Map of strings costs about 80 inside it. Anything else (a network, a
 * range) is kept as its text. `textOf` gives back exactly the text added.
 */
export class AddressSlots {
  private words = new Uint32Array(FIRST_SLOTS * 4);
  private kinds = new Uint8Array(FIRST_SLOTS);
  private readonly texts = new Map<number, string>();
  private readonly textSlots = new Map<string, number>();
  private index = new Int32Array(FIRST_SLOTS * 2);
  private live = 0;
  private deleted = 0;
  private used = 0;
  private free: number[] = [];

  /** Addresses held. */
  get size(): number {
    return this.live;
  }

  /** One more than the highest slot ever given: slots run from 0 to this, free ones included. */
  get slotLimit(): number {
    return this.used;
  }

  /** The slot of `text`, or -1. */
  slotOf(text: string): number {
    const kind = keyOf(text);
    if (kind === TEXT) return this.textSlots.get(text) ?? -1;
    const cell = this.find(kind);
    return cell < 0 ? -1 : this.index[cell]! - 1;
  }

  has(text: string): boolean {
    return this.slotOf(text) >= 0;
  }

  /** Adds `text` (if not there); returns its slot. */
  add(text: string): number {
    const single = this.addSingle(text);
    if (single >= 0) return single;
    const known = this.textSlots.get(text);
    if (known !== undefined) return known;
    const slot = this.newSlot(TEXT);
    this.texts.set(slot, text);
    this.textSlots.set(text, slot);
    return slot;
  }

  /**
   * Adds `text` if it is one address in canonical form (what `checkAddress` gives back as it is),
   * kept as numbers; returns its slot, or -1 (nothing added) for any other text.
   */
  addSingle(text: string): number {
    const kind = keyOf(text);
    if (kind === TEXT) return -1;
    const cell = this.find(kind);
    if (cell >= 0) return this.index[cell]! - 1;
    // The key is still in `key`: newSlot may grow the arrays, never touching it.
    const slot = this.newSlot(kind);
    this.words.set(key, slot * 4);
    this.insert(slot);
    return slot;
  }

  /** The family of the address in `slot`: 4 or 6, 0 for text kept as it is (a network, a range). */
  familyAt(slot: number): 0 | 4 | 6 {
    const kind = this.kinds[slot];
    return kind === V4 ? 4 : kind === V6 ? 6 : 0;
  }

  /** Removes `text`; returns the slot it had, or -1. */
  delete(text: string): number {
    const kind = keyOf(text);
    let slot: number;
    if (kind === TEXT) {
      slot = this.textSlots.get(text) ?? -1;
      if (slot < 0) return -1;
      this.textSlots.delete(text);
      this.texts.delete(slot);
    } else {
      const cell = this.find(kind);
      if (cell < 0) return -1;
      slot = this.index[cell]! - 1;
      this.index[cell] = DELETED;
      this.deleted++;
    }
    this.kinds[slot] = FREE;
    this.free.push(slot);
    this.live--;
    return slot;
  }

  /** Whether a slot holds an address now. */
  holds(slot: number): boolean {
    return slot >= 0 && slot < this.used && this.kinds[slot] !== FREE;
  }

  /** The text of the address in `slot` (a new string each time for numbers kept). */
  textOf(slot: number): string {
    const kind = this.kinds[slot];
    const at = slot * 4;
    if (kind === V4) {
      const n = this.words[at]!;
      return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
    }
    if (kind === V6) return text.toString('latin1', 0, writeIPv6(this.words, at, text, 0));
    if (kind === TEXT) return this.texts.get(slot)!;
    throw new Error(`no address in slot ${slot}`);
  }

  /**
   * The text of the address in `slot` written into `out` at `at` as UTF-8, without a string made
   * for it: the position after it, or -1 (nothing written) when it does not fit.
   */
  writeText(slot: number, out: Buffer, at: number): number {
    const kind = this.kinds[slot];
    if (kind === V4 || kind === V6) {
      if (at + MAX_NUMERIC_TEXT > out.length) return -1;
      return kind === V4 ? writeIPv4(this.words[slot * 4]!, out, at) : writeIPv6(this.words, slot * 4, out, at);
    }
    if (kind !== TEXT) throw new Error(`no address in slot ${slot}`);
    const address = this.texts.get(slot)!;
    if (at + Buffer.byteLength(address) > out.length) return -1;
    return at + out.write(address, at, 'utf8');
  }

  clear(): void {
    this.words = new Uint32Array(FIRST_SLOTS * 4);
    this.kinds = new Uint8Array(FIRST_SLOTS);
    this.texts.clear();
    this.textSlots.clear();
    this.index = new Int32Array(FIRST_SLOTS * 2);
    this.live = 0;
    this.deleted = 0;
    this.used = 0;
    this.free = [];
  }

  private newSlot(kind: number): number {
    let slot = this.free.pop();
    if (slot === undefined) {
      slot = this.used++;
      if (slot >= this.kinds.length) {
        const capacity = Math.ceil(this.kinds.length * 1.5);
        const words = new Uint32Array(capacity * 4);
        words.set(this.words);
        this.words = words;
        const kinds = new Uint8Array(capacity);
        kinds.set(this.kinds);
        this.kinds = kinds;
      }
    }
    this.kinds[slot] = kind;
    this.live++;
    return slot;
  }

  /** The index cell holding the key in `key` (of `kind`), or -1. */
  private find(kind: number): number {
    const mask = this.index.length - 1;
    for (let cell = hashOf(kind) & mask; ; cell = (cell + 1) & mask) {
      const entry = this.index[cell]!;
      if (entry === 0) return -1;
      if (entry > 0 && this.matches(entry - 1, kind)) return cell;
    }
  }

  private matches(slot: number, kind: number): boolean {
    if (this.kinds[slot] !== kind) return false;
    const at = slot * 4;
    const w = this.words;
    return w[at] === key[0] && (kind === V4 || (w[at + 1] === key[1] && w[at + 2] === key[2] && w[at + 3] === key[3]));
  }

  /** Puts `slot` (its words already written) in the index, growing it to stay at most half full. */
  private insert(slot: number): void {
    // A rebuild places every slot in use, this one included.
    if ((this.live + this.deleted) * 2 > this.index.length) this.rebuildIndex();
    else this.place(slot);
  }

  private place(slot: number): void {
    const kind = this.kinds[slot]!;
    const at = slot * 4;
    key[0] = this.words[at]!;
    if (kind === V6) {
      key[1] = this.words[at + 1]!;
      key[2] = this.words[at + 2]!;
      key[3] = this.words[at + 3]!;
    }
    const mask = this.index.length - 1;
    let cell = hashOf(kind) & mask;
    while (this.index[cell]! > 0) cell = (cell + 1) & mask;
    this.index[cell] = slot + 1;
  }

  private rebuildIndex(): void {
    let size = this.index.length;
    while (this.live * 4 > size) size *= 2;
    this.index = new Int32Array(size);
    this.deleted = 0;
    for (let slot = 0; slot < this.used; slot++) {
      const kind = this.kinds[slot];
      if (kind === V4 || kind === V6) this.place(slot);
    }
  }
}

/** The groups of the IPv6 address `keyOf` reads. */
const parts = new Uint16Array(8);

/** Puts `text`'s number(s) in `key` and returns its kind; TEXT for anything not kept as numbers. */
function keyOf(text: string): number {
  const v4 = parseDottedQuad(text);
  if (v4 >= 0) {
    key[0] = v4;
    return V4;
  }
  // Only text in the one canonical form (RFC 5952) is parsed: `writeIPv6` writes it back as it was.
  if (!readCanonicalIPv6(text, parts) || isMapped(parts)) return TEXT;
  for (let i = 0; i < 4; i++) key[i] = (parts[2 * i]! << 16) | parts[2 * i + 1]!;
  return V6;
}

function hashOf(kind: number): number {
  let h = Math.imul(key[0]! ^ 0x9e3779b9, 0x85ebca6b);
  if (kind === V6) {
    h = Math.imul(h ^ key[1]!, 0xc2b2ae35);
    h = Math.imul(h ^ key[2]!, 0x85ebca6b);
    h = Math.imul(h ^ key[3]!, 0xc2b2ae35);
  }
  return (h ^ (h >>> 15)) >>> 0;
}

/** The eight groups of the address being written (one scratch array, so writing one makes no array). */
const groups = new Uint16Array(8);

/**
 * RFC 5952 text of the eight groups in four words (lower-case hex, the longest zero run as `::`)
 * written into `out` at `pos` (room for 39 bytes): the position after it.
 */
function writeIPv6(words: Uint32Array, at: number, out: Uint8Array, pos: number): number {
  for (let i = 0; i < 4; i++) {
    const w = words[at + i]!;
    groups[2 * i] = w >>> 16;
    groups[2 * i + 1] = w & 0xffff;
  }
  let best = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      best = i;
      bestLength = j - i;
    }
    i = j;
  }
  const start = pos;
  for (let i = 0; i < 8; i++) {
    if (i === best) {
      out[pos++] = COLON;
      out[pos++] = COLON;
      i += bestLength - 1;
      continue;
    }
    if (pos > start && out[pos - 1] !== COLON) out[pos++] = COLON;
    const group = groups[i]!;
    if (group >= 0x1000) out[pos++] = HEX[group >>> 12]!;
    if (group >= 0x100) out[pos++] = HEX[(group >>> 8) & 15]!;
    if (group >= 0x10) out[pos++] = HEX[(group >>> 4) & 15]!;
    out[pos++] = HEX[group & 15]!;
  }
  return pos;
}

/** Dotted-quad text of an IPv4 address written into `out` at `pos` (room for 15 bytes): the position after it. */
function writeIPv4(n: number, out: Uint8Array, pos: number): number {
  for (let shift = 24; shift >= 0; shift -= 8) {
    const byte = (n >>> shift) & 255;
    if (byte >= 100) out[pos++] = 0x30 + ((byte / 100) | 0);
    if (byte >= 10) out[pos++] = 0x30 + (((byte / 10) | 0) % 10);
    out[pos++] = 0x30 + (byte % 10);
    if (shift > 0) out[pos++] = DOT;
  }
  return pos;
}

/** The text of the address being made into a string (written as bytes and read back as one: by concatenation it took 3x as long). */
const text = Buffer.alloc(40);
const HEX = Buffer.from('0123456789abcdef');
const COLON = 0x3a;
const DOT = 0x2e;
