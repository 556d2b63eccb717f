import { Box, Text } from 'ink';
import type { WhyResult } from '../../../control/protocol.js';
import { formatDuration } from '../../../config/index.js';
import { formatLeft, formatTime, printable } from '../../components/format.js';
import { tone } from '../../theme.js';

/** Why an address was banned: the ban in force with its matched lines, and its past bans. */
export function WhyView({ ip, result, now, height }: { ip: string; result: WhyResult | null; now: number; height: number }) {
  if (!result) return <Text color={tone('muted')}>asking the engine about {ip}…</Text>;
  const record = result.record;
  const history = result.history.slice(-5);
  return (
    <Box flexDirection="column" height={height}>
      <Text bold>
        {ip}{' '}
        {result.banned && record ? (
          <Text color={tone('bad')}>
            banned by {record.jail}, {record.expiresAt === null ? 'permanently' : `${formatLeft(record.expiresAt, now)} left`}, ban #{record.count}
          </Text>
        ) : (
          <Text color={tone('good')}>not banned now</Text>
        )}
      </Text>
      {record ? (
        <>
          <Text bold>Matched lines:</Text>
          {record.reason.slice(-Math.max(1, height - 4 - history.length)).map((line, i) => (
            <Text key={i} wrap="truncate-end" color={tone('muted')}>
              {printable(line)}
            </Text>
          ))}
        </>
      ) : (
        <Text color={tone('muted')}>The matched lines are kept with a ban while it is in force.</Text>
      )}
      <Text bold>Past bans (30 days): {result.history.length}</Text>
      {history.map((h, i) => (
        <Text key={i} wrap="truncate-end">
          {formatTime(h.bannedAt, now)} {h.jail} {h.duration === -1 ? 'permanent' : formatDuration(h.duration)}
        </Text>
      ))}
    </Box>
  );
}
