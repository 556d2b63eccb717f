/**
 * A handler's answer in parts (`ban-columns` with `part`): over the socket each part but the last
 * is a line of its own, the next made only once the socket has taken the one before, and the last
 * is the result; in process each but the last goes to the caller's `onPart`. So a million bans are
 * never one answer in memory on either side.
 */
export class AnswerInParts<T> {
  constructor(private readonly parts: Iterable<T>) {}

  /**
   * Hands each part but the last to `each`, in order, waiting for it, and gives the last (null
   * for none). `each` answering false stops it: undefined then.
   */
  async deliver(each: (part: T) => unknown): Promise<T | null | undefined> {
    let previous: { value: T } | null = null;
    for (const part of this.parts) {
      if (previous && (await each(previous.value)) === false) return undefined;
      previous = { value: part };
    }
    return previous ? previous.value : null;
  }
}
