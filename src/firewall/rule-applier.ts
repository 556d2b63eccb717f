import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../domain/atomic-write.js';
import { EMPTY_RULES } from '../domain/index.js';
import type { FirewallBackend, RuleSet } from './types.js';

/** An applied rule set waiting for `confirm`, as stored on disk. */
export interface PendingApply {
  /** What was live before, restored on rollback. */
  previous: RuleSet;
  applied: RuleSet;
  /** Epoch ms after which it is rolled back. */
  deadline: number;
}

/** Why an apply, confirm or rollback was refused. */
export class ApplyRefused extends Error {}

/**
 * Apply, confirm, roll back (the panel's 60-second safety net). The pending apply is written to
 * the state folder before the kernel is touched, so whoever starts next (daemon, console or the
 * rollback watcher) finds it and restores the previous rules if no one confirmed them in time.
 */
export class RuleApplier {
  private readonly pendingFile: string;
  private readonly currentFile: string;

  constructor(
    private readonly backend: FirewallBackend,
    stateDir: string,
    private readonly now: () => number = Date.now,
  ) {
    mkdirSync(stateDir, { recursive: true });
    this.pendingFile = join(stateDir, 'firewall-pending.json');
    this.currentFile = join(stateDir, 'firewall-rules.json');
  }

  /** The confirmed rule set, or the empty one before anything was applied. */
  current(): RuleSet {
    return readJson<RuleSet>(this.currentFile) ?? EMPTY_RULES;
  }

  /** The apply waiting for confirmation, if any. */
  pending(): PendingApply | null {
    return readJson<PendingApply>(this.pendingFile);
  }

  /** Makes `draft` live and starts the countdown; refused while another apply is pending. */
  async apply(draft: RuleSet, timeoutSeconds: number): Promise<PendingApply> {
    const waiting = this.pending();
    if (waiting) {
      const left = Math.max(0, Math.ceil((waiting.deadline - this.now()) / 1000));
      throw new ApplyRefused(`another apply is waiting for confirmation (${left} s left): confirm or roll it back first`);
    }
    const pending: PendingApply = { previous: this.current(), applied: draft, deadline: this.now() + timeoutSeconds * 1000 };
    writeJson(this.pendingFile, pending);
    try {
      await this.backend.applyRules(draft);
    } catch (err) {
      // Part of it may be live (iptables and ip6tables are two transactions): put the previous
      // rules back now. If that fails too, the pending file stays and the next start does it.
      await this.backend.applyRules(pending.previous);
      rmSync(this.pendingFile, { force: true });
      throw err;
    }
    return pending;
  }

  /** Keeps the applied rules for good. */
  async confirm(): Promise<RuleSet> {
    const pending = this.pending();
    if (!pending) throw new ApplyRefused('nothing to confirm: no apply is waiting');
    writeJson(this.currentFile, pending.applied);
    rmSync(this.pendingFile, { force: true });
    return pending.applied;
  }

  /** Restores the rules that were live before the pending apply. */
  async rollback(): Promise<RuleSet> {
    const pending = this.pending();
    if (!pending) throw new ApplyRefused('nothing to roll back: no apply is waiting');
    await this.backend.applyRules(pending.previous);
    rmSync(this.pendingFile, { force: true });
    return pending.previous;
  }

  /**
   * At start, or when a timer fires: rolls back a pending apply whose deadline has passed, or
   * any pending apply when `always` (a crashed process left it and no timer runs any more).
   */
  async recover(always = false): Promise<'rolled-back' | 'waiting' | 'none'> {
    const pending = this.pending();
    if (!pending) return 'none';
    if (!always && this.now() < pending.deadline) return 'waiting';
    await this.rollback();
    return 'rolled-back';
  }
}

function readJson<T>(file: string): T | null {
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as T) : null;
}

function writeJson(file: string, value: unknown): void {
  writeFileAtomic(file, JSON.stringify(value, null, 2));
}
