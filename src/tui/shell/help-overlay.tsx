import { Box, Text } from 'ink';
import { useUiState } from '../contexts.js';
import { keyLabel, type KeyBinding } from '../keymap.js';
import { tone } from '../theme.js';
import { COMMAND_USAGE } from './command-parser.js';
import { GLOBAL_KEYS } from './global-keys.js';
import { PANE_TITLES } from './pane-titles.js';

function KeyTable({ title, keys }: { title: string; keys: readonly KeyBinding[] }) {
  return (
    <Box flexDirection="column" marginRight={2}>
      <Text bold underline>
        {title}
      </Text>
      {keys.map((b, i) => (
        <Text key={`${b.key}-${i}`} wrap="truncate-end">
          <Text bold color={b.dangerous ? tone('bad') : tone('accent')}>
            {keyLabel(b.key).padEnd(10)}
          </Text>
          {b.description}
          {b.dangerous ? <Text color={tone('bad')}> (asks first)</Text> : null}
        </Text>
      ))}
    </Box>
  );
}

/** `?`: every key of the active pane and of the shell, from the same tables as the hint bar. */
export function HelpOverlay({ height }: { height: number }) {
  const ui = useUiState();
  return (
    <Box flexDirection="column" height={height} overflow="hidden">
      <Box flexWrap="wrap">
        <KeyTable title={`${PANE_TITLES[ui.pane]} pane`} keys={ui.paneKeys} />
        <KeyTable title="Everywhere" keys={GLOBAL_KEYS} />
      </Box>
      <Text bold underline>
        : commands
      </Text>
      <Text wrap="wrap" color={tone('muted')}>
        {COMMAND_USAGE.join('  ·  ')}
      </Text>
      <Text color={tone('muted')}>Esc or ? closes this help.{ui.readOnly ? ' Read-only: keys that change anything are hidden.' : ''}</Text>
    </Box>
  );
}
