import { ExclusiveQueue } from '../domain/exclusive-queue.js';
import { createLine } from '../firewall/iptables/ipset-script.js';
import { LIST_SET_PREFIX, LISTS_CHAIN, setName } from '../firewall/iptables/names.js';
import { CommandError, runCommand } from '../firewall/run-command.js';
import type { CommandTarget } from '../firewall/types.js';

/** Our raw-table chain of list drops, jumped to from PREROUTING just after the ban chain's jump. */
const CHAIN = LISTS_CHAIN;
const HOOK = 'PREROUTING';
const TOOLS = {
  4: { iptables: 'iptables', restore: 'iptables-restore', family: 'inet' },
  6: { iptables: 'ip6tables', restore: 'ip6tables-restore', family: 'inet6' },
} as const;
const FAMILIES = [4, 6] as const;
/** ipset's default; a bigger list gets a set sized for it. */
const MIN_MAXELEM = 65536;
const MIN_HASHSIZE = 1024;
const BUSY_RETRIES = 10;

/** Set names (31 characters at most: names are 16 at most). `n`: the one a refresh fills before the swap. */
export const ipsetName = (name: string, family: 4 | 6, temp = false): string => `${LIST_SET_PREFIX}${name}-${family}${temp ? 'n' : ''}`;

/** A hash sized for `entries` from the start, so filling it never stops to grow and rehash it. */
function hashSize(entries: number): number {
  let size = MIN_HASHSIZE;
  while (size * 4 < entries) size *= 2;
  return size;
}

/**
 * One `ipset restore -exist` script: a new set made for the entries (a temporary one a failed
 * refresh left is destroyed first), filled, swapped with the live one (the drop rule keeps
 * pointing at the live name, so packets see the old list until the swap and the new one after),
 * and the old contents destroyed.
 */
export function ipsetReplaceScript(name: string, family: 4 | 6, entries: readonly string[]): string {
  const live = ipsetName(name, family);
  const temp = ipsetName(name, family, true);
  const size = Math.max(MIN_MAXELEM, entries.length);
  const lines = [`destroy ${temp}`, `create ${temp} hash:net family ${TOOLS[family].family} hashsize ${hashSize(entries.length)} maxelem ${size}`];
  for (const entry of entries) lines.push(`add ${temp} ${entry}`);
  lines.push(`swap ${temp} ${live}`, `destroy ${temp}`);
  return `${lines.join('\n')}\n`;
}

/** The chain's rules: trusted ranges return first, then one counted drop per list. */
function chainRules(names: readonly string[], family: 4 | 6): string[] {
  const rules = [`-A ${CHAIN} -m set --match-set ${setName('trusted', family)} src -j RETURN`];
  for (const name of names) rules.push(`-A ${CHAIN} -m set --match-set ${ipsetName(name, family)} src -m comment --comment "blocklist ${name}" -j DROP`);
  return rules;
}

/**
 * Blocklist sets (ipset) and their drop rules (iptables raw table). Changes run one at a time:
 * two refreshes of a list share its temporary set, and one running beside the other would
 * destroy it half-filled or swap the older list in last.
 */
export class IpsetLists {
  private readonly queue = new ExclusiveQueue();

  constructor(private readonly target: CommandTarget = {}) {}

  private run(argv: string[], input?: string) {
    return runCommand(argv, this.target, input);
  }

  private async existingSets(): Promise<string[]> {
    const { stdout } = await this.run(['ipset', 'list', '-n']);
    return stdout.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  }

  /**
   * Creates what is missing (a list's set keeps its entries across a restart), rewrites the chain
   * only when its rules differ (so its drop counters carry on), jumps to it right after the ban
   * chain, and destroys the sets of lists no longer configured.
   */
  async start(names: readonly string[]): Promise<void> {
    return this.queue.run(() => this.startNow(names));
  }

  private async startNow(names: readonly string[]): Promise<void> {
    const existing = new Set(await this.existingSets());
    const create: string[] = [];
    for (const family of FAMILIES) {
      if (!existing.has(setName('trusted', family))) create.push(createLine('trusted', family));
      for (const name of names) {
        if (!existing.has(ipsetName(name, family))) create.push(`create ${ipsetName(name, family)} hash:net family ${TOOLS[family].family} maxelem ${MIN_MAXELEM}`);
      }
    }
    if (create.length > 0) await this.run(['ipset', 'restore', '-exist'], `${create.join('\n')}\n`);
    for (const family of FAMILIES) {
      const { iptables, restore } = TOOLS[family];
      const rules = chainRules(names, family);
      if ((await this.chainRules(iptables)).join('\n') !== rules.join('\n')) {
        await this.run([restore, '-w', '--noflush'], `${['*raw', `:${CHAIN} - [0:0]`, ...rules, 'COMMIT'].join('\n')}\n`);
      }
      if (!(await this.hasJump(iptables))) {
        const count = (await this.run([iptables, '-w', '-t', 'raw', '-S', HOOK])).stdout.split('\n').filter((l) => l.startsWith('-A ')).length;
        await this.run([iptables, '-w', '-t', 'raw', '-I', HOOK, String(Math.min(2, count + 1)), '-j', CHAIN]);
      }
    }
    const keep = new Set(FAMILIES.flatMap((family) => names.map((name) => ipsetName(name, family))));
    const stale = [...existing].filter((set) => set.startsWith(LIST_SET_PREFIX) && !keep.has(set));
    if (stale.length > 0) await this.run(['ipset', 'restore', '-exist'], `${stale.map((set) => `destroy ${set}`).join('\n')}\n`);
  }

  /** The chain's rules as `iptables -S` prints them; none when it does not exist. */
  private async chainRules(iptables: string): Promise<string[]> {
    try {
      return (await this.run([iptables, '-w', '-t', 'raw', '-S', CHAIN])).stdout.split('\n').filter((l) => l.startsWith('-A '));
    } catch (error) {
      if (error instanceof CommandError) return [];
      throw error;
    }
  }

  private async hasJump(iptables: string): Promise<boolean> {
    try {
      await this.run([iptables, '-w', '-t', 'raw', '-C', HOOK, '-j', CHAIN]);
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
    return this.queue.run(async () => {
      for (let attempt = 1; ; attempt++) {
        try {
          await this.run(['ipset', 'restore', '-exist'], script);
          return;
        } catch (error) {
          if (!(error instanceof CommandError) || !/busy/i.test(error.stderr) || attempt >= BUSY_RETRIES) throw error;
          await new Promise((resolve) => setTimeout(resolve, 20 * attempt));
        }
      }
    });
  }

  /** Packets dropped per list (both families), from the rule counters. */
  async dropped(): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    for (const family of FAMILIES) {
      const { stdout } = await this.run([TOOLS[family].iptables, '-w', '-t', 'raw', '-L', CHAIN, '-v', '-x', '-n']);
      for (const m of stdout.matchAll(/^\s*(\d+)\s+\d+\s+DROP\b.*\/\* blocklist ([a-z0-9_-]+) \*\//gm)) {
        counts.set(m[2]!, (counts.get(m[2]!) ?? 0) + Number(m[1]));
      }
    }
    return counts;
  }

  /** Removes the jump, the chain and every list set. */
  async stop(_names: readonly string[] = []): Promise<void> {
    return this.queue.run(async () => {
      for (const family of FAMILIES) {
        const { iptables } = TOOLS[family];
        while (await this.hasJump(iptables)) await this.run([iptables, '-w', '-t', 'raw', '-D', HOOK, '-j', CHAIN]);
        await this.run([iptables, '-w', '-t', 'raw', '-F', CHAIN]).catch(() => undefined);
        await this.run([iptables, '-w', '-t', 'raw', '-X', CHAIN]).catch(() => undefined);
      }
      const sets = (await this.existingSets()).filter((set) => set.startsWith(LIST_SET_PREFIX));
      if (sets.length > 0) await this.run(['ipset', 'restore', '-exist'], `${sets.map((set) => `destroy ${set}`).join('\n')}\n`);
    });
  }
}
