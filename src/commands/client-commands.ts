import { isUnknownRequest } from '../control/index.js';
import { formatDuration, padStartWidth, printable } from '../domain/index.js';
import { formatEntry, type LogEntry } from '../engine/engine-log.js';
import type { JailStatus } from '../engine/engine.js';
import type { FleetLinkStatus } from '../engine/types.js';
import { column } from './ban-format.js';
import { blocklistStatusLine } from './blocklist-command.js';
import { formatJailSummary } from './fail2ban-client-commands.js';
import { withChannel, type VerbContext } from './with-channel.js';

/** The verbs that describe or steer a running engine: without a daemon they say so. */
const daemon = { without: 'none' } as const;

/** `portcullis status [--json]` (one jail: see fail2ban-client-commands.ts). */
export function statusCommand(ctx: VerbContext, json: boolean): Promise<number> {
  const { out } = ctx;
  return withChannel(ctx, daemon, async (channel) => {
    // The table shows counts: the banned addresses (a million strings with a million bans) only for --json.
    const status = json ? await channel.request({ command: 'status' }) : await channel.request({ command: 'status', bannedIps: false }).catch((err: Error) => {
      if (!isUnknownRequest(err, 'bannedIps')) throw err;
      return channel.request({ command: 'status' });
    });
    if (json) {
      out.write(`${JSON.stringify(status)}\n`);
      return;
    }
    out.write(`backend ${status.backend}, up ${formatDuration(Math.max(1, Math.round(status.uptimeMs / 1000)))}, ${status.banned} banned\n`);
    if (status.mail) {
      const m = status.mail;
      out.write(`mail: ${m.sentLastHour} sent and ${m.suppressedLastHour} held back in the last hour, ${m.queued} queued`
        + `${m.failing ? `, FAILING: ${printable(m.lastError ?? '')}` : ''}\n`);
    }
    if (!status.state.ok) {
      const since = status.state.since === null ? '' : ` since ${new Date(status.state.since).toISOString()}`;
      out.write(`state database: NOT WRITTEN${since}: ${printable(status.state.error ?? '')} (running from memory, retrying)\n`);
    }
    if (status.fleet) out.write(fleetLine(status.fleet));
    if (status.blocklists?.length) out.write(blocklistStatusLine(status.blocklists));
    if (!status.firewallInStep) out.write('firewall: a command failed; putting it right from the bans in force (see the log)\n');
    out.write(jailTable(status.jails));
    out.write(formatJailSummary(status));
  });
}

/** The `status` line of the fleet link: its state first, then the lag (or how long it is down) and the counts. */
function fleetLine(f: FleetLinkStatus): string {
  const link = f.link === 'connected' ? 'connected' : `DISCONNECTED${f.retrying ? ' (retrying)' : ''}`;
  const lag = f.link === 'connected' ? `lag ${f.lagSeconds.toFixed(3)} s` : `down ${f.lagSeconds.toFixed(1)} s`;
  return `fleet: ${link} as ${printable(f.node)}, ${lag}, ${f.queued} queued, ${f.published} published, ${f.applied} applied\n`;
}

/** `portcullis jails [--json]`. */
export function jailsCommand(ctx: VerbContext, json: boolean): Promise<number> {
  return withChannel(ctx, daemon, async (channel) => {
    const jails = await channel.request({ command: 'jails' });
    ctx.out.write(json ? `${JSON.stringify(jails)}\n` : jailTable(jails));
  });
}

/** `portcullis jail enable|disable <name>` or `jail <name> on|off` (written to the overlay file by the daemon). */
export function jailCommand(ctx: VerbContext, name: string, enabled: boolean): Promise<number> {
  return withChannel(ctx, daemon, async (channel) => {
    const result = await channel.request({ command: 'jail', name, enabled });
    ctx.out.write(`jail ${result.name} ${result.enabled ? 'enabled' : 'disabled'}\n`);
  });
}

/** `portcullis reload`. */
export function reloadCommand(ctx: VerbContext): Promise<number> {
  return withChannel(ctx, daemon, async (channel) => {
    ctx.out.write(`${(await channel.request({ command: 'reload' })).message}\n`);
  });
}

/** `portcullis logs [-f] [--json]`: the engine log kept by the daemon, then (with -f) new lines as they come. */
export function logsCommand(ctx: VerbContext, follow: boolean, json: boolean, stop?: AbortSignal): Promise<number> {
  const { out } = ctx;
  const print = (entry: LogEntry): void => {
    // The daemon escapes what it logs; escaped again here for one that does not (an older one).
    out.write(json ? `${JSON.stringify(entry)}\n` : `${printable(formatEntry(entry))}\n`);
  };
  return withChannel(ctx, daemon, async (channel) => {
    // Subscribe first, so no line falls between the backlog and the live stream.
    const live: LogEntry[] = [];
    let backlogDone = false;
    if (follow) {
      await channel.subscribe((event, data) => {
        if (event !== 'log') return;
        if (backlogDone) print(data);
        else live.push(data);
      }, ['log']);
    }
    const backlog = await channel.request({ command: 'logs' });
    for (const entry of backlog) print(entry);
    const last = backlog.at(-1)?.time ?? 0;
    for (const entry of live) if (entry.time > last) print(entry);
    backlogDone = true;
    if (follow) {
      await new Promise<void>((resolve) => {
        process.once('SIGINT', () => resolve());
        stop?.addEventListener('abort', () => resolve(), { once: true });
      });
    }
  });
}

function jailTable(jails: JailStatus[]): string {
  const rows = jails.map((j) => {
    const missing = new Set(j.missing ?? []);
    const sources = j.sources.map((s) => (missing.has(s) ? `${s} (no such file)` : s));
    return `${column(j.name, 18)} ${(j.enabled ? 'on' : 'off').padEnd(4)} ${column(j.filter, 16)} ${padStartWidth(String(j.failures), 8)} failures ${padStartWidth(String(j.bans), 6)} bans  ${printable(sources.join(', '))}`;
  });
  return `${rows.join('\n')}\n`;
}
