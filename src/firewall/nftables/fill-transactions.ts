import { setImmediate as nextTurn } from 'node:timers/promises';

/** Statements made between two turns of the event loop, so the running nft gets its input meanwhile. */
const STATEMENTS_PER_TURN = 5;

/**
 * Runs a script as several transactions of `statementsEach` statements, one after the other, the
 * next one made while nft works on the one before: nft reads a whole script before it parses
 * any, so one transaction of a million elements keeps everything waiting for the end of the
 * input and then for nft. Only for sets known to be empty (after a reboot): each transaction
 * commits on its own, so the sets fill as the script is made, and a failure part-way leaves
 * what the earlier ones put in. Returns how many transactions ran.
 */
export async function runInTransactions(
  lines: Iterator<string>,
  statementsEach: number,
  run: (script: string[]) => Promise<void>,
): Promise<number> {
  let running: Promise<void> = Promise.resolve();
  let transactions = 0;
  let script: string[] = [];
  const start = async (): Promise<void> => {
    await running;
    running = run(script);
    // Rejections are awaited later, not lost while the next script is made.
    running.catch(() => undefined);
    script = [];
    transactions++;
  };
  try {
    for (let next = lines.next(); !next.done; next = lines.next()) {
      script.push(next.value);
      if (script.length === statementsEach) await start();
      else if (script.length % STATEMENTS_PER_TURN === 0) await nextTurn();
    }
    if (script.length > 0) await start();
  } catch (err) {
    // A bad entry part-way still waits for the transaction already running.
    await running.catch(() => undefined);
    throw err;
  }
  await running;
  return transactions;
}
