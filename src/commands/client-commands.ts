import { formatDuration, loadConfig } from '../config/index.js';
import { connectIfListening, type ControlChannel } from '../control/index.js';
import { padStartWidth, printable } from '../domain/index.js';
import { formatEntry, type LogEntry } from '../engine/engine-log.js';
import type { JailStatus } from '../engine/engine.js';
import { guardWarnings, ruleSetFromConfig } from '../firewall/rules.js';
import { column } from './ban-format.js';

type Out = NodeJS.WritableStream;

/** The control socket to use: `--socket`, else the config's. */
export function socketPath(configPath: string, socket?: string): string {
  return socket ?? loadConfig(configPath).daemon.socket;
}

/** A client of the running daemon, or null when none answers on the socket. */
export function connectIfRunning(path: string): Promise<ControlChannel | null> {
  return connectIfListening(path);
}

/** Runs `action` against the daemon; a command that needs one says so when none runs. */
export async function withDaemon(path: string, err: Out, action: (channel: ControlChannel) => Promise<void>): Promise<number> {
  let channel: ControlChannel | null = null;
  try {
    channel = await connectIfRunning(path);
    if (!channel) {
      err.write(`portcullis: no portcullis daemon is listening on ${path} (start it with: portcullis --daemon)\n`);
      return 1;
    }
    await action(channel);
    return 0;
  } catch (error) {
    err.write(`portcullis: ${(error as Error).message}\n`);
    return 1;
  } finally {
    channel?.close();
  }
}

/** `portcullis status [--json]`. */
export function statusCommand(path: string, json: boolean, out: Out, err: Out): Promise<number> {
  return withDaemon(path, err, async (channel) => {
    const status = await channel.request({ command: 'status' });
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
    if (status.fleet) {
      const f = status.fleet;
      out.write(`fleet: ${f.link} as ${printable(f.node)}, lag ${f.lagSeconds.toFixed(3)} s, ${f.queued} queued, ${f.published} published, ${f.applied} applied\n`);
    }
    if (!status.firewallInStep) out.write('firewall: a command failed; putting it right from the bans in force (see the log)\n');
    out.write(jailTable(status.jails));
  });
}

/** `portcullis jails [--json]`. */
export function jailsCommand(path: string, json: boolean, out: Out, err: Out): Promise<number> {
  return withDaemon(path, err, async (channel) => {
    const jails = await channel.request({ command: 'jails' });
    out.write(json ? `${JSON.stringify(jails)}\n` : jailTable(jails));
  });
}

/** `portcullis jail enable|disable <name>` (written to the overlay file by the daemon). */
export function jailCommand(path: string, name: string, enabled: boolean, out: Out, err: Out): Promise<number> {
  return withDaemon(path, err, async (channel) => {
    const result = await channel.request({ command: 'jail', name, enabled });
    out.write(`jail ${result.name} ${result.enabled ? 'enabled' : 'disabled'}\n`);
  });
}

/** `portcullis reload`. */
export function reloadCommand(path: string, out: Out, err: Out): Promise<number> {
  return withDaemon(path, err, async (channel) => {
    out.write(`${(await channel.request({ command: 'reload' })).message}\n`);
  });
}

/** `portcullis logs [-f] [--json]`: the engine log kept by the daemon, then (with -f) new lines as they come. */
export function logsCommand(path: string, follow: boolean, json: boolean, out: Out, err: Out, stop?: AbortSignal): Promise<number> {
  const print = (entry: LogEntry): void => {
    // The daemon escapes what it logs; escaped again here for one that does not (an older one).
    out.write(json ? `${JSON.stringify(entry)}\n` : `${printable(formatEntry(entry))}\n`);
  };
  return withDaemon(path, err, async (channel) => {
    // Subscribe first, so no line falls between the backlog and the live stream.
    const live: LogEntry[] = [];
    let backlogDone = false;
    if (follow) {
      await channel.subscribe((_event, data) => {
        const entry = data as LogEntry;
        if (backlogDone) print(entry);
        else live.push(entry);
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
  const rows = jails.map((j) =>
    `${column(j.name, 18)} ${(j.enabled ? 'on' : 'off').padEnd(4)} ${column(j.filter, 16)} ${padStartWidth(String(j.failures), 8)} failures ${padStartWidth(String(j.bans), 6)} bans  ${printable(j.sources.join(', '))}`);
  return `${rows.join('\n')}\n`;
}

/** `firewall show|apply|confirm|rollback` through the daemon (it keeps the rollback timer). */
export async function firewallOverSocket(
  channel: ControlChannel, action: 'show' | 'apply' | 'confirm' | 'rollback', force: boolean, json: boolean, out: Out, err: Out,
): Promise<number> {
  try {
    const result = await channel.request({ command: 'firewall', action, ...(force ? { force: true } : {}) });
    if (json) out.write(`${JSON.stringify(result.data ?? result, null, 2)}\n`);
    else out.write(`${result.message}\n`);
    return 0;
  } catch (error) {
    err.write(`portcullis: ${(error as Error).message}\n`);
    return 1;
  } finally {
    channel.close();
  }
}

/** What `apply` would warn about from this shell's SSH session (the daemon checks trusted ranges). */
export async function localGuardWarnings(configPath: string): Promise<string[]> {
  const config = loadConfig(configPath);
  return guardWarnings(ruleSetFromConfig(config.firewall), []);
}
