import type { RuleApplier } from '../firewall/rule-applier.js';

/** How a wait for a pending apply's deadline ended. */
export type RollbackOutcome = 'rolled-back' | 'settled' | 'stopped';

/**
 * The one rollback countdown: waits for the pending apply's deadline, then restores the previous
 * rules unless it was confirmed or rolled back meanwhile (checked at least every second, as
 * another process may settle it). The daemon runs it in-process; a command that applied rules
 * with no daemon running hands it to a detached process (`firewall rollback --when-due`).
 */
export async function waitForRollback(applier: RuleApplier, stop?: AbortSignal): Promise<RollbackOutcome> {
  for (let pending = applier.pending(); pending; pending = applier.pending()) {
    if (stop?.aborted) return 'stopped';
    const wait = pending.deadline - Date.now();
    if (wait <= 0) return (await applier.recover()) === 'rolled-back' ? 'rolled-back' : 'settled';
    await sleep(Math.min(wait, 1000), stop);
  }
  return stop?.aborted ? 'stopped' : 'settled';
}

function sleep(ms: number, stop?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      stop?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    timer.unref();
    stop?.addEventListener('abort', done, { once: true });
  });
}
