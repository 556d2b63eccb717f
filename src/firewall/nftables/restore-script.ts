import type { AddressSlots } from '../../net/index.js';
import type { BanEntry } from '../types.js';
import { BAN_SETS, NET_SETS, TABLE, banElement, distinctElements, elementLines, type SetElement } from './nft-script.js';

/** Elements per `add element` statement (nft parses 1,000 or 5,000 a statement alike; errors stay readable). */
const ELEMENTS_PER_STATEMENT = 1000;

/**
 * The statements of a restore (`replaceBans`): the ban sets flushed, then every entry added, made
 * one statement at a time as the entries are read, so nft parses the first while the rest are
 * still being made and no list of a million entries (nor of their lines) is ever held. Single
 * addresses go to the hash sets and are kept in `singles` (what the sets hold afterwards), their
 * text written as given when it is already canonical (no second parse, no new string); anything
 * else is checked by `banElement`, and networks, few, go to the interval sets at the end.
 * An address given twice keeps its longer ban, as `distinctElements` keeps it: the longer one is
 * put in again at the end of the same transaction. A bad entry throws, naming it, part-way: the
 * caller must then drop the statements made so far (nft commits a script only once it has all).
 */
export function* restoreLines(entries: Iterable<BanEntry>, singles: AddressSlots): Generator<string> {
  for (const sets of [BAN_SETS, NET_SETS]) yield* [`flush set ${TABLE} ${sets[4]}`, `flush set ${TABLE} ${sets[6]}`];
  const chunks = { 4: [] as string[], 6: [] as string[] };
  /** Each slot's timeout as sent: seconds, Infinity when permanent. */
  let timeouts: Float64Array<ArrayBuffer> = new Float64Array(1024);
  const longer = new Set<number>();
  const networks: SetElement[] = [];
  for (const entry of entries) {
    let text = entry.address;
    const held = singles.size;
    let slot = singles.addSingle(text);
    let timeout: number;
    if (slot >= 0) {
      timeout = timeoutOf(entry, text);
    } else {
      const element = banElement(entry);
      const { checked } = element;
      if (checked.prefix !== (checked.family === 4 ? 32 : 128)) {
        networks.push(element);
        continue;
      }
      // One address in another form (an IPv4-mapped one, capitals): written as checked.
      text = checked.text;
      slot = singles.addSingle(text);
      if (slot < 0) throw new Error(`${text}: not kept as one address`);
      timeout = element.timeout ?? Infinity;
    }
    if (slot >= timeouts.length) timeouts = grown(timeouts, slot);
    if (singles.size === held) {
      if (timeout > timeouts[slot]!) {
        timeouts[slot] = timeout;
        longer.add(slot);
      }
      continue;
    }
    timeouts[slot] = timeout;
    const family = singles.familyAt(slot) as 4 | 6;
    const chunk = chunks[family];
    chunk.push(timeout === Infinity ? text : `${text} timeout ${timeout}s`);
    if (chunk.length === ELEMENTS_PER_STATEMENT) {
      yield addLine(family, chunk);
      chunk.length = 0;
    }
  }
  for (const family of [4, 6] as const) if (chunks[family].length > 0) yield addLine(family, chunks[family]);
  if (longer.size > 0) {
    // Taken out and put in again with the longer timeout: nft cannot change one in place.
    const again = [...longer].map((slot): SetElement => {
      const family = singles.familyAt(slot) as 4 | 6;
      const element: SetElement = { checked: { text: singles.textOf(slot), family, prefix: family === 4 ? 32 : 128 } };
      return timeouts[slot] === Infinity ? element : { ...element, timeout: timeouts[slot]! };
    });
    yield* elementLines('delete', BAN_SETS, again);
    yield* elementLines('add', BAN_SETS, again);
  }
  yield* elementLines('add', NET_SETS, distinctElements(networks));
}

function addLine(family: 4 | 6, elements: string[]): string {
  return `add element ${TABLE} ${BAN_SETS[family]} { ${elements.join(', ')} }`;
}

/** A canonical address's timeout in whole seconds (Infinity: none), checked as `banElement` checks it. */
function timeoutOf(entry: BanEntry, text: string): number {
  if (entry.timeout === undefined) return Infinity;
  if (!Number.isFinite(entry.timeout) || entry.timeout <= 0) {
    throw new Error(`ban timeout must be a positive number of seconds, not ${entry.timeout} (${text})`);
  }
  return Math.ceil(entry.timeout);
}

function grown(timeouts: Float64Array<ArrayBuffer>, slot: number): Float64Array<ArrayBuffer> {
  const more = new Float64Array(Math.max(slot + 1, timeouts.length * 2));
  more.set(timeouts);
  return more;
}
