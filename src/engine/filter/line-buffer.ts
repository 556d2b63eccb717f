import RE2 from 're2';

/**
 * The last `maxlines` lines of a multi-line filter (fail2ban's line buffer): each new line, its
 * date cut out, is added, and the failregexes run over the lines joined with `\n`. When one
 * matches, the lines it matched leave the buffer; lines it passed over with `<SKIPLINES>` stay,
 * as they may belong to another failure (another connection's lines in between).
 */
export class LineBuffer {
  private lines: string[] = [];

  constructor(private readonly size: number) {}

  /** Adds a line and returns the buffer's text. */
  push(line: string): string {
    this.lines.push(line);
    if (this.lines.length > this.size) this.lines.shift();
    return this.lines.join('\n');
  }

  /**
   * Drops the lines a match covered: those overlapping `[start, end)` of the joined text, except
   * the ones wholly inside a skipped span.
   */
  consume(span: MatchSpan): void {
    let offset = 0;
    const kept: string[] = [];
    for (const line of this.lines) {
      const from = offset;
      const to = offset + line.length;
      offset = to + 1;
      const overlaps = from < span.end && to >= span.start;
      const skipped = span.skips.some(([s, e]) => from >= s && to < e);
      if (!overlaps || skipped) kept.push(line);
    }
    this.lines = kept;
  }
}

/** Where a match lies in the joined text, and the spans `<SKIPLINES>` passed over. */
export interface MatchSpan {
  start: number;
  end: number;
  skips: [number, number][];
}

const withIndices = new Map<string, RE2>();

/** The span of a pattern's match (RE2 with indices; only run for lines that matched). */
export function matchSpan(source: string, groups: (string | null)[], text: string): MatchSpan | null {
  let re = withIndices.get(source);
  if (!re) {
    re = new RE2(source, 'd');
    withIndices.set(source, re);
  }
  const m = re.exec(text) as (RegExpExecArray & { indices?: ([number, number] | undefined)[] }) | null;
  if (!m || !m.indices) return null;
  const skips: [number, number][] = [];
  groups.forEach((name, i) => {
    const at = m.indices![i + 1];
    if (name !== null && name.startsWith('skiplines') && at) skips.push(at);
  });
  return { start: m.index, end: m.index + m[0].length, skips };
}
