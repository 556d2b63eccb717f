import { checkAddress, type CheckedAddress } from '../../net/index.js';
import type { BanEntry } from '../types.js';
import { FAMILIES, setName, type Family, type SetKind } from './names.js';

/**
 * The longest per-entry timeout the kernel takes (seconds, about 24.8 days). A longer ban goes in
 * without a timeout: the ban manager removes it when it ends, whereas a shortened kernel timeout
 * would let the address back in while the engine still counts it as banned.
 */
export const MAX_SET_TIMEOUT = 2_147_483;

/** Room for 2,000,000 bans per family and then some. */
const BANS_MAXELEM = 4_194_304;
const BANS_HASHSIZE = 65_536;
const TRUSTED_MAXELEM = 65_536;
const TRUSTED_HASHSIZE = 1024;

/** One entry for a set: checked address text, its family, and the kernel timeout if any. */
export interface SetMember {
  text: string;
  family: Family;
  timeout?: number;
}

/** Checks a ban; throws naming the address for a bad address, a /0, or a bad timeout. */
export function checkBan(entry: BanEntry): SetMember {
  const checked = checkAddress(entry.address);
  if (checked.prefix === 0) throw new Error(`refusing to ban every address: ${JSON.stringify(entry.address)}`);
  const member: SetMember = { text: checked.text, family: checked.family };
  if (entry.timeout !== undefined) {
    if (!Number.isFinite(entry.timeout) || entry.timeout <= 0) {
      throw new Error(`ban of ${checked.text}: timeout must be a positive number of seconds, got ${entry.timeout}`);
    }
    const seconds = Math.ceil(entry.timeout);
    if (seconds <= MAX_SET_TIMEOUT) member.timeout = seconds;
  }
  return member;
}

/**
 * Checks a trusted range. hash:net cannot hold a /0, so "everything" becomes its two halves.
 */
export function checkTrusted(text: string): SetMember[] {
  const checked: CheckedAddress = checkAddress(text);
  if (checked.prefix !== 0) return [{ text: checked.text, family: checked.family }];
  return checked.family === 4
    ? [{ text: '0.0.0.0/1', family: 4 }, { text: '128.0.0.0/1', family: 4 }]
    : [{ text: '::/1', family: 6 }, { text: '8000::/1', family: 6 }];
}

/** The `create` line of one of our sets, the same every time so `-exist` accepts it again. */
export function createLine(kind: SetKind, family: Family, temp = false): string {
  const inet = family === 4 ? 'inet' : 'inet6';
  const name = setName(kind, family, temp);
  return kind === 'bans'
    ? `create ${name} hash:net family ${inet} hashsize ${BANS_HASHSIZE} maxelem ${BANS_MAXELEM} timeout 0`
    : `create ${name} hash:net family ${inet} hashsize ${TRUSTED_HASHSIZE} maxelem ${TRUSTED_MAXELEM}`;
}

function addLine(name: string, member: SetMember, withTimeout: boolean): string {
  // A set with timeout support keeps an entry added with `timeout 0` until it is removed; saying
  // so explicitly makes a re-ban of a temporarily banned address permanent.
  return withTimeout ? `add ${name} ${member.text} timeout ${member.timeout ?? 0}` : `add ${name} ${member.text}`;
}

function script(lines: string[]): string {
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}

/** Creates those of our four sets that are not in `existing`. */
export function createMissingScript(existing: Set<string>): string {
  const lines: string[] = [];
  for (const kind of ['bans', 'trusted'] as const) {
    for (const family of FAMILIES) if (!existing.has(setName(kind, family))) lines.push(createLine(kind, family));
  }
  return script(lines);
}

/** Adds (or re-times) bans in the live sets. */
export function banScript(members: SetMember[]): string {
  return script(members.map((m) => addLine(setName('bans', m.family), m, true)));
}

/** Removes addresses from the live ban sets; `-exist` makes absent ones no error. */
export function unbanScript(members: CheckedAddress[]): string {
  return script(members.map((m) => `del ${setName('bans', m.family)} ${m.text}`));
}

/**
 * Makes both families' sets of `kind` hold exactly `members`: a fresh temporary set is filled and
 * then swapped in, so the live set changes in one step, and the old content is destroyed.
 */
export function replaceScript(kind: SetKind, members: SetMember[]): string {
  const lines: string[] = [];
  for (const family of FAMILIES) {
    const live = setName(kind, family);
    const temp = setName(kind, family, true);
    lines.push(createLine(kind, family), createLine(kind, family, true), `flush ${temp}`);
    for (const member of members) if (member.family === family) lines.push(addLine(temp, member, kind === 'bans'));
    lines.push(`swap ${temp} ${live}`, `destroy ${temp}`);
  }
  return script(lines);
}

/**
 * What `replaceScript('bans', entries.map(checkBan))` does, as pieces of a few thousand lines
 * made one at a time as `ipset restore` reads them: both temporary sets created, filled as the
 * entries are read (never a list of a million members or lines), and swapped in only once the
 * last entry is in. A bad entry throws, naming the address, part-way: the live sets are as they
 * were, the temporary ones are flushed by the next restore.
 */
export function* replaceBansScript(entries: Iterable<BanEntry>): Generator<string> {
  const temps = { 4: setName('bans', 4, true), 6: setName('bans', 6, true) };
  yield FAMILIES.map((family) => `${createLine('bans', family)}\n${createLine('bans', family, true)}\nflush ${temps[family]}\n`).join('');
  let lines: string[] = [];
  for (const entry of entries) {
    const member = checkBan(entry);
    lines.push(addLine(temps[member.family], member, true));
    if (lines.length === 4096) {
      yield `${lines.join('\n')}\n`;
      lines = [];
    }
  }
  if (lines.length > 0) yield `${lines.join('\n')}\n`;
  yield FAMILIES.map((family) => `swap ${temps[family]} ${setName('bans', family)}\ndestroy ${temps[family]}\n`).join('');
}

/** Destroys the given sets; `-exist` makes absent ones no error. */
export function destroyScript(names: string[]): string {
  return script(names.map((name) => `destroy ${name}`));
}

/** The addresses in `ipset save <name>` output for that set, canonical. */
export function parseSetSave(text: string, name: string): string[] {
  const prefix = `add ${name} `;
  const out: string[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith(prefix)) continue;
    const address = line.slice(prefix.length).split(' ', 1)[0]!;
    out.push(checkAddress(address).text);
  }
  return out;
}

/** Set name -> number of entries, from `ipset list -t`. */
export function parseSetHeaders(text: string): Map<string, number> {
  const counts = new Map<string, number>();
  let current: string | null = null;
  for (const line of text.split('\n')) {
    if (line.startsWith('Name: ')) current = line.slice('Name: '.length).trim();
    else if (current !== null && line.startsWith('Number of entries: ')) {
      counts.set(current, Number(line.slice('Number of entries: '.length).trim()));
    }
  }
  return counts;
}
