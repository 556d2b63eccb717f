import type { FirewallResult } from '../../../control/protocol-results.js';
import type { PendingApply } from '../../../firewall/rule-applier.js';
import type { RuleSet } from '../../../firewall/types.js';
import type { Tone } from '../../theme.js';
import { sameRuleSet } from './rule-form.js';

/** What `firewall show` says, as the pane uses it. */
export interface FirewallSnapshot {
  backend: string;
  /** The confirmed rule set. */
  current: RuleSet;
  /** The saved draft (the config's `[firewall]` rules). */
  draft: RuleSet;
  /** An apply waiting for confirmation: the kernel has `applied` until it is confirmed or rolled back. */
  pending: PendingApply | null;
}

/** The apply the pane is watching, to tell what became of it when it is no longer pending. */
export interface WatchedApply {
  applied: RuleSet;
  deadline: number;
}

/** A line about how the last apply ended. */
export interface ApplyOutcome {
  text: string;
  tone: Tone;
}

/** The snapshot in a `firewall show` result. */
export function snapshotFromShow(result: FirewallResult): FirewallSnapshot {
  if (result.action !== 'show') throw new Error(`firewall show answered a ${result.action}`);
  const { backend, current, draft, pending } = result.data;
  return { backend, current, draft, pending };
}

/** The rules in the kernel now: the pending apply's while it waits, else the confirmed ones. */
export function liveRules(snapshot: FirewallSnapshot): RuleSet {
  return snapshot.pending?.applied ?? snapshot.current;
}

/** Lines added and removed between two rule sets' diff (`diffRuleSets` output). */
export function diffCounts(lines: readonly string[]): { added: number; removed: number } {
  return {
    added: lines.filter((l) => l.startsWith('+ ') && !l.startsWith('+ default policy')).length,
    removed: lines.filter((l) => l.startsWith('- ') && !l.startsWith('- default policy')).length,
  };
}

export const CONFIRMED: ApplyOutcome = { text: 'Confirmed: the applied rules stay', tone: 'good' };
export const ROLLED_BACK: ApplyOutcome = { text: 'Rolled back: the previous rules are live again', tone: 'warn' };
export const TIMED_OUT: ApplyOutcome = { text: 'Not confirmed in time: the previous rules came back', tone: 'bad' };

/**
 * What became of a watched apply that is no longer pending: confirmed when the confirmed rules
 * are the applied ones, otherwise rolled back (by the timer when the deadline has passed).
 */
export function outcomeOf(watched: WatchedApply, snapshot: FirewallSnapshot, now: number): ApplyOutcome {
  if (sameRuleSet(snapshot.current, watched.applied)) return CONFIRMED;
  return now >= watched.deadline - 250 ? TIMED_OUT : ROLLED_BACK;
}

