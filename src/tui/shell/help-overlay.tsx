import { Box, Text } from 'ink';
import { useUiState } from '../contexts.js';
import { displayWidth } from '../../domain/display-width.js';
import { findBinding, keysLabel, usableBindings, type KeyBinding } from '../keymap.js';
import { tone } from '../theme.js';
import { COMMAND_USAGE } from './command-parser.js';
import { GLOBAL_KEYS } from './global-keys.js';
import { layoutSections, type HelpSection } from './help-layout.js';
import { PANE_TITLES } from './pane-titles.js';

/** The list movement commands, listed on one line. */
const NAVIGATION = ['up', 'down', 'page-up', 'page-down', 'first', 'last'] as const;

/** Width of the key column. */
const KEY_WIDTH = 11;

/**
 * `?`: every key of the active pane and of the shell, from the same tables as the hint bar, and
 * the `:` commands, each section whole in a column of its own (a long one goes on in the next
 * column under its title); Esc is listed once, by the pane when the pane uses it.
 */
export function HelpOverlay({ height }: { height: number }) {
  const ui = useUiState();
  const paneUsesEsc = ui.paneKeys.some((b) => findBinding([b], 'esc'));
  const global = usableBindings(GLOBAL_KEYS, ui.readOnly).filter((b) => !(paneUsesEsc && b.command === 'back'));
  const line = (b: KeyBinding): string => `${keysLabel(b).padEnd(KEY_WIDTH - 1)} ${b.description}${b.dangerous ? ' (asks first)' : ''}`;
  // The six list movements take one line.
  const moves = ui.paneKeys.filter((b) => (NAVIGATION as readonly string[]).includes(b.command));
  const paneLines = [
    ...(moves.length ? [`${moves.map(keysLabel).join(' ')}  move`] : []),
    ...ui.paneKeys.filter((b) => !moves.includes(b)).map(line),
  ];
  const sections: HelpSection[] = [
    { title: `${PANE_TITLES[ui.pane]} pane`, lines: paneLines },
    { title: 'Everywhere', lines: global.map(line) },
  ];
  const commands = `: commands  ${COMMAND_USAGE.join(' · ')}`;
  const commandRows = Math.ceil(displayWidth(commands) / Math.max(20, ui.size.columns - 1));
  const rows = Math.max(2, height - 1 - commandRows);
  const columns = layoutSections(sections, rows);
  const widths = columns.map((c) => Math.max(...c.map((l) => displayWidth(l.text))) + 3);
  return (
    <Box flexDirection="column" height={height} overflow="hidden">
      <Box height={rows} overflow="hidden">
        {columns.map((column, c) => (
          <Box key={c} flexDirection="column" width={widths[c]} flexShrink={c === columns.length - 1 ? 1 : 0}>
            {column.map((l, i) =>
              l.title ? (
                <Text key={i} bold underline wrap="truncate-end">
                  {l.text}
                </Text>
              ) : (
                <Text key={i} wrap="truncate-end" color={l.text.includes('(asks first)') ? tone('bad') : undefined}>
                  {l.text}
                </Text>
              ),
            )}
          </Box>
        ))}
      </Box>
      <Box height={commandRows} width={ui.size.columns} overflow="hidden">
        <Text wrap="wrap">
          <Text bold underline>
            : commands
          </Text>
          {`  ${COMMAND_USAGE.join(' · ')}`}
        </Text>
      </Box>
      <Text wrap="truncate-end" color={tone('muted')}>
        {ui.readOnly ? 'Read-only: keys that change anything are hidden.' : ' '}
      </Text>
    </Box>
  );
}
