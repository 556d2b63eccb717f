import { Box, Text } from 'ink';
import { useState } from 'react';
import { useUiState } from '../contexts.js';
import { printable } from '../components/format.js';
import { useKeys } from '../input/key-router.js';
import { TextField } from '../input/text-field.js';
import { findBinding } from '../keymap.js';
import { tone } from '../theme.js';
import { COMMAND_LINE_KEYS, CONFIRM_KEYS, FILTER_LINE_KEYS } from './global-keys.js';

/** Callbacks of the line above the hint bar, from the shell. */
export interface BottomLineProps {
  onCommand(line: string): void;
  onFilter(text: string): void;
  onFilterDone(keep: boolean): void;
  onConfirm(yes: boolean): void;
  onClose(): void;
}

/**
 * The line above the hint bar: the `:` command line, the `/` filter (applied as you type), a
 * "(y/N)" question, or the latest message.
 */
export function BottomLine(props: BottomLineProps) {
  const ui = useUiState();
  if (ui.overlay === 'command') return <CommandInput {...props} />;
  if (ui.overlay === 'filter') return <FilterInput {...props} />;
  if (ui.overlay === 'confirm') return <ConfirmQuestion {...props} />;
  return (
    <Box width={ui.size.columns}>
      <Text wrap="truncate-end" color={ui.message ? tone(ui.message.tone) : undefined}>
        {ui.message ? printable(ui.message.text) : ' '}
      </Text>
    </Box>
  );
}

function CommandInput({ onCommand, onClose }: BottomLineProps) {
  const [text, setText] = useState('');
  useKeys((key) => {
    const binding = findBinding(COMMAND_LINE_KEYS, key.name);
    if (binding?.command === 'run') onCommand(text);
    else if (binding?.command === 'cancel') onClose();
  });
  return (
    <Box>
      <Text color={tone('accent')}>:</Text>
      <TextField value={text} onChange={setText} placeholder="ban 198.51.100.7 1h · unban … · trust … · jail sshd off" />
    </Box>
  );
}

function FilterInput({ onFilter, onFilterDone }: BottomLineProps) {
  const ui = useUiState();
  const [text, setText] = useState(ui.filters[ui.pane]);
  useKeys((key) => {
    const binding = findBinding(FILTER_LINE_KEYS, key.name);
    if (binding) onFilterDone(binding.command === 'keep');
  });
  return (
    <Box>
      <Text color={tone('accent')}>/</Text>
      <TextField
        value={text}
        onChange={(next) => {
          setText(next);
          onFilter(next);
        }}
        placeholder="type to filter, Enter keeps it, Esc clears it"
      />
    </Box>
  );
}

function ConfirmQuestion({ onConfirm }: BottomLineProps) {
  const ui = useUiState();
  useKeys((key) => onConfirm(findBinding(CONFIRM_KEYS, key.name)?.command === 'yes'));
  return (
    <Text wrap="truncate-end">
      <Text color={tone('bad')} bold>
        {ui.confirm?.question ?? ''}
      </Text>{' '}
      (y/N)
    </Text>
  );
}
