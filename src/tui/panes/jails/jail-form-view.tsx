import { Box, Text } from 'ink';
import { TextField } from '../../input/text-field.js';
import type { Settings } from '../../../config/index.js';
import type { FilterChoice } from '../../../control/protocol-results.js';
import { formatDuration } from '../../../domain/index.js';
import { fit } from '../../components/format.js';
import { tone } from '../../theme.js';
import { FilterPicker } from './filter-picker-view.js';
import { FIELD_TITLES, FORM_FIELDS, type FormField, type JailForm } from './jail-form.js';

/** Rows the form takes besides the filter picker's list: title, fields, the picker's first line, the status line. */
export const FORM_CHROME_ROWS = 3 + FORM_FIELDS.length;

/** The add-a-jail form: one row per field, the filters to pick from, and what is wrong. */
export function JailFormView(props: {
  form: JailForm;
  /** The filters to pick from; null while they are read. */
  filters: readonly FilterChoice[] | null;
  /** Rows for the picker's list of matching filters. */
  pickRows: number;
  settings: Settings | undefined;
  width: number;
  onChange: (field: FormField, text: string) => void;
}) {
  const { form, filters, pickRows, settings, width, onChange } = props;
  const placeholders: Record<FormField, string> = {
    name: 'web-login',
    filter: 'type to search, ←/→ to pick',
    logpath: '/var/log/nginx/error.log, /var/log/nginx/other.log',
    maxretry: settings ? `${settings.maxretry} (the global setting)` : 'the global setting',
    findtime: settings ? `${formatDuration(settings.findtime)} (the global setting)` : 'the global setting',
    bantime: settings ? `${formatDuration(settings.bantime)} (the global setting; or "permanent")` : 'the global setting',
    actions: 'firewall (or: firewall, email)',
  };
  const error = form.refusal ?? form.errors[form.field] ?? Object.values(form.errors)[0] ?? null;
  return (
    <Box flexDirection="column">
      <Text bold wrap="truncate-end">
        Add a jail <Text color={tone('muted')}>(written to the overlay file config.d/console.toml; the engine reloads)</Text>
      </Text>
      {FORM_FIELDS.map((field) => (
        <Box key={field} height={1} overflow="hidden">
          <Text color={form.errors[field] ? tone('bad') : form.field === field ? tone('accent') : undefined}>
            {`${form.field === field ? '›' : ' '} ${fit(FIELD_TITLES[field], 10)} `}
          </Text>
          <Box width={Math.max(10, width - 14)} height={1} overflow="hidden">
            <TextField
              key={field}
              value={form.values[field]}
              focus={form.field === field && !form.busy}
              placeholder={placeholders[field]}
              onChange={(text) => onChange(field, text)}
            />
          </Box>
        </Box>
      ))}
      <FilterPicker filters={filters} typed={form.values.filter} pick={form.pick} open={form.field === 'filter'} rows={pickRows} width={width} />
      <Text color={error ? tone('bad') : form.busy ? tone('warn') : tone('good')} wrap={form.refusal ? 'wrap' : 'truncate-end'}>
        {error ?? (form.busy ? 'adding…' : 'Enter adds the jail; empty limits take the global settings')}
      </Text>
    </Box>
  );
}
