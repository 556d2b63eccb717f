import { ExclusiveQueue } from '../domain/exclusive-queue.js';
import { deleteListLines, LIST_PREFIX, LISTS_CHAIN, LISTS_CHAIN_SPEC, listObjects } from '../firewall/nftables/list-objects.js';
import { TABLE, TRUSTED_SETS } from '../firewall/nftables/nft-script.js';
import { runCommand } from '../firewall/run-command.js';
import type { CommandTarget } from '../firewall/types.js';
import { groupByPrefix, prefixMask, type PrefixGroups } from './prefix-groups.js';

/**
 * How a list lives in nftables: plain hash sets only, one per family and prefix length in use,
 * matched as `ip saddr & <mask> @set` (single addresses: prefix 32 or 128, no mask). A lookup
 * costs one hash probe per prefix length present, however many entries. No interval sets: nft
 * 1.0.6 lists every interval set's elements before any `add element` in the whole ruleset, so a
 * list of 100,000 networks in one would make each ban take seconds.
 *
 * A refresh fills a second generation of sets (`bl_NAME_<gen>_<family>_<prefix>`), then one
 * transaction points the list's chain at them and deletes the old ones.
 */
type Generation = 0 | 1;
const FAMILIES = [4, 6] as const;

const PER_STATEMENT = 5000;
/** `add element` statements per `nft -f` (100,000 entries) while a generation is filled: keeps nft's own memory near 40 MB. */
const STATEMENTS_PER_FILL = 100_000 / PER_STATEMENT;

/** The names of one list's objects: its chain and counter, and its sets. */
export const nftListNames = (name: string) => ({
  chain: `${LIST_PREFIX}${name}`,
  counter: `${LIST_PREFIX}${name}`,
  set: (generation: Generation, family: 4 | 6, prefix: number) => `${LIST_PREFIX}${name}_${generation}_${family}_${prefix}`,
});

const setType = (family: 4 | 6): string => (family === 4 ? 'type ipv4_addr;' : 'type ipv6_addr;');

/** The list's sets of one generation in a terse listing of the table: family and prefix of each. */
function setsOf(terse: string, name: string, generation: Generation): Array<{ set: string; family: 4 | 6; prefix: number }> {
  const out: Array<{ set: string; family: 4 | 6; prefix: number }> = [];
  for (const m of terse.matchAll(new RegExp(`^\\tset (${LIST_PREFIX}${name}_${generation}_([46])_(\\d{1,3})) \\{`, 'gm'))) {
    out.push({ set: m[1]!, family: m[2] === '4' ? 4 : 6, prefix: Number(m[3]) });
  }
  return out;
}

/** A list's chain rewritten to drop from the given sets, counting in its named counter. */
function listChainLines(name: string, sets: ReadonlyArray<{ set: string; family: 4 | 6; prefix: number }>): string[] {
  const n = nftListNames(name);
  const lines = [`flush chain ${TABLE} ${n.chain}`];
  for (const { set, family, prefix } of sets) {
    const full = family === 4 ? 32 : 128;
    const match = `${family === 4 ? 'ip' : 'ip6'} saddr${prefix === full ? '' : ` & ${prefixMask(family, prefix)}`}`;
    lines.push(`add rule ${TABLE} ${n.chain} ${match} @${set} counter name "${n.counter}" drop`);
  }
  return lines;
}

/**
 * The generation a list uses in a terse listing: the one its chain points at, else (its chain
 * removed with the backend's, its sets kept) the one whose sets exist; 0 when it has none.
 */
function generationInUse(terse: string, name: string): Generation {
  for (const generation of [1, 0] as const) {
    if (new RegExp(`@${LIST_PREFIX}${name}_${generation}_[46]_\\d{1,3}(\\s|$)`, 'm').test(terse)) return generation;
  }
  return setsOf(terse, name, 1).length > 0 && setsOf(terse, name, 0).length === 0 ? 1 : 0;
}

/**
 * One transaction that makes the layout match `names`: the base chain (trusted ranges return
 * first, then a jump per list), each list's counter and chain (pointing at the sets it uses, kept
 * with their entries), and the objects of lists no longer configured, of an unfinished refresh
 * or of an earlier layout deleted.
 */
export function nftStartScript(names: readonly string[], terse: string): string {
  const lines = [
    `add table ${TABLE}`,
    `add set ${TABLE} ${TRUSTED_SETS[4]} { type ipv4_addr; flags interval; }`,
    `add set ${TABLE} ${TRUSTED_SETS[6]} { type ipv6_addr; flags interval; }`,
    `add chain ${TABLE} ${LISTS_CHAIN} { ${LISTS_CHAIN_SPEC} }`,
    `flush chain ${TABLE} ${LISTS_CHAIN}`,
    `add rule ${TABLE} ${LISTS_CHAIN} ip saddr @${TRUSTED_SETS[4]} return`,
    `add rule ${TABLE} ${LISTS_CHAIN} ip6 saddr @${TRUSTED_SETS[6]} return`,
  ];
  const keep = new Set<string>();
  for (const name of names) {
    const n = nftListNames(name);
    const generation = generationInUse(terse, name);
    const sets = setsOf(terse, name, generation);
    keep.add(n.chain);
    for (const { set } of sets) keep.add(set);
    lines.push(`add counter ${TABLE} ${n.counter}`, `add chain ${TABLE} ${n.chain}`, ...listChainLines(name, sets), `add rule ${TABLE} ${LISTS_CHAIN} jump ${n.chain}`);
  }
  const found = listObjects(terse);
  for (const chain of found.chains.filter((c) => !keep.has(c))) lines.push(`flush chain ${TABLE} ${chain}`, `delete chain ${TABLE} ${chain}`);
  for (const set of found.sets.filter((s) => !keep.has(s))) lines.push(`delete set ${TABLE} ${set}`);
  for (const counter of found.counters.filter((c) => !keep.has(c))) lines.push(`delete counter ${TABLE} ${counter}`);
  return `${lines.join('\n')}\n`;
}

/**
 * The scripts of one refresh: the other generation's sets created and filled, 100,000 entries
 * per transaction, then one transaction that points the list's chain at them and deletes the old
 * sets. Packets see the old list until that last transaction commits and the new one from then
 * on: never none, never half.
 */
export function nftReplaceScripts(name: string, next: Generation, groups: PrefixGroups, old: readonly string[]): { fill: string[]; swap: string } {
  const n = nftListNames(name);
  const sets: Array<{ set: string; family: 4 | 6; prefix: number }> = [];
  const create: string[] = [];
  const elements: string[] = [];
  for (const family of FAMILIES) {
    for (const [prefix, entries] of groups[family]) {
      const set = n.set(next, family, prefix);
      sets.push({ set, family, prefix });
      create.push(`add set ${TABLE} ${set} { ${setType(family)} }`);
      for (let i = 0; i < entries.length; i += PER_STATEMENT) elements.push(`add element ${TABLE} ${set} { ${entries.slice(i, i + PER_STATEMENT).join(', ')} }`);
    }
  }
  const fill = [[...create, ...elements.slice(0, STATEMENTS_PER_FILL)]];
  for (let i = STATEMENTS_PER_FILL; i < elements.length; i += STATEMENTS_PER_FILL) fill.push(elements.slice(i, i + STATEMENTS_PER_FILL));
  const swap = [...listChainLines(name, sets), ...old.map((set) => `delete set ${TABLE} ${set}`)];
  return { fill: fill.map((lines) => `${lines.join('\n')}\n`), swap: `${swap.join('\n')}\n` };
}

/**
 * Blocklist sets and their drop rules in nftables, in our table beside the bans. The generation
 * a list uses is read from the kernel at every refresh, never remembered: another holder (the
 * daemon before a restart, the lists before a reload) may have refreshed it since.
 */
export class NftLists {
  /** Two refreshes never share a generation. */
  private readonly queue = new ExclusiveQueue();

  constructor(private readonly target: CommandTarget = {}) {}

  private nft(script: string): Promise<unknown> {
    return runCommand(['nft', '-f', '-'], this.target, script);
  }

  /** Our table in the terse listing (no set elements, so fast with a million); '' when there is none. */
  private async terse(): Promise<string> {
    const { stdout } = await runCommand(['nft', '-t', 'list', 'ruleset'], this.target);
    const start = stdout.indexOf(`table ${TABLE} {`);
    return start < 0 ? '' : stdout.slice(start, stdout.indexOf('\n}', start) + 2);
  }

  async start(names: readonly string[]): Promise<void> {
    return this.queue.run(async () => {
      await this.nft(nftStartScript(names, await this.terse()));
    });
  }

  async replace(name: string, v4: readonly string[], v6: readonly string[]): Promise<void> {
    const groups = groupByPrefix(v4, v6);
    return this.queue.run(async () => {
      const terse = await this.terse();
      const current = generationInUse(terse, name);
      const next: Generation = current === 0 ? 1 : 0;
      // Sets of the next generation left by a refresh that failed part-way go first.
      const leftover = setsOf(terse, name, next).map(({ set }) => `delete set ${TABLE} ${set}`);
      if (leftover.length > 0) await this.nft(`${leftover.join('\n')}\n`);
      const old = setsOf(terse, name, current).map(({ set }) => set);
      const { fill, swap } = nftReplaceScripts(name, next, groups, old);
      try {
        for (const script of fill) await this.nft(script);
        await this.nft(swap);
      } catch (error) {
        // The half-filled sets are no one's: they go, and the list in force stays as it was.
        const made = setsOf(await this.terse(), name, next).map(({ set }) => `delete set ${TABLE} ${set}`);
        if (made.length > 0) await this.nft(`${made.join('\n')}\n`).catch(() => undefined);
        throw error;
      }
    });
  }

  /** Packets dropped per list (both families), read from the named counters. */
  async dropped(): Promise<Map<string, number>> {
    const [family, table] = TABLE.split(' ') as [string, string];
    const { stdout } = await runCommand(['nft', 'list', 'counters', 'table', family, table], this.target);
    const counts = new Map<string, number>();
    for (const m of stdout.matchAll(new RegExp(`counter ${LIST_PREFIX}([a-z0-9_-]+) \\{\\s*packets (\\d+)`, 'g'))) counts.set(m[1]!, Number(m[2]));
    return counts;
  }

  /** Removes the base chain and every list's chain, counter and sets. */
  async stop(_names: readonly string[] = []): Promise<void> {
    return this.queue.run(async () => {
      const lines = deleteListLines(await this.terse(), true);
      if (lines.length > 0) await this.nft(`${lines.join('\n')}\n`);
    });
  }
}
