/** Resolves after `ms`. */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `done` (a check or an async probe) every `everyMs` until it holds; throws naming `what` after `ms`. */
export async function waitFor(done: () => boolean | Promise<boolean>, what: string, ms = 8000, everyMs = 5): Promise<void> {
  const until = Date.now() + ms;
  while (!(await done())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}


/** Polls a probe until it gives `want` (every 100 ms, for up to `ms`); false if it never does. */
export async function settles(probe: () => boolean, want: boolean, ms = 10_000): Promise<boolean> {
  const until = Date.now() + ms;
  while (probe() !== want) {
    if (Date.now() > until) return false;
    await sleep(100);
  }
  return true;
}
