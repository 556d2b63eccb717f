import { formatDuration, padEndWidth, printable, SUBNET_JAIL, TRUSTED_ORIGIN_LABELS } from '../domain/index.js';
import type { TrustedRange } from '../engine/trusted.js';
import type { BanListing } from '../engine/types.js';
import { PackedBanCursor, type BanColumns } from '../control/index.js';
import { ByteOut, IsoBytes } from './json-bytes.js';
import { isoOrNumber, jsonString } from './json-text.js';

/** The `--json` form of a ban. */
export function banJson(b: BanListing): { ip: string; jail: string; bannedAt: string; expiresAt: string | null; count: number; origin?: string; reason?: string[] } {
  return {
    ip: b.ip,
    jail: b.jail,
    bannedAt: isoOrNumber(b.bannedAt),
    expiresAt: b.expiresAt === null ? null : isoOrNumber(b.expiresAt),
    count: b.count,
    // A ban another fleet node sent names that node.
    ...(b.origin !== undefined ? { origin: b.origin } : {}),
    // A subnet ban says why ("subnet 203.0.113.0/24: 5 addresses banned within 1h") and its members.
    ...(b.jail === SUBNET_JAIL ? { reason: b.reason } : {}),
  };
}

/**
 * One column of a text table: made printable (the store and the daemon are trusted, but what
 * they hold came partly from log files) and padded to `width` terminal columns, so a
 * double-width name does not push the next column out of line. Never cut: a script reading the
 * output must get whole values.
 */
export function column(text: string, width: number): string {
  return padEndWidth(printable(text), width);
}

/**
 * `bans --json` written a part of the packed list (`ban-columns`) at a time: the text `formatBans`
 * writes, as bytes straight into buffers handed to `write` as they fill, so a million bans are
 * printed without an object or a string each (as text, a string a ban and two a time, a quarter
 * of the client's time went to collecting them).
 */
export class BansJsonText {
  private readonly out: ByteOut;
  private readonly bannedAt = new IsoBytes();
  private readonly expiresAt = new IsoBytes();
  private started = false;

  constructor(write: (chunk: Buffer) => void) {
    this.out = new ByteOut(write);
  }

  /** One part: '[' before the first ban, ',' between bans. */
  part(columns: BanColumns): void {
    const out = this.out;
    const jails = columns.names.map((name) => Buffer.from(`,"jail":${jsonString(name)},"bannedAt":`));
    // The addresses as bytes, copied from here when they are ASCII (they always are but for odd text).
    const ips = columns.ips;
    const ipBytes = Buffer.byteLength(ips) === ips.length ? Buffer.from(ips, 'latin1') : null;
    const ban = new PackedBanCursor(columns);
    while (ban.next()) {
      const jail = jails[ban.jail]!;
      out.need(ROOM + jail.length);
      out.byte(this.started ? COMMA : OPEN);
      this.started = true;
      out.bytes(IP);
      if (ipBytes === null || ban.ipEnd - ban.ipStart > LONGEST_IP || !out.plainString(ipBytes, ban.ipStart, ban.ipEnd)) {
        out.text(JSON.stringify(ips.slice(ban.ipStart, ban.ipEnd)));
        out.need(ROOM + jail.length);
      }
      out.bytes(jail);
      this.bannedAt.write(out, ban.bannedAt);
      out.bytes(EXPIRES_AT);
      if (ban.expiresAt === null) out.bytes(NULL);
      else this.expiresAt.write(out, ban.expiresAt);
      out.bytes(COUNT);
      out.number(ban.count);
      if (ban.origin) out.text(`,"origin":${JSON.stringify(columns.names[ban.origin - 1]!)}`);
      if (ban.reason && columns.names[ban.jail] === SUBNET_JAIL) out.text(`,"reason":${JSON.stringify(ban.reason)}`);
      out.need(1);
      out.byte(CLOSE);
    }
  }

  /** The end of the array (all of it, for no bans); everything written is handed on. */
  end(): void {
    this.out.text(this.started ? ']\n' : '[]\n');
    this.out.flush();
  }
}

/** Room for a ban's fields but its jail and extras: two times, a count, an address up to `LONGEST_IP`. */
const ROOM = 256;
const LONGEST_IP = 64;
const IP = Buffer.from('{"ip":');
const EXPIRES_AT = Buffer.from(',"expiresAt":');
const COUNT = Buffer.from(',"count":');
const NULL = Buffer.from('null');
const OPEN = 0x5b;
const COMMA = 0x2c;
const CLOSE = 0x7d;

/** `bans` output, the same whether the daemon or the store answered. */
export function formatBans(bans: BanListing[], json: boolean, now = Date.now()): string {
  if (json) return `${JSON.stringify(bans.map(banJson))}\n`;
  if (bans.length === 0) return 'no bans\n';
  return bans.map((b) => {
    const left = b.expiresAt === null ? 'permanent' : `${formatDuration(Math.max(1, Math.round((b.expiresAt - now) / 1000)))} left`;
    return `${column(b.ip, 39)} ${column(b.jail, 16)} ${localTime(b.bannedAt)}  ${left.padEnd(14)} ban #${b.count}\n`;
  }).join('');
}

/** `trust list` output. */
export function formatTrusted(ranges: TrustedRange[], json: boolean): string {
  if (json) return `${JSON.stringify(ranges)}\n`;
  return ranges.map((t) => `${column(t.range, 43)} ${column(TRUSTED_ORIGIN_LABELS[t.origin], 17)}${t.note ? ` ${printable(t.note)}` : ''}`.trimEnd() + '\n').join('');
}

/** Local time to the second, as a person reads it in a table: 2026-12-05 14:03:07 (the JSON keeps ISO UTC). */
export function localTime(ms: number): string {
  const d = new Date(ms);
  if (Number.isNaN(d.getTime())) return String(ms);
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}
