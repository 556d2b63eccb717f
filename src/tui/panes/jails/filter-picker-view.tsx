import { Box, Text } from 'ink';
import type { FilterChoice } from '../../../control/protocol-results.js';
import { fit, printable, shortenPath } from '../../components/format.js';
import { tone } from '../../theme.js';
import { matchFilters, ORIGIN_LABELS, pickWindowTop } from './filter-picker.js';

/**
 * The filter the add form will use, and while the filter field has the cursor the filters
 * matching what is typed there, the picked one highlighted (←/→ move it): each with where it
 * comes from (yours, shipped, fail2ban's stock filter.d) and its file.
 */
export function FilterPicker(props: { filters: readonly FilterChoice[] | null; typed: string; pick: number; open: boolean; rows: number; width: number }) {
  const { filters, typed, open, rows, width } = props;
  if (!filters) {
    return (
      <Text color={tone('muted')} wrap="truncate-end">
        {'  reading the filters…'}
      </Text>
    );
  }
  const matches = matchFilters(filters, typed);
  const pick = Math.min(props.pick, Math.max(0, matches.length - 1));
  const picked = matches[pick];
  const summary = picked
    ? `  uses ${picked.name} · ${ORIGIN_LABELS[picked.origin]} · ${open ? `${pick + 1} of ${matches.length}${typed.trim() ? ` matching "${typed.trim()}"` : ''} (${filters.length} filters)` : picked.path}`
    : `  no filter name contains "${typed.trim()}" (${filters.length} filters)`;
  const nameWidth = 22;
  const originWidth = 9;
  const pathWidth = Math.max(10, width - nameWidth - originWidth - 6);
  const top = pickWindowTop(pick, matches.length, rows);
  return (
    <Box flexDirection="column">
      <Text color={picked ? tone('muted') : tone('bad')} wrap="truncate-end">
        {printable(summary)}
      </Text>
      {open
        ? matches.slice(top, top + rows).map((choice, i) => (
            <Text key={choice.path} inverse={top + i === pick} wrap="truncate-end">
              {`${top + i === pick ? '  › ' : '    '}${fit(choice.name, nameWidth)} ${fit(ORIGIN_LABELS[choice.origin], originWidth)} ${fit(shortenPath(choice.path, pathWidth), pathWidth)}`}
            </Text>
          ))
        : null}
    </Box>
  );
}
