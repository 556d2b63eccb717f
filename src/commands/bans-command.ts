import { formatDuration } from '../config/index.js';
import type { BanEvent } from '../engine/ban-manager.js';
import { banJson } from './ban-json.js';
import { bansOverSocket, connectIfRunning, socketPath } from './client-commands.js';
import { openEngineContext, type EngineContext } from './engine-context.js';
import type { ControlChannel } from '../control/index.js';

export { banJson } from './ban-json.js';

type Out = NodeJS.WritableStream;

/** `portcullis bans [--json]`: the bans in force, from the store. */
export async function listBans(configPath: string, json: boolean, out: Out, socket?: string): Promise<number> {
  const channel = await connectIfRunning(socketPath(configPath, socket));
  if (channel) {
    try {
      await bansOverSocket(channel, json, out);
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
    if (json) {
      out.write(`${JSON.stringify(bans.map(banJson))}\n`);
      return 0;
    }
    if (ctx.notice) out.write(`(${ctx.notice})\n`);
    if (bans.length === 0) out.write('no bans\n');
    for (const b of bans) {
      const left = b.expiresAt === null ? 'permanent' : `${formatDuration(Math.max(1, Math.round((b.expiresAt - now) / 1000)))} left`;
      out.write(`${b.ip.padEnd(39)} ${b.jail.padEnd(16)} ${new Date(b.bannedAt).toISOString()}  ${left.padEnd(14)} ban #${b.count}\n`);
    }
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
  const channel = await connectIfRunning(socketPath(configPath, socket));
  if (channel) {
    channel.close();
    return withLiveContext(configPath, socket, err, async (_ctx, live) => {
      const result = await live!.request({ command: 'trust', action, ...(range ? { range } : {}) });
      if (result.action === 'list') {
        out.write(json ? `${JSON.stringify(result.ranges)}\n` : result.ranges.map((t) => `${t.range.padEnd(43)} ${t.origin}${t.note ? `  ${t.note}` : ''}\n`).join(''));
      } else if (result.action === 'add') {
        out.write(`trusted ${range}${result.unbanned.length ? `; unbanned ${result.unbanned.join(', ')}` : ''}\n`);
      } else if (result.removed) {
        out.write(`no longer trusted: ${range}\n`);
      } else {
        throw new Error(`${range} is not a trusted range added at run time`);
      }
    });
  }
  if (action === 'list') {
    const ctx = await openEngineContext(configPath);
    try {
      const list = ctx.trusted.list();
      out.write(json ? `${JSON.stringify(list)}\n` : list.map((t) => `${t.range.padEnd(43)} ${t.origin}${t.note ? `  ${t.note}` : ''}\n`).join(''));
      return 0;
    } finally {
      ctx.close();
    }
  }
  if (!range) {
    err.write(`portcullis: trust ${action} needs an IP or CIDR\n`);
    return 1;
  }
  return withLiveContext(configPath, socket, err, async (ctx) => {
    if (action === 'add') {
      const lifted = await ctx!.bans.trust(range, 'added from the command line');
      out.write(`trusted ${range}${lifted.length ? `; unbanned ${lifted.join(', ')}` : ''}\n`);
    } else if (await ctx!.bans.untrust(range)) {
      out.write(`no longer trusted: ${range}\n`);
    } else {
      throw new Error(`${range} is not a trusted range added at run time`);
    }
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
