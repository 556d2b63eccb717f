import { checkAddress } from '../../net/index.js';
import { addressValue, rangeOf, type AddressRange } from './address-ranges.js';
import { BAN_SETS, NET_SETS, TABLE, TABLE_FAMILY, TABLE_NAME } from './nft-script.js';

type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
type JsonObject = { [key: string]: JsonValue };

function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The elements of our ban sets (addresses and networks) in `nft -j list table inet portcullis` (or `list ruleset`) output,
 * as nft writes them: "1.2.3.4", "10.0.0.0/24", "1.2.3.4-1.2.3.9". JSON shapes: a string,
 * {"prefix": {"addr", "len"}}, {"range": [a, b]}, each possibly wrapped in
 * {"elem": {"val", "timeout", "expires"}}.
 */
export function parseBanElements(json: string): string[] {
  const doc = JSON.parse(json) as JsonValue;
  const items = isObject(doc) && Array.isArray(doc.nftables) ? doc.nftables : [];
  const banSets: string[] = [...Object.values(BAN_SETS), ...Object.values(NET_SETS)];
  const out: string[] = [];
  for (const item of items) {
    const set = isObject(item) ? item.set : undefined;
    if (!isObject(set) || set.family !== TABLE_FAMILY || set.table !== TABLE_NAME) continue;
    if (typeof set.name !== 'string' || !banSets.includes(set.name)) continue;
    for (const elem of Array.isArray(set.elem) ? set.elem : []) out.push(elementText(elem));
  }
  return out;
}

function elementText(elem: JsonValue): string {
  const value = isObject(elem) && isObject(elem.elem) ? elem.elem.val : elem;
  if (typeof value === 'string') return value;
  if (isObject(value) && isObject(value.prefix)) return `${String(value.prefix.addr)}/${String(value.prefix.len)}`;
  if (isObject(value) && Array.isArray(value.range) && value.range.length === 2) return value.range.map(String).join('-');
  return JSON.stringify(value);
}

/** A listed element with the addresses it covers; null when it is not an address, a network or a range. */
export interface ListedElement {
  text: string;
  range: AddressRange | null;
}

/** The range a listed element covers, for comparing it with new bans. */
export function listedElement(text: string): ListedElement {
  try {
    const dash = text.indexOf('-');
    if (dash < 0) return { text, range: rangeOf(checkAddress(text)) };
    const [a, b] = [text.slice(0, dash), text.slice(dash + 1)];
    const family = checkAddress(a).family;
    if (checkAddress(b).family !== family) return { text, range: null };
    return { text, range: { family, first: addressValue(a), last: addressValue(b) } };
  } catch {
    return { text, range: null };
  }
}

/** One `table ... { ... }` block of `nft list ruleset` text, with any comment lines just before it. */
export interface TableBlock {
  /** "inet portcullis", "ip hostfw". */
  name: string;
  text: string;
}

/** Splits `nft list ruleset` text into its tables, each exactly as printed. */
export function splitTables(ruleset: string): TableBlock[] {
  const blocks: TableBlock[] = [];
  let pending: string[] = [];
  let current: { name: string; lines: string[] } | null = null;
  for (const line of ruleset.split('\n')) {
    if (current) {
      current.lines.push(line);
      if (line === '}') {
        blocks.push({ name: current.name, text: current.lines.join('\n') });
        current = null;
      }
      continue;
    }
    const header = /^table (\S+ \S+) \{$/.exec(line);
    if (header) {
      current = { name: header[1]!, lines: [...pending, line] };
      pending = [];
    } else if (line.trim() !== '') {
      pending.push(line);
    }
  }
  if (current) blocks.push({ name: current.name, text: current.lines.join('\n') });
  return blocks;
}

/** Whether a block is our table. */
export function isOwnTable(block: TableBlock): boolean {
  return block.name === TABLE;
}

/** Our table's lines without set elements, should the listing hold any (100,000 bans). */
export function ownTableLines(block: TableBlock): string[] {
  const lines: string[] = [];
  let inElements = false;
  for (const line of block.text.split('\n')) {
    if (!inElements && /^\s*elements = \{/.test(line)) inElements = true;
    if (inElements) {
      if (/\}\s*$/.test(line)) inElements = false;
      continue;
    }
    lines.push(line);
  }
  return lines;
}
