import { Box, Text } from 'ink';
import { tone } from '../../theme.js';

/**
 * The difference between the live rules and the draft, line by line (`+` added, `-` removed),
 * drawing the `height` lines from `top`.
 */
export function DiffView({ title, lines, top, height }: { title: string; lines: readonly string[]; top: number; height: number }) {
  const changed = lines.some((l) => l.startsWith('+') || l.startsWith('-'));
  const rows = Math.max(1, height - 2);
  return (
    <Box flexDirection="column" height={height}>
      <Text bold color={tone('draft')} wrap="truncate-end">
        {title}
        <Text color={tone('muted')}>
          {lines.length > rows ? ` · lines ${top + 1}-${Math.min(lines.length, top + rows)} of ${lines.length}` : ''} · Esc goes back
        </Text>
      </Text>
      <Text color={changed ? tone('warn') : tone('muted')} wrap="truncate-end">
        {changed ? '+ added, - removed (a rule that changed shows as both)' : 'no difference: the draft is what is live'}
      </Text>
      {lines.slice(top, top + rows).map((line, i) => (
        <Text key={top + i} wrap="truncate-end" color={line.startsWith('+') ? tone('good') : line.startsWith('-') ? tone('bad') : tone('muted')}>
          {line}
        </Text>
      ))}
    </Box>
  );
}
