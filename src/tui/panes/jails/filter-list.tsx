import { Box, Text } from 'ink';
import type { ConfigJail, FilterInfo } from '../../../control/protocol-results.js';
import { fit } from '../../components/format.js';
import type { ListCursor } from '../../components/list-cursor.js';
import { tone } from '../../theme.js';

/** Rows the filter list spends on other things than filter rows. */
export const FILTER_LIST_CHROME_ROWS = 3;

/** A filter row's kind: the user's, shipped, or shipped but shadowed by a user's file of its name. */
export function filterKind(filter: FilterInfo, all: readonly FilterInfo[]): string {
  if (!filter.shipped) return all.some((f) => f.shipped && f.name === filter.name) ? 'yours (shadows shipped)' : 'yours';
  return all.some((f) => !f.shipped && f.name === filter.name) ? 'shipped (shadowed)' : 'shipped';
}

/** The filters the engine can find, shipped and the user's, with the jails that use each. */
export function FilterList(props: {
  rows: FilterInfo[];
  all: FilterInfo[];
  jails: ConfigJail[];
  cursor: ListCursor;
  listHeight: number;
  width: number;
  filter: string;
}) {
  const { rows, all, jails, cursor, listHeight, width, filter } = props;
  const nameWidth = 20;
  const kindWidth = 23;
  const usedWidth = Math.max(10, width - nameWidth - kindWidth - 3);
  const line = (name: string, kind: string, used: string): string => `${fit(name, nameWidth)} ${fit(kind, kindWidth)} ${fit(used, usedWidth)}`;
  const selected = rows[cursor.cursor];
  const userCount = all.filter((f) => !f.shipped).length;
  return (
    <Box flexDirection="column">
      <Text color={tone('muted')} wrap="truncate-end">
        {`Filters: ${all.length - userCount} shipped, ${userCount} yours${filter ? ` · ${rows.length} matching "${filter}"` : ''} · a file of yours with a shipped name replaces it`}
      </Text>
      <Text bold wrap="truncate-end">
        {line('FILTER', 'KIND', 'USED BY')}
      </Text>
      <Box flexDirection="column" height={listHeight}>
        {rows.length === 0 ? <Text color={tone('muted')}>{filter ? 'no filter matches (Esc goes back)' : 'no filters found: n writes one'}</Text> : null}
        {rows.slice(cursor.top, cursor.top + listHeight).map((f, i) => {
          const kind = filterKind(f, all);
          // A name resolves to the user's file first: the shadowed shipped one is used by none.
          const used = kind === 'shipped (shadowed)' ? [] : jails.filter((j) => j.filter === f.name).map((j) => j.name);
          return (
            <Text
              key={f.path}
              inverse={cursor.top + i === cursor.cursor}
              color={kind.startsWith('yours') ? tone('accent') : kind.includes('shadowed') ? tone('muted') : undefined}
              wrap="truncate-end"
            >
              {line(f.name, kind, used.length ? used.join(', ') : '-')}
            </Text>
          );
        })}
      </Box>
      <Text color={tone('muted')} wrap="truncate-end">
        {selected ? selected.path : ''}
      </Text>
    </Box>
  );
}
