import { banLengthAfterVerb } from '../domain/index.js';
import { sshSession } from '../net/index.js';
import { isUnknownRequest, type BanColumns } from '../control/index.js';
import { BansJsonText, formatBans, formatTrusted } from './ban-format.js';
import { withChannel, type VerbContext } from './with-channel.js';

/**
 * Bans a part of the packed list holds (about 80 KB as sent, 260 KB printed). Small parts are
 * quicker: what a part is parsed into dies young, where the arrays of a part of 65,536 were large
 * objects only a full collection frees, and the daemon packs the next while this one is printed.
 * A million bans, medians of seven alternated runs: 0.82 s in parts of 1,024, 0.78 of 2,048,
 * 0.87 of 4,096, 1.02 of 8,192 (1.2 of 65,536).
 */
const JSON_PART = 2048;

/**
 * `portcullis bans [--json]`: the bans in force. The JSON is read packed, in parts, and printed a
 * part at a time as bytes: a million bans in under a second, where reading them as a million
 * objects and printing them again took nine.
 */
export function listBans(ctx: VerbContext, json: boolean): Promise<number> {
  return withChannel(ctx, { without: 'read' }, async (channel) => {
    if (!json) {
      ctx.out.write(formatBans(await channel.request({ command: 'bans' }), false));
      return;
    }
    const text = new BansJsonText((chunk) => ctx.out.write(chunk));
    const print = (part: BanColumns): void => text.part(part);
    const last = await channel.request({ command: 'ban-columns', part: JSON_PART }, { onPart: print }).catch((err: Error) => {
      // A daemon older than the packed list.
      if (isUnknownRequest(err, 'part') || isUnknownRequest(err, 'ban-columns')) return null;
      throw err;
    });
    if (!last) {
      ctx.out.write(formatBans(await channel.request({ command: 'bans' }), true));
      return;
    }
    print(last);
    text.end();
  });
}

/** `portcullis ban <ip> [--jail NAME] [--time D]`: in a jail, with its bantime and escalation; else a manual ban. */
export function banCommand(ctx: VerbContext, ip: string, options: { jail?: string; seconds?: number }): Promise<number> {
  return withChannel(ctx, { without: 'change' }, async (channel) => {
    const session = sshSession();
    const record = await channel.request({
      command: 'ban',
      ip,
      ...(options.seconds !== undefined ? { seconds: options.seconds } : {}),
      ...(options.jail ? { jail: options.jail } : {}),
      ...(session ? { session } : {}),
    });
    ctx.out.write(`banned ${record.ip}${record.jail === 'manual' ? '' : ` in jail ${record.jail}`} ${banLengthAfterVerb(record)} (ban #${record.count})\n`);
  });
}

/** `portcullis unban <ip>...` / `portcullis unban --all`: every address is tried; one not banned fails the command. */
export function unbanCommand(ctx: VerbContext, ips: string[], all: boolean): Promise<number> {
  if (all === (ips.length > 0)) {
    ctx.err.write(`portcullis: unban needs ${all ? 'either addresses or --all, not both' : 'an address (or several), or --all'}\n`);
    return Promise.resolve(1);
  }
  return withChannel(ctx, { without: 'change' }, async (channel) => {
    if (all) {
      const result = await channel.request({ command: 'unban', all: true });
      ctx.out.write(`unbanned ${result.unbanned} addresses\n`);
      return 0;
    }
    let failed = 0;
    for (const ip of ips) {
      try {
        await channel.request({ command: 'unban', ip });
        ctx.out.write(`unbanned ${ip}\n`);
      } catch (error) {
        ctx.err.write(`portcullis: ${(error as Error).message}\n`);
        failed++;
      }
    }
    return failed ? 1 : 0;
  });
}

/** `portcullis trust add|rm <range>` and `portcullis trust list [--json]`. */
export function trustCommand(ctx: VerbContext, action: 'add' | 'rm' | 'list', range: string | undefined, json: boolean): Promise<number> {
  if (action === 'list') {
    return withChannel(ctx, { without: 'read' }, async (channel) => {
      const result = await channel.request({ command: 'trust', action: 'list' });
      if (result.action === 'list') ctx.out.write(formatTrusted(result.ranges, json));
    });
  }
  if (!range) {
    ctx.err.write(`portcullis: trust ${action} needs an IP or CIDR\n`);
    return Promise.resolve(1);
  }
  return withChannel(ctx, { without: 'change' }, async (channel) => {
    const result = await channel.request({ command: 'trust', action, range, ...(action === 'add' ? { note: 'added from the command line' } : {}) });
    if (result.action === 'add') {
      ctx.out.write(`trusted ${result.range}${result.unbanned.length ? `; unbanned ${result.unbanned.join(', ')}` : ''}\n`);
    } else if (result.action === 'rm') {
      if (!result.removed) throw new Error(`${result.range} is not a trusted range added at run time`);
      ctx.out.write(`no longer trusted: ${result.range}\n`);
    }
  });
}
