import { checkAddress } from '../net/index.js';
import type { BanRecord } from '../engine/types.js';

/** One fleet stream entry: a ban or the end of one, as a node published it. */
export type FleetEntry =
  | { kind: 'ban'; node: string; ip: string; jail: string; expiresAt: number | null; reason: string; failures: number }
  | { kind: 'unban'; node: string; ip: string; jail: string; reason: string };

/** Longest reason text carried (the last matched line): the stream is no log archive. */
const MAX_REASON = 500;

/** The XADD fields of a ban made here. */
export function banFields(node: string, ban: BanRecord): string[] {
  const reason = (ban.reason[ban.reason.length - 1] ?? '').slice(0, MAX_REASON);
  return [
    'kind', 'ban', 'node', node, 'ip', ban.ip, 'jail', ban.jail,
    'expires', ban.expiresAt === null ? 'permanent' : String(ban.expiresAt),
    'reason', reason, 'failures', String(ban.jail === 'manual' ? 0 : ban.reason.length),
  ];
}

/** The XADD fields of a ban lifted here. */
export function unbanFields(node: string, ip: string, jail: string, reason: string): string[] {
  return ['kind', 'unban', 'node', node, 'ip', ip, 'jail', jail, 'reason', reason];
}

/**
 * Reads an entry from the stream's field list; throws naming the field at fault. Anyone who can
 * write to the stream can send anything, so every field is checked (the address by ipaddr.js).
 */
export function parseEntry(flat: readonly string[]): FleetEntry {
  const f = new Map<string, string>();
  for (let i = 0; i + 1 < flat.length; i += 2) f.set(flat[i]!, flat[i + 1]!);
  const need = (name: string): string => {
    const value = f.get(name);
    if (value === undefined || value === '') throw new Error(`field "${name}" is missing`);
    return value;
  };
  const node = need('node');
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(node)) throw new Error(`field "node" is not a node name: ${JSON.stringify(node.slice(0, 80))}`);
  const jail = need('jail');
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(jail)) throw new Error(`field "jail" is not a jail name: ${JSON.stringify(jail.slice(0, 80))}`);
  const ip = checkAddress(need('ip')).text;
  const reason = (f.get('reason') ?? '').slice(0, MAX_REASON);
  const kind = need('kind');
  if (kind === 'unban') return { kind, node, ip, jail, reason };
  if (kind !== 'ban') throw new Error(`field "kind" is neither "ban" nor "unban": ${JSON.stringify(kind.slice(0, 80))}`);
  const expires = need('expires');
  const expiresAt = expires === 'permanent' ? null : Number(expires);
  if (expiresAt !== null && !Number.isSafeInteger(expiresAt)) throw new Error(`field "expires" is not a time: ${JSON.stringify(expires.slice(0, 80))}`);
  const failures = Number(f.get('failures') ?? '0');
  return { kind, node, ip, jail, expiresAt, reason, failures: Number.isSafeInteger(failures) ? failures : 0 };
}

/** The time (epoch ms) in a stream entry id `<ms>-<seq>`. */
export function idTime(id: string): number {
  return Number(id.slice(0, id.indexOf('-')));
}
