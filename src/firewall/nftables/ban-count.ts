import { parseDottedQuad } from '../../net/index.js';

/**
 * The addresses our hash sets hold, kept from what this process added and removed, so that counting them
 * never lists a million elements. IPv4 addresses are kept as numbers, everything else as text.
 * Bans that lapse in the kernel by their own timeout stay counted until they are unbanned, which
 * the engine does when they end.
 */
export class BanCount {
  private readonly v4 = new Set<number>();
  private readonly other = new Set<string>();
  /** False until the sets were written by this process (or counted once). */
  known = false;

  get size(): number {
    return this.v4.size + this.other.size;
  }

  /** The sets now hold exactly these. */
  reset(texts: string[]): void {
    this.v4.clear();
    this.other.clear();
    this.known = true;
    this.add(texts);
  }

  /** The sets were changed in a way not followed here: count again when asked. */
  forget(): void {
    this.v4.clear();
    this.other.clear();
    this.known = false;
  }

  /** Whether this process put `text` in the sets (and has not taken it out). */
  has(text: string): boolean {
    const n = ipv4Number(text);
    return n === null ? this.other.has(text) : this.v4.has(n);
  }

  add(texts: string[]): void {
    for (const text of texts) {
      const n = ipv4Number(text);
      if (n === null) this.other.add(text);
      else this.v4.add(n);
    }
  }

  remove(texts: string[]): void {
    for (const text of texts) {
      const n = ipv4Number(text);
      if (n === null) this.other.delete(text);
      else this.v4.delete(n);
    }
  }
}

/**
 * A canonical dotted quad as a number; null for anything else (IPv6, networks, ranges). As a
 * signed 32-bit value, which V8 keeps in the set itself rather than as a number object of 16
 * bytes: a million addresses are 16 MB less.
 */
function ipv4Number(text: string): number | null {
  const n = parseDottedQuad(text);
  return n < 0 ? null : n | 0;
}
