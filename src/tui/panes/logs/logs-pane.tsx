import { Box, Text } from 'ink';
import { useLayoutEffect, useMemo, useReducer, useState } from 'react';
import type { LogEntry, LogLevel } from '../../../engine/engine-log.js';
import { formatTime, printable } from '../../components/format.js';
import { navigationDelta } from '../../components/navigation-keys.js';
import { useNow } from '../../components/use-now.js';
import { useModel, useUiActions, useUiState } from '../../contexts.js';
import { tone, type Tone } from '../../theme.js';
import { usePaneKeys } from '../../use-pane-keys.js';
import type { PaneProps } from '../pane-props.js';
import { LOGS_KEYS, WHY_KEYS, type LogsCommand } from './logs-keys.js';
import { bannedAddressOf, INITIAL_LOGS_STATE, logsReducer, visibleEntries } from './logs-reducer.js';
import { useWhy } from '../../components/use-why.js';
import { WhyView } from '../../components/why-view.js';

const LEVEL_TONES: Record<LogLevel, Tone | null> = { DEBUG: 'muted', INFO: null, NOTICE: 'accent', WARNING: 'warn', ERROR: 'bad' };

/** The engine log: follows new entries or pauses, filters by level, jail and search text, explains bans. */
export function LogsPane({ height, width }: PaneProps) {
  const model = useModel();
  const ui = useUiState();
  const actions = useUiActions();
  const now = useNow(ui.pane === 'logs' ? 5000 : null);
  const [state, dispatch] = useReducer(logsReducer, INITIAL_LOGS_STATE);
  const search = ui.filters.logs;
  // Paused, the pane reads a copy: new entries (and the old ones the model lets go) do not move
  // the rows under the cursor, so Enter explains the line the operator is on.
  const [frozen, setFrozen] = useState<LogEntry[] | null>(null);
  // At commit: an entry that arrives right after the key that paused stays out of the copy.
  useLayoutEffect(() => {
    if (!state.follow && !frozen) setFrozen([...model.logs]);
    if (state.follow && frozen) setFrozen(null);
  }, [state.follow]);
  // Filtered again only when an entry arrives or a filter changes, not on every frame.
  const logVersion = (model.seen['log'] ?? 0) + (model.seen['dropped'] ?? 0);
  const entries = useMemo(
    () => visibleEntries(frozen ?? model.logs, state, search),
    [frozen, model.logs, logVersion, state.minLevel, state.jail, search],
  );
  const listHeight = Math.max(1, height - 1);
  const jails = useMemo(() => [...new Set(model.logs.map((e) => e.jail).filter((j): j is string => j !== null))].sort(), [model.logs, logVersion]);

  useLayoutEffect(() => dispatch({ type: 'clamp', length: entries.length, height: listHeight }), [entries.length, listHeight, state.follow]);

  const onCommand = (command: LogsCommand | 'back'): void => {
    const step = navigationDelta(command, listHeight, entries.length);
    if (step !== null) return dispatch({ type: 'move', step, length: entries.length, height: listHeight });
    switch (command) {
      case 'follow':
        return dispatch({ type: 'follow', on: !state.follow, length: entries.length, height: listHeight });
      case 'level':
        return dispatch({ type: 'level' });
      case 'jail':
        return dispatch({ type: 'jail', jails });
      case 'back':
        return dispatch({ type: 'why', ip: null });
      case 'why': {
        const ip = bannedAddressOf(entries[state.cursor]);
        if (!ip) return actions.say('Enter explains a ban: move to a "Ban" or "Unban" line', 'muted');
        return dispatch({ type: 'why', ip });
      }
    }
  };
  usePaneKeys('logs', (state.why ? WHY_KEYS : LOGS_KEYS) as typeof LOGS_KEYS, onCommand as (c: LogsCommand) => void);
  const why = useWhy(model, state.why);

  if (state.why) {
    if (why.error) return <Text color={tone('bad')}>{why.error}</Text>;
    return <WhyView ip={state.why} result={why.result} record={model.bans.get(state.why)} now={now} width={width} height={height} back="Esc: back to the log" />;
  }

  return (
    <Box flexDirection="column" height={height}>
      <Text color={tone('muted')} wrap="truncate-end">
        {state.follow ? 'following' : 'paused (f or End follows again)'} · level ≥ {state.minLevel} · jail {state.jail ?? 'all'}
        {search ? ` · matching "${search}"` : ''} · {entries.length} of {model.logs.length} entries
      </Text>
      {entries.slice(state.top, state.top + listHeight).map((entry, i) => {
        const levelTone = LEVEL_TONES[entry.level];
        return (
          <Text key={state.top + i} inverse={state.top + i === state.cursor} wrap="truncate-end">
            <Text color={tone('muted')}>{formatTime(entry.time, now)} </Text>
            <Text color={levelTone ? tone(levelTone) : undefined}>{entry.level.padEnd(7)} </Text>
            {entry.jail ? <Text color={tone('accent')}>[{entry.jail}] </Text> : null}
            {printable(entry.message)}
          </Text>
        );
      })}
    </Box>
  );
}
