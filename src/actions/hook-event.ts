import type { BanRecord } from '../engine/types.js';

/** What a hook is told about a ban or an unban. Values come from log text: never for a shell. */
export interface HookEvent {
  event: 'ban' | 'unban';
  ip: string;
  jail: string;
  /** Seconds the ban lasts; -1 for a permanent one. */
  bantime: number;
  /** Failures that led to it (the matched lines kept with the ban). */
  failures: number;
  /** When the ban ends (ISO 8601), or null for a permanent one. */
  expiry: string | null;
}

/** The hook view of a ban record. */
export function hookEventOf(event: 'ban' | 'unban', record: BanRecord): HookEvent {
  return {
    event,
    ip: record.ip,
    jail: record.jail,
    bantime: record.expiresAt === null ? -1 : Math.round((record.expiresAt - record.bannedAt) / 1000),
    failures: record.reason.length,
    expiry: record.expiresAt === null ? null : new Date(record.expiresAt).toISOString(),
  };
}

/**
 * Fills `<ip>`, `<jail>`, `<bantime>`, `<failures>` into each argument. Each result stays one
 * argument whatever the value holds: nothing is split, quoted or read by a shell.
 */
export function fillTemplate(template: readonly string[], event: HookEvent): string[] {
  const values: Record<string, string> = {
    '<ip>': event.ip,
    '<jail>': event.jail,
    '<bantime>': String(event.bantime),
    '<failures>': String(event.failures),
  };
  return template.map((arg) => arg.replace(/<ip>|<jail>|<bantime>|<failures>/g, (tag) => values[tag]!));
}
