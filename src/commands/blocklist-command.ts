import type { BlocklistInfo, BlocklistSummary } from '../control/index.js';
import { formatDuration, padStartWidth, printable } from '../domain/index.js';
import { column } from './ban-format.js';
import { isoOrNumber } from './json-text.js';
import { withChannel, type VerbContext } from './with-channel.js';

/** "5m ago", "never": how long since a list was last refreshed. */
export function refreshedAgo(lastRefresh: number | null, now = Date.now()): string {
  if (lastRefresh === null) return 'never';
  const seconds = Math.round((now - lastRefresh) / 1000);
  return seconds < 1 ? 'just now' : `${formatDuration(seconds)} ago`;
}

/** The `--json` form of a list: times as ISO-8601 text, like `bans --json`. */
function blocklistJson(row: BlocklistInfo): object {
  return { ...row, lastRefresh: row.lastRefresh === null ? null : isoOrNumber(row.lastRefresh) };
}

/** `blocklist list` output, the same whether the daemon or the saved lists answered. */
export function formatBlocklists(rows: BlocklistInfo[], json: boolean, now = Date.now()): string {
  if (json) return `${JSON.stringify(rows.map(blocklistJson))}\n`;
  if (rows.length === 0) return 'no blocklists configured ([blocklists.NAME] in the config)\n';
  const lines = [`${column('NAME', 17)} ${padStartWidth('ENTRIES', 9)} ${padStartWidth('DROPPED', 10)}  ${column('REFRESHED', 22)} SOURCE`];
  for (const row of rows) {
    const dropped = row.dropped === null ? '-' : String(row.dropped);
    const refreshed = `${refreshedAgo(row.lastRefresh, now)} (every ${formatDuration(row.refresh)})`;
    lines.push(`${column(row.name, 17)} ${padStartWidth(String(row.entries), 9)} ${padStartWidth(dropped, 10)}  ${column(refreshed, 22)} ${printable(row.source)}`);
    if (row.lastError) lines.push(`  last error: ${printable(row.lastError)}`);
  }
  if (rows.some((row) => row.dropped === null)) lines.push('(dropped: the kernel counters are read by the daemon; none is running)');
  return `${lines.join('\n')}\n`;
}

/** The line `status` prints about the lists. */
export function blocklistStatusLine(lists: BlocklistSummary[], now = Date.now()): string {
  const parts = lists.map((l) => `${printable(l.name)} ${l.entries} entries, refreshed ${refreshedAgo(l.lastRefresh, now)}${l.lastError ? `, FAILING: ${printable(l.lastError)}` : ''}`);
  return `blocklists: ${parts.join('; ')}\n`;
}

/** `portcullis blocklist list [--json]`: without a daemon, what is saved (no drop counters). */
export function blocklistListCommand(ctx: VerbContext, json: boolean): Promise<number> {
  return withChannel(ctx, { without: 'read' }, async (channel) => {
    ctx.out.write(formatBlocklists(await channel.request({ command: 'blocklists' }), json));
  });
}

/**
 * `portcullis blocklist update [NAME]`: downloads now (through the daemon, else here with the
 * firewall); fails when a chosen list kept its previous entries.
 */
export function blocklistUpdateCommand(ctx: VerbContext, name: string | undefined): Promise<number> {
  return withChannel(ctx, { without: 'change' }, async (channel) => {
    const rows = await channel.request({ command: 'blocklist-update', ...(name ? { name } : {}) });
    let failed = 0;
    for (const row of rows.filter((r) => name === undefined || r.name === name)) {
      if (row.lastError) {
        ctx.err.write(`portcullis: blocklist ${printable(row.name)}: ${printable(row.lastError)}; ${row.entries} entries stay in force\n`);
        failed++;
      } else {
        ctx.out.write(`blocklist ${printable(row.name)}: ${row.entries} entries in force\n`);
      }
    }
    return failed ? 1 : 0;
  });
}
