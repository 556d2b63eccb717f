import { Box, Text } from 'ink';
import { useUiState } from '../contexts.js';
import { keyLabel, type KeyBinding } from '../keymap.js';
import { tone } from '../theme.js';
import { COMMAND_USAGE } from './command-parser.js';
import { GLOBAL_KEYS } from './global-keys.js';
import { PANE_TITLES } from './pane-titles.js';

/** One line of the help: a section title, or a key and what it does. */
type HelpLine = { title: string } | { binding: KeyBinding };

/**
 * `?`: every key of the active pane and of the shell, from the same tables as the hint bar,
 * then the `:` commands. Laid out in as many columns as the height needs, cut rather than wrapped.
 */
export function HelpOverlay({ height }: { height: number }) {
  const ui = useUiState();
  const lines: HelpLine[] = [
    { title: `${PANE_TITLES[ui.pane]} pane` },
    ...ui.paneKeys.map((binding) => ({ binding })),
    { title: 'Everywhere' },
    ...GLOBAL_KEYS.map((binding) => ({ binding })),
  ];
  const footer = 2;
  const rows = Math.max(1, height - footer);
  const columns = Math.ceil(lines.length / rows);
  const width = Math.floor(ui.size.columns / Math.max(1, columns));
  return (
    <Box flexDirection="column" height={height} overflow="hidden">
      <Box>
        {Array.from({ length: columns }, (_, c) => (
          <Box key={c} flexDirection="column" width={width}>
            {lines.slice(c * rows, (c + 1) * rows).map((line, i) =>
              'title' in line ? (
                <Text key={i} bold underline wrap="truncate-end">
                  {line.title}
                </Text>
              ) : (
                <Text key={i} wrap="truncate-end">
                  <Text bold color={line.binding.dangerous ? tone('bad') : tone('accent')}>
                    {keyLabel(line.binding.key).padEnd(10)}
                  </Text>
                  {line.binding.description}
                  {line.binding.dangerous ? <Text color={tone('bad')}> (asks first)</Text> : null}
                </Text>
              ),
            )}
          </Box>
        ))}
      </Box>
      <Text wrap="truncate-end" color={tone('muted')}>
        : {COMMAND_USAGE.join(' · ')}
      </Text>
      <Text wrap="truncate-end" color={tone('muted')}>
        Esc or ? closes this help.{ui.readOnly ? ' Read-only: keys that change anything are hidden.' : ''}
      </Text>
    </Box>
  );
}
