import { Box, Text } from 'ink';
import { TextField } from '../../input/text-field.js';
import { fit } from '../../components/format.js';
import { tone } from '../../theme.js';
import type { FieldView } from './settings-draft.js';

/** Column widths of the form. */
export interface SettingsColumns {
  label: number;
  inForce: number;
}

/** The form's columns for a body `width` columns wide (80 columns and up keep every value whole). */
export function settingsColumns(width: number): SettingsColumns {
  return { label: 19, inForce: Math.max(10, Math.min(24, width - 19 - 4 - 30)) };
}

/** The column titles, aligned with the rows, and how many lines of the form are out of view. */
export function SettingsTitles({ columns, more }: { columns: SettingsColumns; more: { above: number; below: number } }) {
  const hidden = [more.above > 0 ? `↑ ${more.above} more` : '', more.below > 0 ? `↓ ${more.below} more` : ''].filter(Boolean).join('  ');
  return (
    <Text wrap="truncate-end">
      <Text bold>{`  ${fit('SETTING', columns.label)} ${fit('IN FORCE', columns.inForce)} ${fit('EDITED', 12)}`}</Text>
      <Text color={tone('muted')}>{hidden}</Text>
    </Text>
  );
}

/**
 * One setting: the value in force, then the edited value (a text field while it is typed into),
 * marked `*` when it differs from the value in force and `!` when it is not valid.
 */
export function SettingsRow(props: {
  view: FieldView;
  columns: SettingsColumns;
  selected: boolean;
  /** The text being typed, when this row is edited. */
  editing: string | null;
  onChange(text: string): void;
}) {
  const { view, columns, selected, editing } = props;
  const invalid = view.parsed !== undefined && !view.parsed.ok;
  const mark = invalid ? '!' : view.changed ? '*' : ' ';
  const inForce = view.inForce === '' ? 'none' : view.inForce;
  const forceColour = view.field.id === 'enabled' && view.inForce === 'off' ? tone('bad') : view.inForce === '' ? tone('muted') : undefined;
  return (
    <Box>
      <Text color={invalid ? tone('bad') : tone('draft')}>{`${mark} `}</Text>
      <Text inverse={selected && editing === null} bold={selected}>
        {fit(view.field.label, columns.label)}
      </Text>
      <Text color={forceColour}>{` ${fit(inForce, columns.inForce)} `}</Text>
      {editing !== null ? (
        <TextField value={editing} onChange={props.onChange} placeholder={view.field.id.endsWith('multipliers') ? '1, 4, 24' : 'none'} />
      ) : view.draft !== undefined ? (
        <Text color={invalid ? tone('bad') : tone('draft')} wrap="truncate-end">
          {view.draft.trim() === '' ? '(none)' : view.draft}
        </Text>
      ) : null}
    </Box>
  );
}
