/**
 * Runs async jobs one at a time, in call order: a job starts once every job handed in before it
 * has finished, failed or not. For holders of kernel objects that a second job would otherwise
 * change half-way (two refreshes filling and swapping the same temporary set).
 */
export class ExclusiveQueue {
  private tail: Promise<unknown> = Promise.resolve();

  /** Runs `job` after the jobs before it; resolves or rejects with its own outcome. */
  run<T>(job: () => Promise<T>): Promise<T> {
    const result = this.tail.then(job);
    this.tail = result.catch(() => undefined);
    return result;
  }
}
