import { Box, Text } from 'ink';
import type { FilterTestLine } from '../../../control/protocol-results.js';
import { fit, printable } from '../../components/format.js';
import { tone, type Tone } from '../../theme.js';
import type { FilterEditor } from './filter-editor.js';

/** Most columns a verdict takes in front of its log line (the line gets the rest). */
const MAX_VERDICT_WIDTH = 34;

/** A line's verdict in a few words: the host and the regex that caught it, or why it did not count. */
export function verdictOf(result: FilterTestLine): { mark: string; text: string; tone: Tone } {
  if (result.matched) {
    const regex = result.regexIndex !== undefined ? ` failregex #${result.regexIndex + 1}` : '';
    return { mark: '✓', text: `${result.host ?? '?'}${regex}`, tone: 'good' };
  }
  if (result.ignored) return { mark: '~', text: result.why ?? 'ignored', tone: 'warn' };
  return { mark: '✗', text: result.why ?? 'no failregex matched', tone: 'bad' };
}

/** The tester's verdicts, one row per line; a compile error instead when the text does not compile. */
export function FilterResults({ editor, compile, height, width }: { editor: FilterEditor; compile: { line: number | null; message: string } | null; height: number; width: number }) {
  if (editor.testError) {
    return (
      <Box height={height} flexDirection="column">
        <Text color={tone('bad')} wrap="wrap">{`the test could not run: ${printable(editor.testError)}`}</Text>
      </Box>
    );
  }
  if (compile) {
    return (
      <Box height={height} flexDirection="column">
        <Text color={tone('bad')} wrap="wrap">{`does not compile: ${printable(compile.message)}`}</Text>
      </Box>
    );
  }
  const results = editor.result?.results ?? [];
  if (results.length === 0) {
    return (
      <Box height={height} flexDirection="column">
        <Text color={tone('muted')} wrap="truncate-end">
          {editor.source === 'samples' ? 'no sample lines yet: p, then paste lines from a log (with their dates)' : editor.result ? 'the log is empty' : 'testing…'}
        </Text>
      </Box>
    );
  }
  // Under the verdicts, the failregexes that matched, as written (one row each, at most two).
  const used = [...new Map(results.filter((r) => r.matched && r.regexIndex !== undefined && r.regex).map((r) => [r.regexIndex!, r.regex!])).entries()]
    .sort((a, b) => a[0] - b[0])
    .slice(0, Math.min(2, Math.max(0, height - 2)));
  const lineRows = height - used.length;
  // The jail's log is read from its end: show the newest lines.
  const shown = editor.source === 'jail' ? results.slice(-lineRows) : results.slice(0, lineRows);
  const hidden = results.length - shown.length;
  const rows = hidden > 0 ? shown.slice(editor.source === 'jail' ? 1 : 0, editor.source === 'jail' ? undefined : -1) : shown;
  const verdicts = rows.map(verdictOf);
  const verdictWidth = Math.min(MAX_VERDICT_WIDTH, Math.floor(width * 0.4), Math.max(...verdicts.map((v) => v.text.length)));
  const lineWidth = Math.max(10, width - verdictWidth - 3);
  return (
    <Box height={height} flexDirection="column">
      {hidden > 0 && editor.source === 'jail' ? <Text color={tone('muted')}>{`… ${hidden + 1} older lines`}</Text> : null}
      {rows.map((result, i) => {
        const verdict = verdicts[i]!;
        return (
          <Text key={i} wrap="truncate-end">
            <Text color={tone(verdict.tone)}>{`${verdict.mark} ${fit(verdict.text, verdictWidth)} `}</Text>
            <Text color={result.matched ? undefined : tone('muted')}>{fit(result.line, lineWidth).trimEnd()}</Text>
          </Text>
        );
      })}
      {hidden > 0 && editor.source === 'samples' ? <Text color={tone('muted')}>{`… ${hidden + 1} more lines`}</Text> : null}
      {used.map(([index, regex]) => (
        <Text key={`regex-${index}`} color={tone('muted')} wrap="truncate-end">
          {`failregex #${index + 1}: ${printable(regex.replace(/\s+/g, ' '))}`}
        </Text>
      ))}
    </Box>
  );
}
