import { Box, Text, useInput } from 'ink';
import TextInput from 'ink-text-input';
import { useState } from 'react';
import { useUiState } from '../contexts.js';
import { printable } from '../components/format.js';
import { tone } from '../theme.js';

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
  useInput((_input, key) => {
    if (key.escape) onClose();
  });
  return (
    <Box>
      <Text color={tone('accent')}>:</Text>
      <TextInput value={text} onChange={setText} onSubmit={(line) => onCommand(line)} placeholder="ban 198.51.100.7 1h · unban … · trust … · jail sshd off" />
    </Box>
  );
}

function FilterInput({ onFilter, onFilterDone }: BottomLineProps) {
  const ui = useUiState();
  const [text, setText] = useState(ui.filters[ui.pane]);
  useInput((_input, key) => {
    if (key.escape) onFilterDone(false);
  });
  return (
    <Box>
      <Text color={tone('accent')}>/</Text>
      <TextInput
        value={text}
        onChange={(next) => {
          setText(next);
          onFilter(next);
        }}
        onSubmit={() => onFilterDone(true)}
        placeholder="type to filter, Enter keeps it, Esc clears it"
      />
    </Box>
  );
}

function ConfirmQuestion({ onConfirm }: BottomLineProps) {
  const ui = useUiState();
  useInput((input) => onConfirm(input === 'y' || input === 'Y'));
  return (
    <Text wrap="truncate-end">
      <Text color={tone('bad')} bold>
        {ui.confirm?.question ?? ''}
      </Text>{' '}
      (y/N)
    </Text>
  );
}
