import { formatDuration } from '../config/index.js';
import type { BanEvent } from '../engine/ban-manager.js';
import { formatBans, formatTrusted } from './ban-format.js';
import { connectIfRunning, socketPath } from './client-commands.js';
import { openEngineContext, type EngineContext } from './engine-context.js';
import type { ControlChannel } from '../control/index.js';


type Out = NodeJS.WritableStream;

/** `portcullis bans [--json]`: the bans in force, from the store. */
export async function listBans(configPath: string, json: boolean, out: Out, socket?: string): Promise<number> {
  const channel = await connectIfRunning(socketPath(configPath, socket));
  if (channel) {
    try {
      out.write(formatBans(await channel.request({ command: 'bans' }), json));
      return 0;
    } finally {
      channel.close();
    }
  }
  const ctx = await openEngineContext(configPath);
  try {
    const now = Date.now();
    const bans = ctx.store.activeBans().filter((b) => b.expiresAt === null || b.expiresAt > now);
    bans.sort((a, b) => a.bannedAt - b.bannedAt);
    if (ctx.notice && !json) out.write(`(${ctx.notice})\n`);
    out.write(formatBans(bans, json, now));
    return 0;
  } finally {
    ctx.close();
  }
}

/** `portcullis ban <ip> [--jail NAME] [--time D]`. */
export async function banCommand(
  configPath: string, ip: string, options: { jail?: string; seconds?: number; socket?: string }, out: Out, err: Out,
): Promise<number> {
  return withLiveContext(configPath, options.socket, err, async (ctx, channel) => {
    const record = channel
      ? await channel.request({ command: 'ban', ip, ...(options.seconds !== undefined ? { seconds: options.seconds } : {}), ...(options.jail ? { jail: options.jail } : {}) })
      : await ctx!.bans.banManually(ip, options.seconds, options.jail ? `manual ban for jail ${options.jail}` : undefined);
    const length = record.expiresAt === null ? 'permanently' : `for ${formatDuration(Math.round((record.expiresAt - record.bannedAt) / 1000))}`;
    out.write(`banned ${record.ip} ${length} (ban #${record.count})\n`);
  });
}

/** `portcullis unban <ip>` / `portcullis unban --all`. */
export async function unbanCommand(configPath: string, ip: string | undefined, all: boolean, out: Out, err: Out, socket?: string): Promise<number> {
  if (!all && !ip) {
    err.write('portcullis: unban needs an address or --all\n');
    return 1;
  }
  return withLiveContext(configPath, socket, err, async (ctx, channel) => {
    if (channel) {
      const result = await channel.request({ command: 'unban', ...(all ? { all: true } : { ip: ip! }) });
      out.write(all ? `unbanned ${result.unbanned} addresses\n` : `unbanned ${ip}\n`);
    } else if (all) {
      out.write(`unbanned ${await ctx!.bans.unbanAll()} addresses\n`);
    } else if (await ctx!.bans.unban(ip!)) {
      out.write(`unbanned ${ip}\n`);
    } else {
      throw new Error(`${ip} is not banned`);
    }
  });
}

/** `portcullis trust add|rm|list`. */
export async function trustCommand(
  configPath: string, action: 'add' | 'rm' | 'list', range: string | undefined, json: boolean, out: Out, err: Out, socket?: string,
): Promise<number> {
  if (action === 'list') {
    const channel = await connectIfRunning(socketPath(configPath, socket));
    if (channel) {
      try {
        const result = await channel.request({ command: 'trust', action: 'list' });
        if (result.action === 'list') out.write(formatTrusted(result.ranges, json));
        return 0;
      } finally {
        channel.close();
      }
    }
    const ctx = await openEngineContext(configPath);
    try {
      out.write(formatTrusted(ctx.trusted.list(), json));
      return 0;
    } finally {
      ctx.close();
    }
  }
  if (!range) {
    err.write(`portcullis: trust ${action} needs an IP or CIDR\n`);
    return 1;
  }
  return withLiveContext(configPath, socket, err, async (ctx, channel) => {
    let unbanned: string[] = [];
    let done: boolean;
    if (channel) {
      const result = await channel.request({ command: 'trust', action, range });
      done = result.action === 'add' || (result.action === 'rm' && result.removed);
      if (result.action === 'add') unbanned = result.unbanned;
    } else if (action === 'add') {
      unbanned = await ctx!.bans.trust(range, 'added from the command line');
      done = true;
    } else {
      done = await ctx!.bans.untrust(range);
    }
    if (!done) throw new Error(`${range} is not a trusted range added at run time`);
    out.write(action === 'add' ? `trusted ${range}${unbanned.length ? `; unbanned ${unbanned.join(', ')}` : ''}\n` : `no longer trusted: ${range}\n`);
  });
}

/**
 * Runs a change through the daemon when one answers on the socket (it owns the state), else
 * directly on the store and firewall.
 */
async function withLiveContext(
  configPath: string,
  socket: string | undefined,
  err: Out,
  action: (ctx: EngineContext | null, channel: ControlChannel | null) => Promise<void>,
): Promise<number> {
  let channel: ControlChannel | null = null;
  let ctx: EngineContext | null = null;
  const errors: string[] = [];
  try {
    channel = await connectIfRunning(socketPath(configPath, socket));
    if (!channel) {
      ctx = await openEngineContext(configPath, {
        live: true,
        onEvent: (event: BanEvent) => {
          if (event.type === 'error') errors.push(event.message);
        },
      });
    }
    await action(ctx, channel);
    await ctx?.bans.idle();
    for (const message of errors) err.write(`portcullis: ${message}\n`);
    return errors.length ? 1 : 0;
  } catch (error) {
    err.write(`portcullis: ${(error as Error).message}\n`);
    return 1;
  } finally {
    channel?.close();
    ctx?.close();
  }
}
