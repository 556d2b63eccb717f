import { Box, Text } from 'ink';
import { useLayoutEffect, useReducer, useRef, type ReactElement } from 'react';
import type { BanRows } from '../../model/ban-index.js';
import { banByHand, trustRange, unban, unbanAllQuestion } from '../../model/engine-actions.js';
import { fit, formatLeft, formatTime } from '../../components/format.js';
import { navigationDelta } from '../../components/navigation-keys.js';
import { useNow } from '../../components/use-now.js';
import { useWhy } from '../../components/use-why.js';
import { WhyView } from '../../components/why-view.js';
import { TextField } from '../../input/text-field.js';
import { useModel, useUiActions, useUiState } from '../../contexts.js';
import { parseCommand } from '../../shell/command-parser.js';
import { tone } from '../../theme.js';
import { usePaneKeys } from '../../use-pane-keys.js';
import type { PaneProps } from '../pane-props.js';
import { BAN_FORM_KEYS, BANS_KEYS, DETAIL_KEYS, type BansCommand } from './bans-keys.js';
import { bansReducer, INITIAL_BANS_STATE, SORT_TITLES } from './bans-reducer.js';
import { banColumns } from './ban-columns.js';

/** Rows above the list: the summary line and the column titles. */
const CHROME_ROWS = 2;

/** The address under a cursor moved off the first row, and the list's version when it was drawn. */
interface Pin {
  ip: string;
  version: number;
}

/** Where a pinned address is in `rows` now (as a cursor), or null if the rows have not changed since or lost it. */
function pinnedCursor(pin: Pin, rows: BanRows, descending: boolean): number | null {
  if (pin.version === rows.version) return null;
  const at = rows.indexOf(pin.ip);
  if (at < 0) return null;
  return descending ? rows.length - 1 - at : at;
}

/**
 * Banned IPs: the live list, sorted and filtered, drawing only the rows on screen so 100,000
 * bans scroll as fast as 10. Unban, move to trusted, ban by hand, and why a ban was made.
 */
export function BansPane({ height, width }: PaneProps) {
  const model = useModel();
  const ui = useUiState();
  const actions = useUiActions();
  const now = useNow(ui.pane === 'bans' ? 1000 : null);
  const [state, dispatch] = useReducer(bansReducer, INITIAL_BANS_STATE);
  const filter = ui.filters.bans;
  const rows = model.bans.view(state.sortKey, filter);
  const listHeight = Math.max(1, height - CHROME_ROWS - (state.form ? 2 : 0) - (model.status?.detection === false ? 1 : 0));
  const indexOf = (i: number): number => (state.descending ? rows.length - 1 - i : i);
  const selected = rows.length ? rows.at(indexOf(state.cursor)) : undefined;

  useLayoutEffect(() => dispatch({ type: 'clamp', length: rows.length, height: listHeight }), [rows.length, listHeight]);

  // New bans arrive above the cursor (newest first): once moved off the first row, the cursor
  // stays on its address, so u, t and Enter act on what the operator chose, not on whatever slid
  // under the cursor. On the first row it stays on the first row, following the newest. The
  // cursor is moved during the render (React redoes it before drawing), so a ban costs one frame.
  // A key that moves the cursor lets go of the pin (a key pressed after a ban reached the model
  // but before its frame moves from the address on screen); the next frame pins anew.
  const pinned = useRef<Pin | null>(null);
  /** Moves the cursor to the pinned address in `list`, where it now is. */
  const followPin = (list: BanRows): void => {
    const cursor = pinned.current ? pinnedCursor(pinned.current, list, state.descending) : null;
    if (cursor !== null && cursor !== state.cursor) dispatch({ type: 'pin', cursor, length: list.length, height: listHeight });
  };
  followPin(rows);
  useLayoutEffect(() => {
    pinned.current = selected && state.cursor > 0 ? { ip: selected.ip, version: rows.version } : null;
  });

  const onCommand = (command: BansCommand | 'submit' | 'cancel' | 'back'): void => {
    if (command === 'submit') return submitBan(state.form?.text ?? '');
    if (command === 'cancel') return dispatch({ type: 'close-form' });
    // The list as it is, with the bans not drawn yet: End goes to its end.
    const latest = model.bans.view(state.sortKey, filter);
    const step = navigationDelta(command, listHeight, latest.length);
    if (step !== null) {
      // From the address on screen, wherever those bans have moved it.
      followPin(latest);
      pinned.current = null;
      return dispatch({ type: 'move', step, length: latest.length, height: listHeight });
    }
    switch (command) {
      case 'sort':
        pinned.current = null;
        return dispatch({ type: 'sort' });
      case 'reverse':
        pinned.current = null;
        return dispatch({ type: 'reverse' });
      case 'details':
        if (selected) dispatch({ type: 'detail', ip: selected.ip });
        return;
      case 'back':
        return dispatch({ type: 'detail', ip: null });
      case 'ban':
        return dispatch({ type: 'open-form' });
      case 'unban': {
        const ip = state.detail ?? selected?.ip;
        if (!ip) return;
        dispatch({ type: 'detail', ip: null });
        void unban(model, actions, ip);
        return;
      }
      case 'trust':
        if (selected) trustRange(model, actions, selected.ip, `moved from the bans list (${selected.jail})`, `${selected.ip} is trusted now; its ban was lifted`);
        return;
      case 'unban-all':
        void unban(model, actions, 'all');
        return;
      default:
        return;
    }
  };

  const detailRecord = state.detail ? model.bans.get(state.detail) : undefined;
  const why = useWhy(model, state.detail);
  const keys = state.form ? BAN_FORM_KEYS : state.detail ? DETAIL_KEYS : BANS_KEYS;
  usePaneKeys('bans', keys as typeof BANS_KEYS, onCommand as (c: BansCommand) => void, {
    capture: state.form !== null,
    question: (command) => (command === 'unban-all' ? unbanAllQuestion(model) : `${command}?`),
  });

  function submitBan(text: string): void {
    const parsed = parseCommand(`ban ${text}`);
    if ('error' in parsed || parsed.kind !== 'ban') {
      dispatch({ type: 'form-text', text, error: 'error' in parsed ? parsed.error : 'not a ban' });
      return;
    }
    dispatch({ type: 'close-form' });
    banByHand(model, actions, parsed.ip, parsed.seconds);
  }

  if (state.detail) {
    return <WhyView ip={state.detail} result={why.result} record={detailRecord} now={now} width={width} height={height} back="Esc: back to the list" />;
  }

  // A ban from another fleet node shows as jail@node.
  const jailOf = (ban: { jail: string; origin?: string }): string => (ban.origin ? `${ban.jail}@${ban.origin}` : ban.jail);
  const longestOrigin = model.bans.longestOrigin ? model.bans.longestOrigin + 1 : 0;
  const longestJail = longestOrigin + Math.max(0, ...(model.status?.jails ?? []).map((j) => j.name.length), ...(model.config?.jails ?? []).map((j) => j.name.length));
  const { ipWidth, jailWidth, timeWidth, leftWidth, countWidth } = banColumns(width, longestJail);
  const detectionOff = model.status?.detection === false;
  const arrow = state.descending ? '↓' : '↑';
  const title = (key: typeof state.sortKey, text: string, w: number): string => fit(state.sortKey === key ? `${text}${arrow}` : text, w);
  // One Text for the whole window: Ink lays out one node instead of one per row (a third of the
  // frame time). Plain rows are joined; the cursor row and permanent bans carry their style.
  const visible: ReactElement[] = [];
  let plain = '';
  const last = Math.min(rows.length, state.top + listHeight) - 1;
  for (let i = state.top; i <= last; i++) {
    const ban = rows.at(indexOf(i));
    if (!ban) continue;
    const line = `${fit(ban.ip, ipWidth)} ${fit(jailOf(ban), jailWidth)} ${fit(formatTime(ban.bannedAt, now), timeWidth)} ${fit(formatLeft(ban.expiresAt, now), leftWidth)} ${String(ban.count).padStart(countWidth)}`;
    const end = i === last ? '' : '\n';
    if (i !== state.cursor && ban.expiresAt !== null) {
      plain += line + end;
      continue;
    }
    if (plain) visible.push(<Text key={`plain-${i}`}>{plain}</Text>);
    plain = '';
    visible.push(
      <Text key={ban.ip} inverse={i === state.cursor} color={ban.expiresAt === null ? tone('bad') : undefined}>
        {line}
      </Text>,
    );
    if (end) visible.push(<Text key={`end-${i}`}>{end}</Text>);
  }
  if (plain) visible.push(<Text key="plain-end">{plain}</Text>);
  return (
    <Box flexDirection="column" height={height}>
      {detectionOff ? (
        <Text wrap="truncate-end" bold color={tone('bad')}>
          Detection is OFF: these bans are kept but not enforced (the firewall holds none); turn it on in Settings
        </Text>
      ) : null}
      <Text wrap="truncate-end" color={tone('muted')}>
        {rows.length.toLocaleString('en-US')} banned{filter ? ` matching "${filter}" (of ${model.bans.size.toLocaleString('en-US')})` : ''} · sorted by {SORT_TITLES[state.sortKey]} {arrow}
        {rows.length > listHeight ? ` · ${state.cursor + 1}/${rows.length}` : ''}
      </Text>
      {state.form ? (
        <Box flexDirection="column">
          <Box>
            <Text color={tone('accent')}>Ban address [duration]: </Text>
            <TextField
              value={state.form.text}
              onChange={(text) => {
                const parsed = text.trim() ? parseCommand(`ban ${text}`) : null;
                dispatch({ type: 'form-text', text, error: parsed && 'error' in parsed ? parsed.error : null });
              }}
              placeholder="198.51.100.7 1h"
            />
          </Box>
          <Text color={state.form.error ? tone('bad') : tone('muted')} wrap="truncate-end">
            {state.form.error ?? 'IPv4/IPv6 address or CIDR, then an optional duration (30m, 1d, permanent)'}
          </Text>
        </Box>
      ) : null}
      <Text bold wrap="truncate-end">
        {`${title('ip', 'ADDRESS', ipWidth)} ${title('jail', 'JAIL', jailWidth)} ${title('bannedAt', 'BANNED AT', timeWidth)} ${title('expiresAt', 'LEFT', leftWidth)} ${title('count', '#', countWidth)}`}
      </Text>
      {rows.length === 0 ? <Text color={tone('muted')}>{filter ? 'no ban matches the filter (Esc clears it)' : 'nobody is banned'}</Text> : <Text wrap="truncate-end">{visible}</Text>}
    </Box>
  );
}
