import { Box, Text } from 'ink';
import { PANE_IDS, useModel, useUiState } from '../contexts.js';
import { printable } from '../components/format.js';
import { useNow } from '../components/use-now.js';
import type { ConsoleModel } from '../model/console-model.js';
import { tone } from '../theme.js';
import { fleetSummary } from './fleet-summary.js';
import { PANE_TITLES } from './pane-titles.js';

/** Rows the header takes without its warning line. */
export const HEADER_ROWS = 3;

/** Rows the header takes now: one more while a warning line shows (connection, pending apply, detection off). */
export function headerRows(model: ConsoleModel): number {
  return HEADER_ROWS + (warningLine(model, Date.now()) ? 1 : 0);
}

/** The header's warning line: what the operator must act on or know, most urgent first. */
function warningLine(model: ConsoleModel, now: number): { text: string; tone: 'bad' | 'warn' } | null {
  const parts: string[] = [];
  if (model.pendingApply) {
    const left = Math.max(0, Math.ceil((model.pendingApply.deadline - now) / 1000));
    parts.push(`APPLY PENDING: rollback in ${left}s · C confirms · R rolls back now`);
  }
  if (model.status && !model.status.detection) parts.push('DETECTION OFF: nothing is banned and no ban is enforced');
  if (model.connectionError) parts.push(printable(model.connectionError));
  if (!parts.length) return null;
  return { text: parts.join(' · '), tone: model.link === 'retrying' || model.pendingApply ? 'bad' : 'warn' };
}

/** Where the engine runs, the live counts, then the tabs; each line cut, never wrapped. */
export function Header() {
  const model = useModel();
  const ui = useUiState();
  const status = model.status;
  const { mode } = model;
  const now = useNow(model.pendingApply ? 1000 : null);
  const warning = warningLine(model, Math.max(now, Date.now()));
  const link = model.link === 'retrying' ? 'disconnected, retrying' : mode.attached ? 'attached' : 'in-process';
  const where = mode.attached ? `attached to the daemon on ${mode.where}` : `in-process on ${mode.where}`;
  const fleet = status?.fleet ? fleetSummary(status.fleet) : null;
  // ` 1 Banned ` tabs while they fit; closer together (`1 Banned 2 Trusted`) on a narrow terminal.
  const tight = PANE_IDS.reduce((n, id) => n + PANE_TITLES[id].length + 4, 0) > ui.size.columns;
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
        {/* The list's own count: the status poll lags the events by up to a poll. */}
        banned <Text bold>{model.bans.size.toLocaleString('en-US')}</Text>
        {'  '}fail/h <Text bold>{status ? status.failuresLastHour.toLocaleString('en-US') : '…'}</Text>
        {'  '}jails <Text bold>{status ? `${status.jailsRunning}/${status.jails.length}` : '…'}</Text>
        {'  '}fw <Text bold>{status?.backend ?? '…'}</Text>
        {'  '}detect{' '}
        <Text bold color={status && !status.detection ? tone('bad') : tone('good')}>
          {status ? (status.detection ? 'on' : 'OFF') : '…'}
        </Text>
        {fleet ? (
          <Text bold={fleet.down} color={fleet.down ? tone('warn') : tone('muted')}>
            {`  ${fleet.text}`}
          </Text>
        ) : null}
        {'  '}
        <Text bold={model.link === 'retrying'} color={model.link === 'retrying' ? tone('bad') : tone('muted')}>
          {link}
        </Text>
      </Text>
      <Text wrap="truncate-end">
        {PANE_IDS.map((id, i) => (
          <Text key={id}>
            {tight && i > 0 ? ' ' : ''}
            <Text inverse={id === ui.pane} color={id === ui.pane ? undefined : tone('muted')}>
              {tight ? `${i + 1} ${PANE_TITLES[id]}` : ` ${i + 1} ${PANE_TITLES[id]} `}
            </Text>
          </Text>
        ))}
      </Text>
      {warning ? (
        <Text bold color={tone(warning.tone)} wrap="truncate-end">
          {warning.text}
        </Text>
      ) : null}
    </Box>
  );
}
