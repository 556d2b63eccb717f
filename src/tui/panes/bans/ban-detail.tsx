import { Box, Text } from 'ink';
import type { BanRecord } from '../../../engine/types.js';
import { formatLeft, formatTime, printable } from '../../components/format.js';
import { tone } from '../../theme.js';

/** Why an address is banned: the ban's facts and the log lines that made it. */
export function BanDetail({ ip, record, now, width, height }: { ip: string; record: BanRecord | undefined; now: number; width: number; height: number }) {
  if (!record) {
    return (
      <Box flexDirection="column" height={height}>
        <Text bold>{ip}</Text>
        <Text color={tone('muted')}>is no longer banned (Esc goes back to the list)</Text>
      </Box>
    );
  }
  return (
    <Box flexDirection="column" height={height} width={width}>
      <Text bold>
        {record.ip} <Text color={tone('muted')}>banned by</Text> {record.jail}
      </Text>
      <Text>
        at {formatTime(record.bannedAt, now)} · {record.expiresAt === null ? <Text color={tone('bad')}>permanent</Text> : `${formatLeft(record.expiresAt, now)} left`} · ban #{record.count}
      </Text>
      <Text bold>Why (the matched lines):</Text>
      {record.reason.length === 0 ? <Text color={tone('muted')}>no lines recorded</Text> : null}
      {record.reason.slice(-(height - 4)).map((line, i) => (
        <Text key={i} wrap="truncate-end" color={tone('muted')}>
          {printable(line)}
        </Text>
      ))}
    </Box>
  );
}
