import { Box, Text } from 'ink';
import { formatDuration, SUBNET_JAIL } from '../../domain/index.js';
import type { WhyResult } from '../../control/protocol.js';
import type { BanListing } from '../../engine/types.js';
import { tone } from '../theme.js';
import { formatLeft, formatTime, printable } from './format.js';

/** Past bans listed at most. */
const HISTORY_SHOWN = 5;

/**
 * Why an address is banned, the same from the Banned pane and the Logs pane: the ban in force
 * with the log lines that made it (wrapped, never cut), and the address's past bans. `record` is
 * what the console already holds, shown while the engine is asked for the rest.
 */
export function WhyView(props: { ip: string; result: WhyResult | null; record?: BanListing; now: number; width: number; height: number; back: string }) {
  const { ip, result, width, height } = props;
  const now = Math.max(props.now, Date.now());
  const record: BanListing | undefined = result ? result.record : props.record;
  const banned = result ? result.banned : record !== undefined;
  const history = result?.history.slice(-HISTORY_SHOWN) ?? [];
  const historyRows = result ? history.length + 1 : 1;
  const lineRows = Math.max(1, height - 3 - historyRows);
  return (
    <Box flexDirection="column" height={height} width={width}>
      <Text bold wrap="truncate-end">
        {ip}{' '}
        {banned && record ? (
          <Text color={tone('bad')}>
            banned by {record.jail}{record.origin ? ` on ${record.origin}` : ''} at {formatTime(record.bannedAt, now)}, {record.expiresAt === null ? 'permanently' : `${formatLeft(record.expiresAt, now)} left`}, ban #{record.count}
          </Text>
        ) : (
          <Text color={tone('good')}>not banned now</Text>
        )}
        <Text color={tone('muted')}>{`  (${props.back})`}</Text>
      </Text>
      {/* The list holds no matched lines: they come with the engine's answer, and the heading with them. */}
      <Text bold>{record && !record.reason ? 'Why:' : record?.jail === SUBNET_JAIL ? 'Why (a subnet ban: the bans inside it):' : 'Why (the matched lines):'}</Text>
      <Box flexDirection="column" height={lineRows} overflow="hidden">
        {record?.reason?.length ? (
          // The newest lines last; each wraps onto as many rows as it needs.
          record.reason.slice(-lineRows).map((line, i) => (
            <Text key={i} wrap="wrap" color={tone('muted')}>
              {printable(line)}
            </Text>
          ))
        ) : (
          <Text color={tone('muted')}>
            {!record ? 'The matched lines are kept with a ban while it is in force.' : record.reason ? 'no lines recorded' : 'asking the engine for the matched lines…'}
          </Text>
        )}
      </Box>
      {result ? (
        <>
          <Text bold>Past bans (30 days): {result.history.length}</Text>
          {history.map((h, i) => (
            <Text key={i} wrap="truncate-end">
              {formatTime(h.bannedAt, now)} {h.jail} {h.duration === -1 ? 'permanent' : formatDuration(h.duration)}
            </Text>
          ))}
        </>
      ) : (
        <Text color={tone('muted')}>asking the engine for its past bans…</Text>
      )}
    </Box>
  );
}
