import type { ParsedList } from './parse.js';

/**
 * A new download is refused (the previous list is kept) when:
 * - it looks like HTML (an error or login page),
 * - it is empty (no entries),
 * - it is truncated: its last line has no newline end, or fewer bytes than Content-Length,
 * - it holds fewer than a quarter (SHRINK_LIMIT) of the entries of the last good list
 *   (only checked when that list had at least MIN_FOR_SHRINK entries),
 * - more than a tenth of its non-comment lines are not addresses,
 * - it holds more than `maxEntries` entries.
 */
export const SHRINK_LIMIT = 0.25;
export const MIN_FOR_SHRINK = 100;

export interface DownloadFacts {
  text: string;
  /** The Content-Length header, when the server sent one. */
  contentLength: number | null;
  /** Bytes actually read. */
  bytes: number;
  contentType: string | null;
}

/** Why the text cannot be used before parsing, or null. */
export function checkText(facts: DownloadFacts): string | null {
  const head = facts.text.slice(0, 512).trimStart().toLowerCase();
  if ((facts.contentType ?? '').toLowerCase().includes('text/html') || head.startsWith('<!doctype') || head.startsWith('<html') || head.startsWith('<?xml')) {
    return 'the download is an HTML page, not a list';
  }
  if (facts.contentLength !== null && facts.bytes < facts.contentLength) {
    return `the download is truncated: ${facts.bytes} of ${facts.contentLength} bytes`;
  }
  if (facts.text.trim() === '') return 'the download is empty';
  if (!facts.text.endsWith('\n')) return 'the download is truncated: the last line has no end';
  return null;
}

/** Why the parsed list cannot replace the previous one, or null. */
export function checkParsed(list: ParsedList, previous: number | null, maxEntries: number): string | null {
  const entries = list.v4.length + list.v6.length;
  if (entries === 0) return 'the download holds no addresses';
  if (list.bad > 0 && list.bad * 10 > entries + list.bad) {
    const where = list.firstBad ? ` (line ${list.firstBad.line}: "${list.firstBad.text}")` : '';
    return `${list.bad} lines are not addresses${where}`;
  }
  if (entries > maxEntries) return `${entries} entries is over max_entries = ${maxEntries}`;
  if (previous !== null && previous >= MIN_FOR_SHRINK && entries < previous * SHRINK_LIMIT) {
    return `only ${entries} entries where the last good list had ${previous}: looks truncated`;
  }
  return null;
}
