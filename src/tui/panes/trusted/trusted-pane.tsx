import { TRUSTED_ORIGIN_LABELS } from '../../../domain/index.js';
import { Box, Text } from 'ink';
import { useLayoutEffect, useReducer } from 'react';
import { fit, printable } from '../../components/format.js';
import { navigationDelta } from '../../components/navigation-keys.js';
import { useModel, useUiActions, useUiState } from '../../contexts.js';
import { trustRange, untrustRange } from '../../model/engine-actions.js';
import { tone } from '../../theme.js';
import { usePaneKeys } from '../../use-pane-keys.js';
import { TextField } from '../../input/text-field.js';
import type { PaneProps } from '../pane-props.js';
import { TRUST_FORM_KEYS, TRUSTED_KEYS, type TrustedCommand } from './trusted-keys.js';
import { checkRange, INITIAL_TRUSTED_STATE, trustedReducer } from './trusted-reducer.js';


/** Trusted IPs: never banned. Lists every range and where it comes from; adds and removes run-time ones. */
export function TrustedPane({ height, width }: PaneProps) {
  const model = useModel();
  const ui = useUiState();
  const actions = useUiActions();
  const [state, dispatch] = useReducer(trustedReducer, INITIAL_TRUSTED_STATE);
  const filter = ui.filters.trusted.trim().toLowerCase();
  const rows = filter ? model.trusted.filter((t) => t.range.includes(filter) || t.note.toLowerCase().includes(filter)) : model.trusted;
  const listHeight = Math.max(1, height - 2 - (state.form ? 3 : 0));
  const selected = rows[state.cursor];

  useLayoutEffect(() => dispatch({ type: 'clamp', length: rows.length, height: listHeight }), [rows.length, listHeight]);


  const submit = (): void => {
    const form = state.form;
    if (!form) return;
    const error = form.range.trim() ? checkRange(form.range) : 'type an address or CIDR range first';
    if (error) return dispatch({ type: 'refuse', error });
    dispatch({ type: 'close-form' });
    trustRange(model, actions, form.range.trim(), form.note.trim());
  };

  const onCommand = (command: TrustedCommand | 'next' | 'submit' | 'cancel'): void => {
    if (command === 'next') return dispatch({ type: 'next-field' });
    if (command === 'submit') return submit();
    if (command === 'cancel') return dispatch({ type: 'close-form' });
    const step = navigationDelta(command, listHeight, rows.length);
    if (step !== null) return dispatch({ type: 'move', step, length: rows.length, height: listHeight });
    if (command === 'add') return dispatch({ type: 'open-form' });
    if (command === 'remove' && selected) {
      if (selected.origin !== 'runtime') {
        actions.say(
          selected.origin === 'config' ? `${selected.range} is in the config file's [trusted] ranges; remove it there` : `${selected.range} is this host's own address; it is always trusted`,
          'bad',
        );
        return;
      }
      void untrustRange(model, actions, selected.range);
    }
  };

  usePaneKeys<string>('trusted', state.form ? TRUST_FORM_KEYS : TRUSTED_KEYS, (c) => onCommand(c as TrustedCommand), { capture: state.form !== null });

  const rangeWidth = Math.min(43, Math.max(18, Math.floor(width * 0.4)));
  // The CLI's labels, so both front ends name a range's origin alike.
  const originWidth = Math.max(...Object.values(TRUSTED_ORIGIN_LABELS).map((l) => l.length));
  return (
    <Box flexDirection="column" height={height}>
      <Text color={tone('muted')} wrap="truncate-end">
        {rows.length} trusted ranges{filter ? ` matching "${filter}"` : ''}: never banned, whatever the logs say
      </Text>
      {state.form ? (
        <Box flexDirection="column">
          <Box>
            <Text color={tone('accent')}>{'Range: '}</Text>
            <TextField
              value={state.form.range}
              focus={state.form.field === 'range'}
              onChange={(text) => dispatch({ type: 'edit', field: 'range', text })}
              placeholder="203.0.113.0/24 or 2001:db8::/48"
            />
          </Box>
          <Box>
            <Text color={tone('accent')}>{'Note:  '}</Text>
            <TextField
              value={state.form.note}
              focus={state.form.field === 'note'}
              onChange={(text) => dispatch({ type: 'edit', field: 'note', text })}
              placeholder="why (office, VPN, monitoring)"
            />
          </Box>
          <Text color={state.form.error ? tone('bad') : tone('good')} wrap="truncate-end">
            {state.form.error ?? (state.form.range.trim() ? 'valid' : 'IPv4 or IPv6, a single address or a CIDR range')}
          </Text>
        </Box>
      ) : null}
      <Text bold wrap="truncate-end">{`${fit('RANGE', rangeWidth)} ${fit('FROM', originWidth)} NOTE`}</Text>
      {rows.slice(state.top, state.top + listHeight).map((t, i) => (
        <Text key={`${t.origin}:${t.range}`} inverse={state.top + i === state.cursor} wrap="truncate-end" color={t.origin === 'runtime' ? undefined : tone('muted')}>
          {`${fit(t.range, rangeWidth)} ${fit(TRUSTED_ORIGIN_LABELS[t.origin], originWidth)} ${printable(t.note)}`}
        </Text>
      ))}
    </Box>
  );
}
