import { Box, Text } from 'ink';
import { useEffect, useState } from 'react';
import type { ActivityResult } from '../../../control/protocol.js';
import { fit } from '../../components/format.js';
import { useModel, useUiState } from '../../contexts.js';
import { tone } from '../../theme.js';
import { usePaneKeys } from '../../use-pane-keys.js';
import { bindingList } from '../../keymap.js';
import type { PaneProps } from '../pane-props.js';
import { activityChart } from './activity-chart.js';

const ACTIVITY_KEYS = bindingList<'refresh'>({ refresh: { key: 'r', description: 'refresh now' } });

/** The last hour: failures and bans per minute, the top offending addresses and jails. */
export function ActivityPane({ height, width }: PaneProps) {
  const model = useModel();
  const [report, setReport] = useState<ActivityResult | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = async (): Promise<void> => {
    try {
      setReport(await model.request({ command: 'activity' }));
      setError(null);
    } catch (err) {
      setError((err as Error).message);
    }
  };
  // Polled only while shown: nobody reads a hidden chart.
  const shown = useUiState().pane === 'activity';
  useEffect(() => (shown ? model.addPoll(load) : undefined), [model, shown]);
  usePaneKeys('activity', ACTIVITY_KEYS, () => void load());

  if (error) return <Text color={tone('bad')}>{error}</Text>;
  if (!report) return <Text color={tone('muted')}>loading…</Text>;
  const tableRows = Math.min(10, Math.max(3, Math.floor(height / 2) - 2));
  const chartHeight = Math.max(3, height - tableRows - 3);
  const failures = report.minutes.reduce((n, m) => n + m.failures, 0);
  const bans = report.minutes.reduce((n, m) => n + m.bans, 0);
  const half = Math.floor((width - 2) / 2);
  return (
    <Box flexDirection="column" height={height}>
      <Text wrap="truncate-end">
        Last hour: <Text color={tone('warn')}>failures {failures}</Text> · <Text color={tone('bad')}>bans {bans}</Text>
        <Text color={tone('muted')}> per minute, newest on the right</Text>
      </Text>
      <Text>{activityChart(report.minutes, width, chartHeight, tone('accent') !== undefined)}</Text>
      <Box>
        <Box flexDirection="column" width={half}>
          <Text bold>{fit('TOP ADDRESSES', half - 14)} FAILS  BANS</Text>
          {report.topIps.slice(0, tableRows).map((row) => (
            <Text key={row.ip} wrap="truncate-end">
              {fit(row.ip, half - 14)} {String(row.failures).padStart(5)} {String(row.bans).padStart(5)}
            </Text>
          ))}
          {report.topIps.length === 0 ? <Text color={tone('muted')}>no failures this hour</Text> : null}
        </Box>
        <Box flexDirection="column" width={half} marginLeft={2}>
          <Text bold>{fit('TOP JAILS', half - 14)} FAILS  BANS</Text>
          {report.topJails.slice(0, tableRows).map((row) => (
            <Text key={row.jail} wrap="truncate-end">
              {fit(row.jail, half - 14)} {String(row.failures).padStart(5)} {String(row.bans).padStart(5)}
            </Text>
          ))}
        </Box>
      </Box>
    </Box>
  );
}
