import { hostname } from 'node:os';
import { MAX_LINE_LENGTH } from './line-reader.js';

/**
 * The journal fields a jail's line is built from. journalctl is asked for these only
 * (`--output-fields`), so an entry with large other fields (a core dump's) costs nothing to read;
 * `__CURSOR` and `__REALTIME_TIMESTAMP` are always printed in JSON mode.
 */
export const JOURNAL_FIELDS = ['MESSAGE', 'SYSLOG_IDENTIFIER', 'SYSLOG_PID', '_COMM', '_PID', '_HOSTNAME'] as const;

/**
 * Longest JSON line read from journalctl (1 MiB). A 64 Ki-character MESSAGE is at most about 390 KiB
 * of JSON as an escaped string and about 1 MiB as a byte array, and is cut to 64 Ki characters
 * anyway, so an entry past this bound is skipped (and counted) rather than buffered.
 */
export const MAX_ENTRY_BYTES = 1024 * 1024;

/** Enough of a skipped line's end to hold a `"__CURSOR":"…"` pair split across two chunks. */
const CURSOR_CARRY = 512;

/** One line of journalctl's output: a complete JSON text, or a line too long to keep. */
export type JournalChunkItem = { kind: 'json'; text: string } | { kind: 'overlong'; cursor: string | undefined };

/**
 * Splits journalctl's stdout into lines, holding at most `maxBytes` of an unfinished line. A line
 * longer than that is not kept, only scanned as it streams past for its cursor: journalctl prints
 * an entry's fields in no fixed order, so `__CURSOR` may come after a huge MESSAGE.
 */
export class JsonLineSplitter {
  private held: Buffer[] = [];
  private heldLength = 0;
  private skipping = false;
  /** The skipped line's last bytes (as latin1: a cursor is ASCII), and its cursor once seen. */
  private carry = '';
  private skippedCursor: string | undefined;

  constructor(private readonly maxBytes: number = MAX_ENTRY_BYTES) {}

  /** Bytes kept for the unfinished line (at most `maxBytes`). */
  get heldBytes(): number {
    return this.heldLength;
  }

  push(chunk: Buffer): JournalChunkItem[] {
    const out: JournalChunkItem[] = [];
    let start = 0;
    let nl = chunk.indexOf(0x0a, start);
    while (nl !== -1) {
      this.endLine(chunk.subarray(start, nl), out);
      start = nl + 1;
      nl = chunk.indexOf(0x0a, start);
    }
    this.hold(chunk.subarray(start));
    return out;
  }

  private endLine(tail: Buffer, out: JournalChunkItem[]): void {
    if (!this.skipping && this.heldLength + tail.length > this.maxBytes) this.startSkipping();
    if (this.skipping) {
      this.scan(tail);
      out.push({ kind: 'overlong', cursor: this.skippedCursor });
    } else {
      const bytes = this.heldLength > 0 ? Buffer.concat([...this.held, tail]) : tail;
      const text = bytes.toString('utf8');
      if (text.trim() !== '') out.push({ kind: 'json', text });
    }
    this.held = [];
    this.heldLength = 0;
    this.skipping = false;
    this.carry = '';
    this.skippedCursor = undefined;
  }

  private hold(rest: Buffer): void {
    if (rest.length === 0) return;
    if (!this.skipping && this.heldLength + rest.length > this.maxBytes) this.startSkipping();
    if (this.skipping) {
      this.scan(rest);
      return;
    }
    this.held.push(Buffer.from(rest)); // the stream may reuse its chunk's memory
    this.heldLength += rest.length;
  }

  /** Gives up keeping the line: what was held is scanned for the cursor and let go. */
  private startSkipping(): void {
    this.skipping = true;
    for (const part of this.held) this.scan(part);
    this.held = [];
    this.heldLength = 0;
  }

  private scan(bytes: Buffer): void {
    if (this.skippedCursor !== undefined || bytes.length === 0) return;
    const text = this.carry + bytes.toString('latin1');
    const m = /"__CURSOR"\s*:\s*"([^"\\]*)"/.exec(text);
    if (m) this.skippedCursor = m[1];
    else this.carry = text.slice(-CURSOR_CARRY);
  }
}

/** What one journal entry gives a jail. */
export interface JournalLine {
  cursor: string | undefined;
  /** The entry in syslog form, or null when it has no MESSAGE. */
  line: string | null;
  /**
   * The line was longer than MAX_LINE_LENGTH and is skipped (`line` is null): cut at a length an
   * attacker can choose, it could end with an address the attacker wrote (see LineSplitter).
   */
  truncated: boolean;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const LOCAL_HOST = hostname();

/**
 * Turns one line of `journalctl -o json` into the line a syslog daemon would have written:
 * `Mmm dd HH:MM:SS host ident[pid]: message`, dated by the entry's `__REALTIME_TIMESTAMP` in local
 * time, so a filter written for auth.log matches it and dates it from the journal, not from when
 * it was read. Returns null for text that is not a JSON object.
 */
export function journalLine(json: string): JournalLine | null {
  let entry: unknown;
  try {
    entry = JSON.parse(json);
  } catch {
    return null;
  }
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) return null;
  const fields = entry as Record<string, unknown>;
  const cursor = typeof fields.__CURSOR === 'string' ? fields.__CURSOR : undefined;
  const message = decodeField(fields.MESSAGE);
  if (message === undefined) return { cursor, line: null, truncated: false };
  const ident = decodeField(fields.SYSLOG_IDENTIFIER) ?? decodeField(fields._COMM) ?? 'unknown';
  const pid = decodeField(fields.SYSLOG_PID) ?? decodeField(fields._PID);
  const host = decodeField(fields._HOSTNAME) ?? LOCAL_HOST;
  const time = syslogTime(realtimeMs(fields.__REALTIME_TIMESTAMP) ?? Date.now());
  const tag = pid === undefined ? escapeControl(ident) : `${escapeControl(ident)}[${escapeControl(pid)}]`;
  const text = `${time} ${escapeControl(host)} ${tag}: ${escapeControl(message.replace(/\r?\n$/, ''))}`;
  if (text.length <= MAX_LINE_LENGTH) return { cursor, line: text, truncated: false };
  return { cursor, line: null, truncated: true };
}

/**
 * A field's value as journalctl prints it in JSON: a string; an array of bytes when the value is
 * not printable UTF-8 (decoded here with U+FFFD for invalid sequences, as file lines are); an
 * array of such values when the entry has the field more than once (the first is taken); null when
 * too large to print without `--all`.
 */
export function decodeField(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (!Array.isArray(value) || value.length === 0) return undefined;
  if (value.every((b) => typeof b === 'number' && Number.isInteger(b) && b >= 0 && b <= 255)) {
    return Buffer.from(value as number[]).toString('utf8');
  }
  return decodeField(value[0]);
}

function realtimeMs(value: unknown): number | undefined {
  const micros = typeof value === 'string' ? Number(value) : typeof value === 'number' ? value : NaN;
  return Number.isFinite(micros) && micros > 0 ? Math.floor(micros / 1000) : undefined;
}

/** `Mmm dd HH:MM:SS` in local time, the day padded with a space, as classic syslog writes it. */
export function syslogTime(ms: number): string {
  const d = new Date(ms);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${MONTHS[d.getMonth()]} ${String(d.getDate()).padStart(2, ' ')} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

/**
 * Control characters as rsyslog writes them (`#012` for a newline), so a message spanning lines
 * stays one line and looks as it would in auth.log; tabs are kept.
 */
function escapeControl(text: string): string {
  return text.replace(/[\x00-\x08\x0a-\x1f\x7f]/g, (c) => `#${c.charCodeAt(0).toString(8).padStart(3, '0')}`);
}

/**
 * journalctl match arguments from fail2ban-style `journalmatch` entries. In one entry, a `+` word
 * separates OR-groups and blanks separate the AND-ed `FIELD=value` terms of a group (a value may
 * be quoted to hold blanks); separate entries are OR-ed, as fail2ban's `addjournalmatch` does. An
 * absolute path (journalctl's shorthand for `_EXE=` or a device) is passed too. Throws on anything
 * else, so a typo is reported at start instead of becoming an option to journalctl.
 */
export function journalMatchArgs(matches: readonly string[]): string[] {
  const args: string[] = [];
  for (const entry of matches) {
    let group: string[] = [];
    const groups: string[][] = [];
    for (const word of splitWords(entry)) {
      if (word === '+') {
        if (group.length === 0) throw new Error(`journalmatch "${entry}": "+" needs a match on both sides`);
        groups.push(group);
        group = [];
      } else if (/^[A-Z0-9_]+=/.test(word) || word.startsWith('/')) {
        group.push(word);
      } else {
        throw new Error(`journalmatch "${entry}": "${word}" is not FIELD=value (field names are upper case, as in _SYSTEMD_UNIT=ssh.service)`);
      }
    }
    if (group.length === 0) {
      if (groups.length > 0) throw new Error(`journalmatch "${entry}": "+" needs a match on both sides`);
      continue; // an empty entry adds nothing
    }
    groups.push(group);
    for (const g of groups) {
      if (args.length > 0) args.push('+');
      args.push(...g);
    }
  }
  return args;
}

/** Words split at blanks, with '…' or "…" quoting blanks (the quotes are removed). */
function splitWords(text: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: string | null = null;
  for (const c of text) {
    if (quote !== null) {
      if (c === quote) quote = null;
      else word += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (quote !== null) throw new Error(`journalmatch "${text}": unclosed ${quote}`);
  if (inWord) words.push(word);
  return words;
}
