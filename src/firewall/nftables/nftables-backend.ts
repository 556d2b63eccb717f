import { CommandError, runCommand } from '../run-command.js';
import type { BanEntry, CommandTarget, FirewallBackend, LiveRuleset, RuleSet } from '../types.js';
import { covers, rangeOf, sameRange, type AddressRange } from './address-ranges.js';
import {
  BAN_SETS,
  TABLE,
  TABLE_FAMILY,
  TABLE_NAME,
  banChainLines,
  banElement,
  createLines,
  deleteChainLines,
  deleteTableLines,
  distinctElements,
  elementLines,
  plainElement,
  removeLines,
  script,
  trustedLines,
  type SetElement,
} from './nft-script.js';
import { ruleLines } from './rule-lines.js';
import { isOwnTable, listedElement, parseBanElements, ownTableLines, splitTables, type ListedElement } from './ruleset-parser.js';

/** What nft says when an element would overlap one already in an interval set. */
const OVERLAP = /interval overlaps|conflicting intervals/;

/**
 * The nftables backend: one table of our own, `inet portcullis`, holding the ban and trusted sets,
 * two ban chains just before the filter priority and one chain for the managed rules. Every change
 * is one `nft -f -` script, so one atomic transaction; nothing outside the table is touched.
 */
export class NftablesBackend implements FirewallBackend {
  readonly name = 'nftables' as const;

  constructor(private readonly target: CommandTarget = {}) {}

  async start(trusted: string[]): Promise<void> {
    // Checked before anything runs, so a bad range leaves the kernel as it was.
    const trustedScript = trustedLines(trusted);
    await this.nft([...createLines(), ...banChainLines(), ...trustedScript]);
  }

  async stop(options: { removeBans?: boolean } = {}): Promise<void> {
    if (!(await this.tableExists())) return;
    await this.nft(options.removeBans ? deleteTableLines() : deleteChainLines());
  }

  /**
   * Adds the bans with exactly the timeouts given: each element is removed and added again in
   * the same transaction, so a ban already there gets the new timeout. An interval set refuses
   * an element that overlaps another; only then are the sets listed (about 0.6 s with 100,000
   * bans, so not on every ban), and the ban skips what a wider ban already covers and replaces
   * narrower ones it covers.
   */
  async ban(entries: BanEntry[]): Promise<void> {
    const elements = distinctElements(entries.map(banElement));
    if (elements.length === 0) return;
    try {
      await this.nft([...removeLines(BAN_SETS, elements), ...elementLines('add', BAN_SETS, elements)]);
    } catch (err) {
      if (!isOverlap(err)) throw err;
      await this.banAroundOverlaps(elements);
    }
  }

  /**
   * Skips bans a wider ban already covers and deletes the ones the new bans cover (the same
   * range included, so it gets its new timeout), from a listing. Plain deletes: nft 1.0.6 checks
   * an add against its cache as if an add-then-delete of the same transaction had not happened.
   * A listed ban that expires before this commits makes it fail with nft's error.
   */
  private async banAroundOverlaps(elements: SetElement[]): Promise<void> {
    const listed = await this.listedRanges();
    const ranged = elements.map((element) => ({ element, range: rangeOf(element.checked) }));
    const fresh = ranged.filter((e) => !listed.some((l) => covers(l.range, e.range) && !sameRange(l.range, e.range)));
    if (fresh.length === 0) return;
    // Ranges ("a-b") are never ours; deleting one is left to fail with nft's own error.
    const stale = listed.filter((l) => !l.text.includes('-') && fresh.some((e) => covers(e.range, l.range)));
    await this.nft([
      ...elementLines('delete', BAN_SETS, stale.map((l) => plainElement(l.text))),
      ...elementLines('add', BAN_SETS, fresh.map((e) => e.element)),
    ]);
  }

  /**
   * Removes exactly these addresses or networks, present or not (added first, then deleted, in
   * one transaction). An address inside a banned network stays banned: the network is what was
   * banned. nft refuses to add such an address, so only then are the sets listed and the exact
   * matches removed.
   */
  async unban(addresses: string[]): Promise<void> {
    const elements = distinctUnban(addresses.map(plainElement));
    if (elements.length === 0) return;
    try {
      await this.nft(removeLines(BAN_SETS, elements));
    } catch (err) {
      if (!isOverlap(err)) throw err;
      const listed = await this.listedRanges();
      const present = elements.filter((e) => listed.some((l) => sameRange(l.range, rangeOf(e.checked))));
      if (present.length > 0) await this.nft(removeLines(BAN_SETS, present));
    }
  }

  async replaceBans(entries: BanEntry[]): Promise<void> {
    const elements = distinctElements(entries.map(banElement));
    await this.nft([
      `flush set ${TABLE} ${BAN_SETS[4]}`,
      `flush set ${TABLE} ${BAN_SETS[6]}`,
      ...elementLines('add', BAN_SETS, elements),
    ]);
  }

  async listBans(): Promise<string[]> {
    if (!(await this.tableExists())) return [];
    const { stdout } = await runCommand(['nft', '-j', 'list', 'table', TABLE_FAMILY, TABLE_NAME], this.target);
    return parseBanElements(stdout);
  }

  async setTrusted(ranges: string[]): Promise<void> {
    await this.nft(trustedLines(ranges));
  }

  planRules(rules: RuleSet): string[] {
    return ruleLines(rules);
  }

  async applyRules(rules: RuleSet): Promise<void> {
    await this.nft(ruleLines(rules));
  }

  /**
   * The terse listing (no set elements) gives the tables and our own rules at once; each foreign
   * table is then listed in full, and the bans counted from our sets. With 100,000 bans this is
   * about a third of the time one full `nft list ruleset` takes, which formats every element.
   */
  async live(): Promise<LiveRuleset> {
    const { stdout } = await runCommand(['nft', '-t', 'list', 'ruleset'], this.target);
    const blocks = splitTables(stdout);
    const own = blocks.find(isOwnTable);
    const foreign: string[] = [];
    for (const block of blocks.filter((b) => !isOwnTable(b))) {
      const [family, name] = block.name.split(' ') as [string, string];
      const full = await runCommand(['nft', 'list', 'table', family, name], this.target);
      foreign.push(...splitTables(full.stdout).map((b) => b.text));
    }
    return {
      backend: this.name,
      managed: own ? ownTableLines(own) : [],
      foreign,
      bans: own ? (await this.listBans()).length : 0,
    };
  }

  /** The ban sets' elements that are addresses, networks or ranges, with what they cover. */
  private async listedRanges(): Promise<Array<ListedElement & { range: AddressRange }>> {
    return (await this.listBans()).map(listedElement).filter((l): l is ListedElement & { range: AddressRange } => l.range !== null);
  }

  /** From the terse listing, which leaves set elements out and so stays fast with 100,000 bans. */
  private async tableExists(): Promise<boolean> {
    const { stdout } = await runCommand(['nft', '-t', 'list', 'ruleset'], this.target);
    return stdout.split('\n').includes(`table ${TABLE} {`);
  }

  /** Runs one script: one nft process, one transaction. */
  private async nft(lines: string[]): Promise<void> {
    await runCommand(['nft', '-f', '-'], this.target, script(lines));
  }
}

function isOverlap(err: unknown): boolean {
  return err instanceof CommandError && OVERLAP.test(err.stderr);
}

/** Unbans are exact: duplicates go, but a network and an address inside it are both kept. */
function distinctUnban(elements: SetElement[]): SetElement[] {
  const seen = new Set<string>();
  return elements.filter((e) => !seen.has(e.checked.text) && seen.add(e.checked.text));
}
