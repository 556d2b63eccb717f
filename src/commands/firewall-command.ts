import type { FirewallShow } from '../control/index.js';
import { RuleApplier } from '../firewall/rule-applier.js';
import { selectBackend } from '../firewall/select-backend.js';
import { sshSession } from '../net/index.js';
import { waitForRollback } from './rollback-timer.js';
import { withChannel, type VerbContext } from './with-channel.js';

/** `portcullis firewall show|apply|confirm|rollback`, the same through the daemon or in this process. */
export function firewallCommand(ctx: VerbContext, action: 'show' | 'apply' | 'confirm' | 'rollback', options: { json?: boolean; force?: boolean }): Promise<number> {
  const { out, err } = ctx;
  // Only `show` reads; the others change the rules, so without a daemon they take the state lock.
  const channelOptions = action === 'show' ? { without: 'read', readFirewall: true } as const : { without: 'change' } as const;
  return withChannel(ctx, channelOptions, async (channel, where) => {
    const session = sshSession();
    const result = await channel.request({
      command: 'firewall', action, ...(options.force ? { force: true } : {}), ...(action === 'apply' && session ? { session } : {}),
    });
    if (options.json) {
      out.write(`${JSON.stringify(result.data, null, 2)}\n`);
      return result.action === 'apply' && !result.data.applied ? 1 : 0;
    }
    if (result.action === 'show') {
      out.write(showText(result.data));
      return 0;
    }
    if (result.action === 'apply') {
      const { data } = result;
      out.write(`backend: ${data.backend}${where.notice ? ` (${where.notice})` : ''}\n`);
      out.write(`${['changes:', ...data.diff.map((l) => `  ${l}`), 'commands:', ...data.commands.map((l) => `  ${l}`)].join('\n')}\n`);
      if (!data.applied) {
        err.write(`${data.warnings.map((w) => `warning: ${w}`).join('\n')}\nnot applied: add --force to apply anyway (it is still rolled back unless confirmed)\n`);
        return 1;
      }
      out.write(`applied; confirm within ${Math.round((data.pending.deadline - Date.now()) / 1000)} s with "portcullis firewall confirm", `
        + `or the previous rules come back by themselves (at ${new Date(data.pending.deadline).toLocaleTimeString()})\n`);
      return 0;
    }
    out.write(`${result.message}\n`);
    return 0;
  });
}

/** What `firewall show` prints. */
export function showText(show: FirewallShow, now = Date.now()): string {
  const rows = [
    `backend: ${show.backend}${show.notice ? ` (${show.notice})` : ''}`,
    `bans in the kernel: ${show.live.bans}`,
  ];
  if (show.pending) {
    rows.push(`APPLY PENDING: rolled back in ${Math.max(0, Math.ceil((show.pending.deadline - now) / 1000))} s unless confirmed (portcullis firewall confirm)`);
  }
  rows.push(
    '',
    'managed rules, live:',
    ...(show.live.managed.length ? show.live.managed.map((l) => `  ${l}`) : ['  (none)']),
    '',
    `other rules of the host (${show.live.foreign.length} lines, untouched):`,
    ...show.live.foreign.slice(0, 40).map((l) => `  ${l}`),
    ...(show.live.foreign.length > 40 ? [`  ... ${show.live.foreign.length - 40} more`] : []),
    '',
    'config draft against the confirmed rules:',
    ...show.diff.map((l) => `  ${l}`),
  );
  return `${rows.join('\n')}\n`;
}

/**
 * `firewall rollback --when-due`: the countdown of an apply made while no daemon ran, in its own
 * detached process; the same wait the daemon runs ({@link waitForRollback}).
 */
export async function rollbackWhenDue(ctx: VerbContext): Promise<number> {
  const { config } = ctx.loaded;
  const choice = await selectBackend(config.firewall.backend, config.daemon.state_dir);
  if ((await waitForRollback(new RuleApplier(choice.backend, config.daemon.state_dir))) === 'rolled-back') ctx.out.write('rolled back: not confirmed in time\n');
  return 0;
}
