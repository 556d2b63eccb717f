import { Box, Text } from 'ink';
import type { ConfigJail, ConfigResult } from '../../../control/protocol-results.js';
import type { JailStatus } from '../../../engine/engine.js';
import { displayWidth, fit, printable, shortenPath } from '../../components/format.js';
import type { ListCursor } from '../../components/list-cursor.js';
import { tone } from '../../theme.js';
import { DETAIL_ROWS, JailDetail } from './jail-detail.js';

/** Rows the list view spends on other things than jail rows: summary, titles, the detail block. */
export const LIST_CHROME_ROWS = 2 + DETAIL_ROWS;

/** The jail rows on screen, the column titles and the detail of the selected jail. */
export function JailList(props: {
  rows: ConfigJail[];
  total: number;
  statusByName: Map<string, JailStatus>;
  config: ConfigResult;
  cursor: ListCursor;
  listHeight: number;
  width: number;
  filter: string;
}) {
  const { rows, statusByName, config, cursor, listHeight, width, filter } = props;
  const running = rows.filter((j) => statusByName.get(j.name)?.enabled).length;
  const countWidth = 8;
  const onWidth = 4;
  const fromWidth = 8;
  const rest = Math.max(20, width - onWidth - countWidth * 2 - fromWidth - 5);
  // Names take what the longest needs (10 to 24); the filter column, which may hold a path, the rest.
  const longestName = Math.max(0, ...rows.map((j) => displayWidth(printable(j.name))));
  const nameWidth = Math.max(10, Math.min(24, longestName, rest - 10));
  const filterWidth = Math.max(10, Math.min(40, rest - nameWidth));
  const line = (name: string, on: string, filterName: string, failures: string, bans: string, from: string): string =>
    `${fit(name, nameWidth)} ${fit(on, onWidth)} ${fit(filterName, filterWidth)} ${failures.padStart(countWidth)} ${bans.padStart(countWidth)} ${fit(from, fromWidth)}`;
  const selected = rows[cursor.cursor];
  return (
    <Box flexDirection="column">
      <Text color={tone('muted')} wrap="truncate-end">
        {`${rows.length} jail${rows.length === 1 ? '' : 's'}${filter ? ` matching "${filter}" (of ${props.total})` : ''}, ${running} running · failures and bans since the jail started`}
      </Text>
      <Text bold wrap="truncate-end">
        {line('JAIL', 'ON', 'FILTER', 'FAILURES', 'BANS', 'FROM')}
      </Text>
      <Box flexDirection="column" height={listHeight}>
        {rows.length === 0 ? (
          <Text color={tone('muted')} wrap="truncate-end">
            {filter ? 'no jail matches the filter (Esc clears it)' : 'no jails configured: a adds one'}
          </Text>
        ) : null}
        {rows.slice(cursor.top, cursor.top + listHeight).map((jail, i) => {
          const status = statusByName.get(jail.name);
          // "idle": switched on, but not running (detection is off, or the engine is reloading).
          const state = !jail.enabled ? 'off' : status && !status.enabled ? 'idle' : 'on';
          return (
            <Text key={jail.name} inverse={cursor.top + i === cursor.cursor} color={state === 'on' ? undefined : tone('muted')} wrap="truncate-end">
              {line(
                jail.name,
                state,
                filterColumn(jail, filterWidth),
                status ? String(status.failures) : '-',
                status ? String(status.bans) : '-',
                jail.definedIn === 'overlay' ? 'added' : 'config',
              )}
            </Text>
          );
        })}
      </Box>
      <JailDetail jail={selected} status={selected ? statusByName.get(selected.name) : undefined} config={config} width={width} />
    </Box>
  );
}

/** The FILTER column: the name a jail gives its filter, or the file it names by path, shortened to fit. */
export function filterColumn(jail: Pick<ConfigJail, 'filter'>, width: number): string {
  return jail.filter.startsWith('/') ? shortenPath(jail.filter, width) : jail.filter;
}
