/** The first wait before trying again, and the longest, in ms: it doubles in between. */
const RETRY_FIRST_MS = 250;
const RETRY_MAX_MS = 4000;

/**
 * Calls `attempt` after a wait that doubles from {@link RETRY_FIRST_MS} up to
 * {@link RETRY_MAX_MS}, until it resolves true; `onWait(n)` is told before the n-th wait.
 * Returns a function that stops trying.
 */
export function retryWithBackoff(attempt: () => Promise<boolean>, onWait: (attempt: number) => void): () => void {
  let timer: NodeJS.Timeout | null = null;
  let stopped = false;
  const next = (waitMs: number, n: number): void => {
    onWait(n);
    timer = setTimeout(() => {
      timer = null;
      void attempt().then(
        (done) => {
          if (!done && !stopped) next(Math.min(RETRY_MAX_MS, waitMs * 2), n + 1);
        },
        () => {
          if (!stopped) next(Math.min(RETRY_MAX_MS, waitMs * 2), n + 1);
        },
      );
    }, waitMs);
    timer.unref();
  };
  next(RETRY_FIRST_MS, 1);
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
  };
}
