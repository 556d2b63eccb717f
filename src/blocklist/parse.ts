import { isIPv4, isIPv6 } from 'node:net';
import type { ListFormat } from '../config/index.js';

/** The networks of one list, split by family, plus the lines that were not addresses. */
export interface ParsedList {
  v4: string[];
  v6: string[];
  /** Lines that held something other than an address, a network or a comment. */
  bad: number;
  /** The first bad line (1-based) and its text, for the message. */
  firstBad: { line: number; text: string } | null;
}

/** Checks `a.b.c.d` or `a.b.c.d/n`, `x::y` or `x::y/n`; the family, or 0 (a /0, all addresses, is refused too). */
export function networkFamily(entry: string): 4 | 6 | 0 {
  const slash = entry.indexOf('/');
  const host = slash < 0 ? entry : entry.slice(0, slash);
  // A zone id (`%eth0`) means nothing to a firewall.
  const family = host.includes('%') ? 0 : isIPv4(host) ? 4 : isIPv6(host) ? 6 : 0;
  if (family === 0 || slash < 0) return family;
  const bits = entry.slice(slash + 1);
  if (!/^\d{1,3}$/.test(bits)) return 0;
  const n = Number(bits);
  return n >= 1 && n <= (family === 4 ? 32 : 128) ? family : 0;
}

/**
 * Reads a list. Comments start with `#` or `;` (Spamhaus DROP's `a.b.c.d/n ; SBL123` keeps its
 * network); an ipsum line is `address<TAB>count` and counts below `minCount` are skipped.
 */
export function parseList(text: string, format: ListFormat = 'auto', minCount = 1): ParsedList {
  const out: ParsedList = { v4: [], v6: [], bad: 0, firstBad: null };
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i] ?? '';
    const comment = line.search(/[#;]/);
    if (comment >= 0) line = line.slice(0, comment);
    line = line.trim();
    if (line === '') continue;
    const fields = line.split(/\s+/);
    let entry = fields[0] ?? '';
    let ok = fields.length === 1 && format !== 'ipsum';
    if (fields.length === 2 && (format === 'ipsum' || format === 'auto') && /^\d+$/.test(fields[1] ?? '')) {
      ok = true;
      if (Number(fields[1]) < minCount) continue;
    }
    const family = ok ? networkFamily(entry) : 0;
    if (family === 0) {
      out.bad++;
      out.firstBad ??= { line: i + 1, text: line.slice(0, 80) };
      continue;
    }
    if (entry.endsWith('/32') && family === 4) entry = entry.slice(0, -3);
    (family === 4 ? out.v4 : out.v6).push(entry);
  }
  return out;
}
