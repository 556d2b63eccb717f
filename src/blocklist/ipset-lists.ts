import { CommandError, runCommand } from '../firewall/run-command.js';
import type { CommandTarget } from '../firewall/types.js';

/** Our raw-table chain of list drops, jumped to from PREROUTING just after the ban chain's jump. */
const CHAIN = 'PORTCULLIS-BLOCKLISTS';
const HOOK = 'PREROUTING';
const TOOLS = {
  4: { iptables: 'iptables', restore: 'iptables-restore', family: 'inet', trusted: 'portcullis-trusted4' },
  6: { iptables: 'ip6tables', restore: 'ip6tables-restore', family: 'inet6', trusted: 'portcullis-trusted6' },
} as const;
const FAMILIES = [4, 6] as const;
/** ipset's default; a bigger list gets a set sized for it. */
const MIN_MAXELEM = 65536;
const BUSY_RETRIES = 10;

/** Set names (31 characters at most: names are 16 at most). `n`: the one a refresh fills before the swap. */
export const ipsetName = (name: string, family: 4 | 6, temp = false): string => `pcbl-${name}-${family}${temp ? 'n' : ''}`;

/** One `ipset restore` script: fill a new set, swap it with the live one, destroy the old contents. */
export function ipsetReplaceScript(name: string, family: 4 | 6, entries: readonly string[]): string {
  const live = ipsetName(name, family);
  const temp = ipsetName(name, family, true);
  const size = Math.max(MIN_MAXELEM, entries.length);
  const lines = [`create ${temp} hash:net family ${TOOLS[family].family} maxelem ${size} -exist`, `flush ${temp}`];
  for (const entry of entries) lines.push(`add ${temp} ${entry} -exist`);
  lines.push(`swap ${temp} ${live}`, `destroy ${temp}`);
  return `${lines.join('\n')}\n`;
}

/** Blocklist sets (ipset) and their drop rules (iptables raw table). */
export class IpsetLists {
  constructor(private readonly target: CommandTarget = {}) {}

  private run(argv: string[], input?: string) {
    return runCommand(argv, this.target, input);
  }

  async start(names: readonly string[]): Promise<void> {
    const sets: string[] = [];
    for (const family of FAMILIES) {
      sets.push(`create ${TOOLS[family].trusted} hash:net family ${TOOLS[family].family} -exist`);
      for (const name of names) sets.push(`create ${ipsetName(name, family)} hash:net family ${TOOLS[family].family} maxelem ${MIN_MAXELEM} -exist`);
    }
    await this.run(['ipset', 'restore'], `${sets.join('\n')}\n`);
    for (const family of FAMILIES) {
      const { iptables, restore, trusted } = TOOLS[family];
      const rules = ['*raw', `:${CHAIN} - [0:0]`, `-A ${CHAIN} -m set --match-set ${trusted} src -j RETURN`];
      for (const name of names) rules.push(`-A ${CHAIN} -m set --match-set ${ipsetName(name, family)} src -m comment --comment "blocklist ${name}" -j DROP`);
      rules.push('COMMIT');
      await this.run([restore, '--noflush'], `${rules.join('\n')}\n`);
      if (!(await this.hasJump(iptables))) {
        const count = (await this.run([iptables, '-t', 'raw', '-S', HOOK])).stdout.split('\n').filter((l) => l.startsWith('-A ')).length;
        await this.run([iptables, '-t', 'raw', '-I', HOOK, String(Math.min(2, count + 1)), '-j', CHAIN]);
      }
    }
  }

  private async hasJump(iptables: string): Promise<boolean> {
    try {
      await this.run([iptables, '-t', 'raw', '-C', HOOK, '-j', CHAIN]);
      return true;
    } catch (error) {
      if (error instanceof CommandError) return false;
      throw error;
    }
  }

  /**
   * Fills and swaps both families. The kernel refuses a swap while the set is being listed
   * ("Device or resource busy"); the script can run again from the start, so it is retried.
   */
  async replace(name: string, v4: readonly string[], v6: readonly string[]): Promise<void> {
    const script = ipsetReplaceScript(name, 4, v4) + ipsetReplaceScript(name, 6, v6);
    for (let attempt = 1; ; attempt++) {
      try {
        await this.run(['ipset', 'restore'], script);
        return;
      } catch (error) {
        if (!(error instanceof CommandError) || !/busy/i.test(error.stderr) || attempt >= BUSY_RETRIES) throw error;
        await new Promise((resolve) => setTimeout(resolve, 20 * attempt));
      }
    }
  }

  /** Packets dropped per list (both families), from the rule counters. */
  async dropped(): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    for (const family of FAMILIES) {
      const { stdout } = await this.run([TOOLS[family].iptables, '-t', 'raw', '-L', CHAIN, '-v', '-x', '-n']);
      for (const m of stdout.matchAll(/^\s*(\d+)\s+\d+\s+DROP\b.*\/\* blocklist ([a-z0-9_-]+) \*\//gm)) {
        counts.set(m[2]!, (counts.get(m[2]!) ?? 0) + Number(m[1]));
      }
    }
    return counts;
  }

  /** Removes the jump, the chain and the list sets. */
  async stop(names: readonly string[]): Promise<void> {
    for (const family of FAMILIES) {
      const { iptables } = TOOLS[family];
      while (await this.hasJump(iptables)) await this.run([iptables, '-t', 'raw', '-D', HOOK, '-j', CHAIN]);
      await this.run([iptables, '-t', 'raw', '-F', CHAIN]).catch(() => undefined);
      await this.run([iptables, '-t', 'raw', '-X', CHAIN]).catch(() => undefined);
      for (const name of names) await this.run(['ipset', 'destroy', ipsetName(name, family)]).catch(() => undefined);
    }
  }
}
