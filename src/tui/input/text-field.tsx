import { Text } from 'ink';
import { useRef, useState } from 'react';
import { printable } from '../components/format.js';
import { tone } from '../theme.js';
import { useKeys } from './key-router.js';
import { editText, type TextEdit } from './text-edit.js';

/** A one-line text field: its value is the form's (in the form's reducer), the cursor its own. */
export interface TextFieldProps {
  value: string;
  onChange(text: string): void;
  /** Enter, with the text as it is now. */
  onSubmit?(text: string): void;
  /** Takes keys and shows the cursor. */
  focus?: boolean;
  placeholder?: string;
  /** A paste keeps its line breaks (the form splits it into lines). */
  lines?: boolean;
}

/**
 * Reads keys through the console's key router, one at a time, so keys that arrive together edit
 * the text exactly as when they are typed one by one. The text it edits is the latest value the
 * form gave it (a ref set on every render), never an earlier frame's.
 */
export function TextField({ value, onChange, onSubmit, focus = true, placeholder = '', lines = false }: TextFieldProps) {
  const [cursor, setCursor] = useState(value.length);
  const latest = useRef<TextEdit>({ text: value, cursor });
  // A value changed by the form (cleared, picked from a list) puts the cursor at its end.
  if (latest.current.text !== value) latest.current = { text: value, cursor: value.length };
  else latest.current = { text: value, cursor: Math.min(cursor, value.length) };
  useKeys(
    (key) => {
      if (key.name === 'enter') return onSubmit?.(latest.current.text);
      const next = editText(latest.current, key, { lines });
      if (next === latest.current) return;
      latest.current = next;
      setCursor(next.cursor);
      if (next.text !== value) onChange(next.text);
    },
    { active: focus },
  );
  const at = latest.current.cursor;
  if (!value) {
    if (!focus) return <Text color={tone('muted')}>{printable(placeholder)}</Text>;
    return (
      <Text>
        <Text inverse>{placeholder ? printable(placeholder.slice(0, 1)) : ' '}</Text>
        <Text color={tone('muted')}>{printable(placeholder.slice(1))}</Text>
      </Text>
    );
  }
  if (!focus) return <Text>{printable(value)}</Text>;
  return (
    <Text>
      {printable(value.slice(0, at))}
      <Text inverse>{at < value.length ? printable(value.slice(at, at + 1)) : ' '}</Text>
      {printable(value.slice(at + 1))}
    </Text>
  );
}
