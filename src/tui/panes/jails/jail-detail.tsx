import { Box, Text } from 'ink';
import { formatDuration } from '../../../domain/index.js';
import { displayWidth, printable, shortenPath } from '../../components/format.js';
import type { ConfigJail, ConfigResult } from '../../../control/protocol-results.js';
import type { JailStatus } from '../../../engine/engine.js';
import { tone } from '../../theme.js';

/** Rows the detail block takes under the list. */
export const DETAIL_ROWS = 7;

/** A jail's filter as a short name: the name it is given, or the file name of a filter named by path. */
export function filterLabel(jail: Pick<ConfigJail, 'filter'>): string {
  return jail.filter.startsWith('/') ? (jail.filter.split('/').pop() ?? jail.filter).replace(/\.(conf|local)$/, '') : jail.filter;
}

/** The selected jail in full: its logs, limits, actions, ignoreregex and the file that defines it. */
export function JailDetail({ jail, status, config, width }: { jail: ConfigJail | undefined; status: JailStatus | undefined; config: ConfigResult; width: number }) {
  if (!jail) {
    return (
      <Box flexDirection="column" height={DETAIL_ROWS}>
        <Text color={tone('muted')}>─</Text>
      </Box>
    );
  }
  const reading = status?.sources.length ? ` (reading ${status.sources.length})` : '';
  const label = printable(`${filterLabel(jail)}${jail.filterOptions ? ` [${Object.entries(jail.filterOptions).map(([k, v]) => `${k}=${v}`).join(', ')}]` : ''}  `);
  // The file in full when it fits; else shortened from its start, so the file name shows.
  const fileWidth = Math.max(12, width - 'filter   '.length - displayWidth(label));
  const where =
    jail.definedIn === 'overlay' ? `added here, in ${config.overlayPath} (D deletes it)` : `the config file ${config.configPath} (disable it, or edit it there)`;
  return (
    <Box flexDirection="column" height={DETAIL_ROWS}>
      <Text bold wrap="truncate-end">
        {`─ ${jail.name} `}
        <Text color={jail.enabled ? tone('good') : tone('muted')}>{jail.enabled ? 'on' : 'off'}</Text>
        <Text color={tone('muted')}>{` · filter ${filterLabel(jail)} · ${jail.backend === 'journal' ? 'systemd journal' : 'log files'}`}</Text>
      </Text>
      <Text wrap="truncate-end">
        <Text color={tone('muted')}>{'filter   '}</Text>
        {label}
        {jail.filterFile ? <Text color={tone('muted')}>{shortenPath(jail.filterFile, fileWidth)}</Text> : <Text color={tone('bad')}>{`not found in the filter folders`}</Text>}
      </Text>
      <Text wrap="truncate-end">
        <Text color={tone('muted')}>{'logs     '}</Text>
        {jail.logpath.length ? printable(jail.logpath.join(', ')) : '(none)'}
        <Text color={tone('muted')}>{reading}</Text>
      </Text>
      <Text wrap="truncate-end">
        <Text color={tone('muted')}>{'limits   '}</Text>
        {`maxretry ${jail.maxretry} · findtime ${formatDuration(jail.findtime)} · bantime `}
        <Text color={jail.bantime < 0 ? tone('bad') : undefined}>{formatDuration(jail.bantime)}</Text>
      </Text>
      <Text wrap="truncate-end">
        <Text color={tone('muted')}>{'actions  '}</Text>
        {jail.actions.length ? jail.actions.join(', ') : '(none)'}
      </Text>
      <Text wrap="truncate-end">
        <Text color={tone('muted')}>{'ignore   '}</Text>
        {jail.ignoreregex.length ? printable(jail.ignoreregex.join('  |  ')) : <Text color={tone('muted')}>no ignoreregex of its own</Text>}
      </Text>
      <Text wrap="truncate-end">
        <Text color={tone('muted')}>{'defined  '}</Text>
        <Text color={jail.definedIn === 'overlay' ? tone('accent') : undefined}>{where}</Text>
      </Text>
    </Box>
  );
}
