import { PERMANENT } from '../domain/index.js';
import type { EscalationSettings } from '../config/schema.js';

/**
 * Recidive, built in: an address banned RECIDIVE_BANS times before, in any jails, within
 * RECIDIVE_WINDOW (ms) is banned next for at least RECIDIVE_MIN_BANTIME seconds, whatever its
 * jail says (fail2ban needs a separate jail reading its own log for this). The ban keeps its jail.
 */
export const RECIDIVE_BANS = 3;
/** One day, in ms. */
export const RECIDIVE_WINDOW = 24 * 3600 * 1000;
/** One week, in seconds. */
export const RECIDIVE_MIN_BANTIME = 7 * 24 * 3600;

/** What banDuration needs: the jail's (or the global) bantime and the escalation table. */
export interface BanDurationSettings {
  /** Seconds, or -1 for permanent. */
  bantime: number;
  escalation: EscalationSettings;
}

/**
 * How long the next ban of an address lasts, in seconds (-1: permanent), given how many times it
 * was banned before (within the history window, in the scope the caller chose).
 *
 * With n = previousBans + 1 (the ban about to be made):
 * - a permanent `bantime` stays permanent, and with escalation off every ban lasts `bantime`;
 * - `permanent_after: N` means "after N bans, the next one is permanent": the (N+1)-th ban and
 *   every later one are permanent (previousBans >= N);
 * - otherwise the n-th ban lasts `bantime × multipliers[n-1]` (the last multiplier repeats), or
 *   `bantime × factor^(n-1)` without multipliers;
 * - an escalated ban is capped at `maxtime`, but the cap never cuts below `bantime` itself: a jail
 *   configured with a 30-day bantime keeps it even though the default maxtime is a week.
 *
 * The result is whole seconds (at least 1). Nothing here evaluates config text: the formula is fixed.
 */
export function banDuration(settings: BanDurationSettings, previousBans: number): number {
  const { bantime, escalation } = settings;
  if (bantime < 0) return PERMANENT;
  if (!escalation.enabled) return bantime;
  // A negative or fractional count can only come from a caller's bug; read it as "so many bans".
  const previous = Number.isFinite(previousBans) ? Math.max(0, Math.floor(previousBans)) : 0;
  if (escalation.permanent_after !== undefined && previous >= escalation.permanent_after) return PERMANENT;
  const multipliers = escalation.multipliers;
  const multiplier = multipliers && multipliers.length > 0
    ? multipliers[Math.min(previous, multipliers.length - 1)]!
    : escalation.factor ** previous;
  // factor ** previous may overflow to Infinity after many bans; the cap brings it back.
  const cap = Math.max(escalation.maxtime, bantime);
  // At least a second: a multiplier below 1 must not round a ban down to nothing.
  return Math.max(1, Math.round(Math.min(bantime * multiplier, cap)));
}

/** When a ban of `seconds` (-1: permanent, null) made at `now` (epoch ms) ends. */
export function banEnd(now: number, seconds: number): number | null {
  return seconds < 0 ? null : now + seconds * 1000;
}

/** Whether end time `a` is later than `b`; null (permanent) is the latest of all. */
export function endsLater(a: number | null, b: number | null): boolean {
  return b !== null && (a === null || a > b);
}

/** A ban's duration (seconds, -1 permanent) after the recidive rule, given the bans of the last day. */
export function withRecidive(seconds: number, bansInWindow: number): number {
  if (seconds < 0 || bansInWindow < RECIDIVE_BANS) return seconds;
  return Math.max(seconds, RECIDIVE_MIN_BANTIME);
}
