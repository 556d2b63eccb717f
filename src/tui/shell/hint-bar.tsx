import { Box, Text } from 'ink';
import { useUiState } from '../contexts.js';
import { keyLabel, type KeyBinding } from '../keymap.js';
import { tone } from '../theme.js';
import { GLOBAL_KEYS } from './global-keys.js';

/** One line of `key description` pairs: the active pane's first, then the shell's. */
export function HintBar() {
  const ui = useUiState();
  const keys: KeyBinding[] = ui.capture
    ? [...ui.paneKeys]
    : [...ui.paneKeys, ...GLOBAL_KEYS].filter((b) => !b.helpOnly);
  return (
    <Box width={ui.size.columns}>
      <Text wrap="truncate-end">
        {keys.map((b, i) => (
          <Text key={`${b.key}-${i}`}>
            <Text bold color={b.dangerous ? tone('bad') : tone('accent')}>
              {keyLabel(b.key)}
            </Text>
            <Text color={tone('muted')}> {b.description}  </Text>
          </Text>
        ))}
      </Text>
    </Box>
  );
}
