import { keyOf, parseDottedQuad, parseRange, type ParsedRange } from '../net/index.js';

/** Which trusted ranges a list overlaps, and how many of its entries do. */
export interface TrustedOverlap {
  /** Trusted ranges (as given) that share an address with an entry. */
  ranges: string[];
  /** Entries that share an address with a trusted range. */
  entries: number;
}

/** An IPv4 range as two unsigned numbers, first and last address. */
function v4Bounds(prefixText: string, family4: ParsedRange | null): [number, number] | null {
  if (family4) {
    const start = family4.parts[0]! * 65536 + family4.parts[1]!;
    return [start, start + 2 ** (32 - family4.prefix) - 1];
  }
  const slash = prefixText.indexOf('/');
  const address = parseDottedQuad(slash < 0 ? prefixText : prefixText.slice(0, slash));
  if (address < 0) return null;
  const prefix = slash < 0 ? 32 : Number(prefixText.slice(slash + 1));
  const size = 2 ** (32 - prefix);
  const start = address - (address % size);
  return [start, start + size - 1];
}

/**
 * The trusted ranges a list's entries overlap. Trust wins in the kernel (the trusted ranges
 * return before any list drops), so these addresses stay allowed; the operator is told once, when
 * the list is loaded. IPv4 entries are compared as numbers, so a million entries cost well under
 * a second against a few trusted ranges.
 */
export function trustedOverlaps(v4: readonly string[], v6: readonly string[], trusted: readonly string[]): TrustedOverlap {
  const parsed = trusted.map((range) => ({ range, parsed: parseRange(range) }));
  const found = new Set<string>();
  let entries = 0;
  const t4 = parsed.filter((t) => t.parsed.family === 4).map((t) => ({ range: t.range, bounds: v4Bounds(t.range, t.parsed)! }));
  if (t4.length > 0) {
    for (const entry of v4) {
      const bounds = v4Bounds(entry, null);
      if (!bounds) continue;
      let hit = false;
      for (const t of t4) {
        if (bounds[0] <= t.bounds[1] && t.bounds[0] <= bounds[1]) {
          found.add(t.range);
          hit = true;
        }
      }
      if (hit) entries++;
    }
  }
  const t6 = parsed.filter((t) => t.parsed.family === 6);
  if (t6.length > 0) {
    for (const entry of v6) {
      let range: ParsedRange;
      try {
        range = parseRange(entry);
      } catch {
        continue;
      }
      let hit = false;
      for (const t of t6) {
        if (range.family !== 6) continue;
        const prefix = Math.min(range.prefix, t.parsed.prefix);
        if (keyOf(range.parts, prefix) === keyOf(t.parsed.parts, prefix)) {
          found.add(t.range);
          hit = true;
        }
      }
      if (hit) entries++;
    }
  }
  return { ranges: trusted.filter((range) => found.has(range)), entries };
}
