import { Box, Text } from 'ink';
import { PANE_IDS, useModel, useUiState } from '../contexts.js';
import { tone } from '../theme.js';
import { PANE_TITLES } from './pane-titles.js';

/** Two lines: the live counts and where the engine runs, then the tabs. */
export function Header() {
  const model = useModel();
  const ui = useUiState();
  const status = model.status;
  const { mode } = model;
  const jails = status ? `${status.jailsRunning}/${status.jails.length}` : '…';
  const detection = status ? (status.detection ? 'on' : 'OFF') : '…';
  const where = mode.attached ? `attached ${mode.where}` : 'in-process';
  return (
    <Box flexDirection="column" width={ui.size.columns}>
      <Box>
        <Text bold color={tone('accent')}>
          portcullis
        </Text>
        {mode.demo ? (
          <Text color={tone('warn')} bold>
            {' '}DEMO: dry-run, nothing is blocked
          </Text>
        ) : null}
        {mode.readOnly ? <Text color={tone('warn')}> read-only</Text> : null}
        <Text wrap="truncate-end">
          {'  '}banned <Text bold>{status ? status.banned : model.bans.size}</Text>
          {'  '}fail/h <Text bold>{status ? status.failuresLastHour : '…'}</Text>
          {'  '}jails <Text bold>{jails}</Text>
          {'  '}fw <Text bold>{status?.backend ?? '…'}</Text>
          {'  '}detect{' '}
          <Text bold color={status && !status.detection ? tone('bad') : tone('good')}>
            {detection}
          </Text>
          {'  '}
          <Text color={tone('muted')}>{where}</Text>
        </Text>
      </Box>
      <Box>
        <Text wrap="truncate-end">
          {PANE_IDS.map((id, i) => (
            <Text key={id} inverse={id === ui.pane} color={id === ui.pane ? undefined : tone('muted')}>
              {` ${i + 1} ${PANE_TITLES[id]} `}
            </Text>
          ))}
        </Text>
      </Box>
      {model.connectionError ? (
        <Text color={tone('bad')} wrap="truncate-end">
          {model.connectionError}
        </Text>
      ) : null}
    </Box>
  );
}
