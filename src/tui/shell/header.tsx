import { Box, Text } from 'ink';
import { PANE_IDS, useModel, useUiState } from '../contexts.js';
import { printable } from '../components/format.js';
import { tone } from '../theme.js';
import { PANE_TITLES } from './pane-titles.js';

/** Rows the header takes (one more while the engine cannot be reached). */
export const HEADER_ROWS = 3;

/** Where the engine runs, the live counts, then the tabs; each line cut, never wrapped. */
export function Header() {
  const model = useModel();
  const ui = useUiState();
  const status = model.status;
  const { mode } = model;
  const where = mode.attached ? `attached to the daemon on ${mode.where}` : `in-process on ${mode.where}`;
  return (
    <Box flexDirection="column" width={ui.size.columns}>
      <Text wrap="truncate-end">
        <Text bold color={tone('accent')}>
          portcullis
        </Text>
        {mode.demo ? (
          <Text bold color={tone('warn')}>
            {'  DEMO: generated traffic, dry-run firewall, nothing is blocked'}
          </Text>
        ) : null}
        {mode.readOnly ? <Text color={tone('warn')}>{'  read-only'}</Text> : null}
        {mode.demo ? null : <Text color={tone('muted')}>{`  ${where}`}</Text>}
      </Text>
      <Text wrap="truncate-end">
        {/* Faults first, where a narrow terminal does not cut them: the engine runs on, but the operator must know. */}
        {status && !status.state.ok ? <Text bold color={tone('bad')}>{'STATE NOT SAVED  '}</Text> : null}
        {status && !status.firewallInStep ? <Text bold color={tone('bad')}>{'FIREWALL OUT OF STEP  '}</Text> : null}
        banned <Text bold>{(status?.banned ?? model.bans.size).toLocaleString('en-US')}</Text>
        {'  '}fail/h <Text bold>{status ? status.failuresLastHour.toLocaleString('en-US') : '…'}</Text>
        {'  '}jails <Text bold>{status ? `${status.jailsRunning}/${status.jails.length}` : '…'}</Text>
        {'  '}fw <Text bold>{status?.backend ?? '…'}</Text>
        {'  '}detect{' '}
        <Text bold color={status && !status.detection ? tone('bad') : tone('good')}>
          {status ? (status.detection ? 'on' : 'OFF') : '…'}
        </Text>
        {'  '}
        <Text color={tone('muted')}>{mode.attached ? 'attached' : 'in-process'}</Text>
      </Text>
      <Text wrap="truncate-end">
        {PANE_IDS.map((id, i) => (
          <Text key={id} inverse={id === ui.pane} color={id === ui.pane ? undefined : tone('muted')}>
            {` ${i + 1} ${PANE_TITLES[id]} `}
          </Text>
        ))}
      </Text>
      {model.connectionError ? (
        <Text color={tone('bad')} wrap="truncate-end">
          {printable(model.connectionError)}
        </Text>
      ) : null}
    </Box>
  );
}
