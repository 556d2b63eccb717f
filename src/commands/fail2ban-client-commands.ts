import { closestName, printable } from '../domain/index.js';
import type { EngineStatus, JailStatus } from '../engine/engine.js';
import { sshSession } from '../net/index.js';
import { withChannel, type VerbContext } from './with-channel.js';

// fail2ban-client's habits: `status [JAIL]` in its shape and `set JAIL banip|unbanip IP...`.

/** The fields of fail2ban-client's `status JAIL`, as `--json` prints them. */
export interface JailReport {
  name: string;
  currentlyFailed: number;
  totalFailed: number;
  /** Log files, or empty for a journal jail. */
  fileList: string[];
  /** journalctl matches, for a journal jail. */
  journalMatches: string[];
  currentlyBanned: number;
  totalBanned: number;
  bannedIps: string[];
}

export function jailReport(j: JailStatus): JailReport {
  return {
    name: j.name,
    currentlyFailed: j.tracked,
    totalFailed: j.failures,
    fileList: j.backend === 'journal' ? [] : j.sources,
    journalMatches: j.backend === 'journal' ? j.journalmatch : [],
    currentlyBanned: j.bannedIps.length,
    totalBanned: j.bans,
    bannedIps: j.bannedIps,
  };
}

/** fail2ban-client's layout of one jail's status. */
export function formatJailReport(r: JailReport, journal: boolean): string {
  const source = journal ? `Journal matches:\t${printable(r.journalMatches.join(' + '))}` : `File list:\t${printable(r.fileList.join(' '))}`;
  return [
    `Status for the jail: ${r.name}`,
    '|- Filter',
    `|  |- Currently failed:\t${r.currentlyFailed}`,
    `|  |- Total failed:\t${r.totalFailed}`,
    `|  \`- ${source}`,
    '`- Actions',
    `   |- Currently banned:\t${r.currentlyBanned}`,
    `   |- Total banned:\t${r.totalBanned}`,
    `   \`- Banned IP list:\t${r.bannedIps.join(' ')}`,
    '',
  ].join('\n');
}

/** fail2ban-client's summary under `status`: how many jails run, and which. */
export function formatJailSummary(status: EngineStatus): string {
  const names = status.jails.filter((j) => j.enabled).map((j) => j.name);
  return `Status\n|- Number of jail:\t${names.length}\n\`- Jail list:\t${names.join(', ')}\n`;
}

/** The jail named `name`, or an error that suggests the closest name. */
export function findJail(status: EngineStatus, name: string): JailStatus {
  const found = status.jails.find((j) => j.name === name);
  if (found) return found;
  const best = closestName(name, status.jails.map((j) => j.name), Math.max(2, Math.floor(name.length / 3)));
  const hint = best ? ` (did you mean '${best}'?)` : '';
  throw Object.assign(new Error(`no jail named '${printable(name)}'${hint}`), { name: 'CommandError' });
}

/** `portcullis status JAIL [--json]`: one jail in fail2ban-client's shape. */
export function jailStatusCommand(ctx: VerbContext, name: string, json: boolean): Promise<number> {
  return withChannel(ctx, { without: 'none' }, async (channel) => {
    const jail = findJail(await channel.request({ command: 'status' }), name);
    const report = jailReport(jail);
    ctx.out.write(json ? `${JSON.stringify(report)}\n` : formatJailReport(report, jail.backend === 'journal'));
  });
}

/** `portcullis set JAIL banip|unbanip IP...`: `1` per address done, each failure named on stderr. */
export function setCommand(ctx: VerbContext, jailName: string, action: 'banip' | 'unbanip', ips: string[]): Promise<number> {
  return withChannel(ctx, { without: 'change' }, async (channel) => {
    findJail(await channel.request({ command: 'status' }), jailName);
    const session = sshSession();
    let failed = 0;
    for (const ip of ips) {
      try {
        if (action === 'banip') await channel.request({ command: 'ban', ip, jail: jailName, ...(session ? { session } : {}) });
        else await channel.request({ command: 'unban', ip });
        ctx.out.write('1\n');
      } catch (error) {
        ctx.err.write(`portcullis: ${printable(ip)}: ${(error as Error).message}\n`);
        failed++;
      }
    }
    return failed ? 1 : 0;
  });
}
