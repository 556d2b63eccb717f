import { Box, Text } from 'ink';
import { useEffect, useLayoutEffect, useReducer, useState } from 'react';
import type { BlocklistInfo } from '../../../control/protocol.js';
import { formatDuration } from '../../../domain/index.js';
import { fit, printable } from '../../components/format.js';
import { applyCursor, type CursorAction, type ListCursor } from '../../components/list-cursor.js';
import { navigationDelta } from '../../components/navigation-keys.js';
import { useNow } from '../../components/use-now.js';
import { useModel, useUiActions, useUiState } from '../../contexts.js';
import { tone } from '../../theme.js';
import { usePaneKeys } from '../../use-pane-keys.js';
import type { PaneProps } from '../pane-props.js';
import { BLOCKLISTS_KEYS, type BlocklistsCommand } from './blocklists-keys.js';

/** "5m ago", "never". */
function ago(lastRefresh: number | null, now: number): string {
  if (lastRefresh === null) return 'never';
  const seconds = Math.round((now - lastRefresh) / 1000);
  return seconds < 1 ? 'just now' : `${formatDuration(seconds)} ago`;
}

/**
 * Blocklists: each configured list with its entries, packets dropped, last refresh and last
 * error; `u` downloads the selected one now. Read-only otherwise: lists are set in the config.
 */
export function BlocklistsPane({ height, width }: PaneProps) {
  const model = useModel();
  const ui = useUiState();
  const actions = useUiActions();
  const shown = ui.pane === 'blocklists';
  const now = useNow(shown ? 1000 : null);
  const [lists, setLists] = useState<BlocklistInfo[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [cursor, move] = useReducer((state: ListCursor, action: CursorAction) => applyCursor(state, action), { cursor: 0, top: 0 });
  const filter = ui.filters.blocklists.trim().toLowerCase();
  const rows = (lists ?? []).filter((l) => !filter || l.name.includes(filter) || l.source.toLowerCase().includes(filter));
  const listHeight = Math.max(1, height - 4);
  const selected = rows[cursor.cursor];

  const load = async (): Promise<void> => {
    try {
      setLists(await model.request({ command: 'blocklists' }));
      setError(null);
    } catch (err) {
      setError((err as Error).message);
    }
  };
  // Polled only while shown: reading the drop counters runs a kernel listing.
  useEffect(() => (shown ? model.addPoll(load) : undefined), [model, shown]);
  useLayoutEffect(() => move({ type: 'clamp', length: rows.length, height: listHeight }), [rows.length, listHeight]);

  const update = async (name: string): Promise<void> => {
    actions.say(`downloading blocklist ${name}…`, 'muted');
    const result = await actions.run(model.request({ command: 'blocklist-update', name }), (updated) => {
      const row = updated.find((l) => l.name === name);
      return row && !row.lastError ? `blocklist ${name}: ${row.entries.toLocaleString('en-US')} entries in force` : '';
    });
    if (!result) return;
    setLists(result);
    const row = result.find((l) => l.name === name);
    if (row?.lastError) actions.say(`blocklist ${name}: ${row.lastError}; the previous list stays`, 'bad');
  };

  usePaneKeys<BlocklistsCommand>('blocklists', BLOCKLISTS_KEYS, (command) => {
    const step = navigationDelta(command, listHeight, rows.length);
    if (step !== null) return move({ type: 'move', step, length: rows.length, height: listHeight });
    if (command === 'refresh') return void load();
    if (command === 'update' && selected) void update(selected.name);
  });

  if (error) return <Text color={tone('bad')}>{error}</Text>;
  if (!lists) return <Text color={tone('muted')}>loading…</Text>;
  if (lists.length === 0) {
    return <Text color={tone('muted')}>no blocklists configured: add [blocklists.NAME] tables to the config (see config.example.toml)</Text>;
  }
  const nameWidth = 17;
  const sourceWidth = Math.max(10, width - nameWidth - 11 - 11 - 18 - 4);
  const total = lists.reduce((n, l) => n + l.entries, 0);
  return (
    <Box flexDirection="column" height={height}>
      <Text color={tone('muted')} wrap="truncate-end">
        {lists.length} blocklists, {total.toLocaleString('en-US')} entries: dropped before anything else, trusted ranges excepted
      </Text>
      <Text bold wrap="truncate-end">{`${fit('NAME', nameWidth)} ${'ENTRIES'.padStart(10)} ${'DROPPED'.padStart(10)} ${fit('REFRESHED', 17)} SOURCE`}</Text>
      {rows.slice(cursor.top, cursor.top + listHeight).map((l, i) => (
        <Text key={l.name} inverse={cursor.top + i === cursor.cursor} color={l.lastError ? tone('bad') : undefined} wrap="truncate-end">
          {`${fit(l.name, nameWidth)} ${l.entries.toLocaleString('en-US').padStart(10)} ${(l.dropped === null ? '-' : l.dropped.toLocaleString('en-US')).padStart(10)} ${fit(ago(l.lastRefresh, now), 17)} ${fit(printable(l.source), sourceWidth)}`}
        </Text>
      ))}
      {selected ? (
        <Text color={selected.lastError ? tone('bad') : tone('muted')} wrap="truncate-end">
          {selected.lastError
            ? `${selected.name}: ${printable(selected.lastError)}; the previous list stays in force`
            : `${selected.name}: downloaded every ${formatDuration(selected.refresh)}; u downloads it now`}
        </Text>
      ) : null}
    </Box>
  );
}
