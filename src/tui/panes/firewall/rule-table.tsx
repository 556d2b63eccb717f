import { Box, Text } from 'ink';
import { formatPort } from '../../../domain/index.js';
import type { FirewallRule, RuleSet } from '../../../firewall/types.js';
import { fit } from '../../components/format.js';
import { tone } from '../../theme.js';

/** Column widths for a terminal `width` columns wide; sources and comment share what is left. */
function columns(width: number) {
  const fixed = { order: 3, name: 16, action: 6, protocol: 6, ports: 14 };
  const used = fixed.order + fixed.name + fixed.action + fixed.protocol + fixed.ports + 6;
  const sources = Math.max(12, Math.min(40, Math.floor((width - used) * 0.6)));
  return { ...fixed, sources, comment: Math.max(0, width - used - sources) };
}

function row(cells: string[], widths: number[]): string {
  return cells.map((cell, i) => fit(cell, widths[i]!)).join(' ');
}

function cells(rule: FirewallRule, index: number): string[] {
  return [
    String(index + 1),
    rule.name,
    rule.action,
    rule.protocol,
    rule.ports.length ? rule.ports.map(formatPort).join(',') : 'all',
    rule.sources.length ? rule.sources.join(',') : 'any',
    rule.comment,
  ];
}

/**
 * The rules in order (the first that matches decides), one truncated row each, drawing only the
 * `height` rows from `top` (under the column titles); `cursor` marks the selected one (none when null).
 */
export function RuleTable({ rules, cursor, top, height, width }: { rules: RuleSet; cursor: number | null; top: number; height: number; width: number }) {
  const c = columns(width);
  const widths = [c.order, c.name, c.action, c.protocol, c.ports, c.sources, c.comment];
  return (
    <Box flexDirection="column">
      <Text bold wrap="truncate-end">
        {row(['#', 'NAME', 'ACTION', 'PROTO', 'PORTS', 'FROM', 'COMMENT'], widths)}
      </Text>
      {rules.rules.length === 0 ? (
        <Text color={tone('muted')} wrap="truncate-end">
          no rules: all incoming traffic follows the default policy ({rules.defaultPolicy})
        </Text>
      ) : (
        rules.rules.slice(top, top + Math.max(1, height)).map((rule, i) => (
          <Text
            key={`${top + i}:${rule.name}`}
            inverse={cursor === top + i}
            color={rule.action === 'deny' ? tone('bad') : undefined}
            wrap="truncate-end"
          >
            {row(cells(rule, top + i), widths)}
          </Text>
        ))
      )}
    </Box>
  );
}
