import { Box, Text } from 'ink';
import { useModel, useUiState, type UiState } from '../contexts.js';
import { truncateWidth } from '../components/format.js';
import { keysLabel, usableBindings, type KeyBinding } from '../keymap.js';
import { tone } from '../theme.js';
import { APPLY_COMMANDS, COMMAND_LINE_KEYS, CONFIRM_KEYS, FILTER_LINE_KEYS, GLOBAL_KEYS, HELP_KEYS } from './global-keys.js';
import { fitHints } from './fit-hints.js';

/** The keys that work now: the open line's or question's, else the pane's and then the shell's. */
export function hintKeys(ui: UiState, applyPending: boolean): KeyBinding[] {
  if (ui.overlay === 'command') return COMMAND_LINE_KEYS;
  if (ui.overlay === 'filter') return FILTER_LINE_KEYS;
  if (ui.overlay === 'confirm') return CONFIRM_KEYS;
  if (ui.overlay === 'help') return HELP_KEYS;
  if (ui.capture) return [...ui.paneKeys];
  const global = usableBindings(GLOBAL_KEYS, ui.readOnly);
  const apply = global.filter((b) => APPLY_COMMANDS.includes(b.command));
  const rest = global.filter((b) => !APPLY_COMMANDS.includes(b.command));
  // What waits for an answer comes first, so it is never the part left out.
  return [...(applyPending ? apply : []), ...ui.paneKeys, ...rest].filter((b) => !b.helpOnly);
}

/** One line of `key description` pairs, as many whole ones as fit; `? more` when some did not. */
export function HintBar() {
  const ui = useUiState();
  const model = useModel();
  const keys = hintKeys(ui, model.pendingApply !== null);
  const { shown, more } = fitHints(
    keys.map((b) => ({ key: keysLabel(b), description: b.description })),
    ui.size.columns,
    ui.overlay === null && !ui.capture,
  );
  return (
    <Box width={ui.size.columns}>
      <Text wrap="truncate-end">
        {shown.map((hint, i) => (
          <Text key={`${hint.key}-${i}`}>
            <Text bold color={keys[i]?.dangerous ? tone('bad') : tone('accent')}>
              {truncateWidth(hint.key, ui.size.columns)}
            </Text>
            <Text color={tone('muted')}> {hint.description}  </Text>
          </Text>
        ))}
        {more ? (
          <Text>
            <Text bold color={tone('accent')}>
              ?
            </Text>
            <Text color={tone('muted')}> more</Text>
          </Text>
        ) : null}
      </Text>
    </Box>
  );
}
