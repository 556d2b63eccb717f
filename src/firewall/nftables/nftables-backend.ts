import { AddressSlots } from '../../net/index.js';
import { CommandError, runCommand } from '../run-command.js';
import { withScriptFile } from '../script-file.js';
import type { BanEntry, CommandTarget, FirewallBackend, LiveRuleset, RuleSet } from '../types.js';
import { covers, rangeOf, sameRange, type AddressRange } from './address-ranges.js';
import { BanCount } from './ban-count.js';
import { NftSession } from './nft-session.js';
import {
  BAN_SETS,
  NET_SETS,
  TABLE_FAMILY,
  TABLE_NAME,
  banChainLines,
  banElement,
  createLines,
  deleteChainLines,
  deleteTableLines,
  distinctElements,
  elementLines,
  migrationLines,
  plainElement,
  removeLines,
  trustedLines,
  type SetElement,
} from './nft-script.js';
import { runInTransactions } from './fill-transactions.js';
import { deleteListLines } from './list-objects.js';
import { restoreLines } from './restore-script.js';
import { ruleLines } from './rule-lines.js';
import { isOwnTable, listedElement, parseBanElements, ownTableLines, splitTables, type ListedElement, type TableBlock } from './ruleset-parser.js';

/** Scripts up to this size go to the session as one line (about 1,000 addresses); larger ones as a file it includes. */
const SESSION_MAX_BYTES = 64 * 1024;

/** Statements (1,000 elements each) per transaction when a restore fills empty sets. */
const FILL_STATEMENTS = 100;

/** What nft says when an element would overlap one already in an interval set. */
const OVERLAP = /interval overlaps|conflicting intervals/;

/**
 * The nftables backend: one table of our own, `inet portcullis`, holding the ban sets (addresses
 * in plain hash sets, networks in interval sets), the trusted sets, one ban chain at prerouting
 * before connection tracking and one chain for the managed rules. Every change is one nft
 * script, so one atomic transaction (but the restore that fills empty sets after a reboot: see
 * `replaceBans`); nothing outside the table is touched.
 */
export class NftablesBackend implements FirewallBackend {
  readonly name = 'nftables' as const;
  /** How many addresses the hash sets hold, from what this process put in and took out (never listed). */
  private readonly count = new BanCount();
  private readonly session: NftSession;
  /** True while the ban sets are known to be empty: made by this start, or emptied by a restore. */
  private emptyBans = false;
  /** How many transactions the last restore ran (one unless it filled empty sets). */
  restoreTransactions = 0;

  constructor(
    private readonly target: CommandTarget = {},
    private readonly options: { fillStatements?: number } = {},
  ) {
    this.session = new NftSession(target);
  }

  async start(trusted: string[]): Promise<void> {
    // Checked before anything runs, so a bad range leaves the kernel as it was.
    const trustedScript = trustedLines(trusted);
    const own = await this.ownTable();
    // No table: the sets this start makes are empty (after a reboot), and a restore may fill them
    // in several transactions. A table left by an earlier run keeps its bans in force until the
    // restore replaces them in one.
    if (!own) this.emptyBans = true;
    const migration = own ? migrationLines(own.text) : [];
    if (migration.length > 0) {
      await this.nft(migration);
      this.count.forget();
    }
    // Through the session (as one line or an included file), which is then running.
    await this.nft([...createLines(), ...banChainLines(), ...trustedScript]);
  }

  async stop(options: { removeBans?: boolean } = {}): Promise<void> {
    const own = await this.ownTable();
    if (!own) return;
    // The blocklists' chains go with ours; their sets stay with the bans unless those go too.
    await this.nft(options.removeBans ? deleteTableLines() : [...deleteListLines(own.text, false), ...deleteChainLines()]);
    if (options.removeBans) this.count.reset([]);
  }

  /**
   * Adds the bans with exactly the timeouts given, in one transaction. An address that may be
   * there already (this process put it in, or does not know) is removed and added again in it, so
   * it gets the new timeout (this nft cannot update one): in a hash set that costs the same
   * whatever the set holds. Networks go to the interval sets,
   * which refuse overlapping elements; only then are those (small) sets listed, and the ban skips
   * what a wider network already covers and replaces the narrower ones it covers.
   */
  async ban(entries: BanEntry[]): Promise<void> {
    const { singles, networks } = banKinds(entries);
    if (singles.length === 0 && networks.length === 0) return;
    this.emptyBans = false;
    // An address this process knows is not in the sets is simply added (most of a flood); only
    // the others may be there with another timeout, and are removed first.
    const present = this.count.known ? singles.filter((e) => this.count.has(e.checked.text)) : singles;
    try {
      await this.nft([
        ...removeLines(BAN_SETS, present),
        ...elementLines('add', BAN_SETS, singles),
        ...removeLines(NET_SETS, networks),
        ...elementLines('add', NET_SETS, networks),
      ]);
    } catch (err) {
      if (!isOverlap(err) || networks.length === 0) throw err;
      if (singles.length > 0) await this.nft([...removeLines(BAN_SETS, present), ...elementLines('add', BAN_SETS, singles)]);
      this.count.add(singles.map(textOf));
      await this.banAroundOverlaps(networks);
      return;
    }
    this.count.add(singles.map(textOf));
  }

  /**
   * Skips networks a wider one already covers and deletes the ones the new networks cover (the
   * same range included, so it gets its new timeout), from a listing of the network sets. Plain
   * deletes: nft 1.0.6 checks an add against its cache as if an add-then-delete of the same
   * transaction had not happened. A listed network that expires before this commits makes it
   * fail with nft's error.
   */
  private async banAroundOverlaps(elements: SetElement[]): Promise<void> {
    const listed = await this.listedNetworks();
    const ranged = elements.map((element) => ({ element, range: rangeOf(element.checked) }));
    const fresh = ranged.filter((e) => !listed.some((l) => covers(l.range, e.range) && !sameRange(l.range, e.range)));
    if (fresh.length === 0) return;
    // Ranges ("a-b") are never ours; deleting one is left to fail with nft's own error.
    const stale = listed.filter((l) => !l.text.includes('-') && fresh.some((e) => covers(e.range, l.range)));
    await this.nft([
      ...elementLines('delete', NET_SETS, stale.map((l) => plainElement(l.text))),
      ...elementLines('add', NET_SETS, fresh.map((e) => e.element)),
    ]);
  }

  /**
   * Removes exactly these addresses or networks, present or not (added first, then deleted, in
   * one transaction). An address inside a banned network stays banned: the network is what was
   * banned. nft refuses to add a network inside a banned one, so only then are the network sets
   * listed and the exact matches removed.
   */
  async unban(addresses: string[]): Promise<void> {
    const { singles, networks } = splitKinds(distinctUnban(addresses.map(plainElement)));
    if (singles.length === 0 && networks.length === 0) return;
    try {
      await this.nft([...removeLines(BAN_SETS, singles), ...removeLines(NET_SETS, networks)]);
    } catch (err) {
      if (!isOverlap(err) || networks.length === 0) throw err;
      if (singles.length > 0) await this.nft(removeLines(BAN_SETS, singles));
      const listed = await this.listedNetworks();
      const present = networks.filter((e) => listed.some((l) => sameRange(l.range, rangeOf(e.checked))));
      if (present.length > 0) await this.nft(removeLines(NET_SETS, present));
    }
    this.count.remove(singles.map(textOf));
  }

  /**
   * One transaction, its statements made as nft reads them (see `restoreLines`): a small one in
   * the session, a large one streamed to an `nft -f -` of its own, which is killed, so commits
   * nothing, should an entry turn out bad part-way. Sets known to be empty (after a reboot) are
   * filled in transactions of 100,000 elements instead, each made while nft works on the one
   * before, so a million bans are back in seconds and the first ones at once; nothing was in
   * force to keep, and an entry bad part-way leaves what was put in before it.
   */
  async replaceBans(entries: Iterable<BanEntry>): Promise<void> {
    const singles = new AddressSlots();
    const added = { any: false };
    const lines = noting(restoreLines(entries, singles), added);
    const fill = this.emptyBans;
    this.emptyBans = false;
    if (fill) {
      try {
        this.restoreTransactions = await runInTransactions(lines, this.options.fillStatements ?? FILL_STATEMENTS, (script) => this.nft(script));
      } catch (err) {
        this.count.forget();
        throw err;
      }
    } else {
      const head: string[] = [];
      let length = 0;
      let next = lines.next();
      for (; !next.done && length <= SESSION_MAX_BYTES; next = lines.next()) {
        head.push(next.value);
        length += next.value.length + 1;
      }
      if (next.done) await this.nft(head);
      else await runCommand(['nft', '-f', '-'], this.target, withNewlines(head, next.value, lines));
      this.restoreTransactions = 1;
    }
    this.count.adopt(singles);
    this.emptyBans = !added.any;
  }

  /** Every element of the ban sets: a full listing, for callers that need the addresses. */
  async listBans(): Promise<string[]> {
    if (!(await this.ownTable())) return [];
    // Set by set: the table also holds the blocklists' sets, which may hold a million entries.
    let out: string[] = [];
    for (const set of [...Object.values(BAN_SETS), ...Object.values(NET_SETS)]) {
      const { stdout } = await runCommand(['nft', '-j', 'list', 'set', TABLE_FAMILY, TABLE_NAME, set], this.target);
      out = out.concat(parseBanElements(stdout));
    }
    return out;
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
   * table is then listed in full. The addresses are counted from what this process put in the
   * hash sets, without listing them (a process that has not written them yet, a command run
   * without a daemon, lists them once); networks are counted from their own small sets, where
   * the kernel may merge one into a wider one.
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
      bans: own ? (this.count.known ? this.count.size : await this.countByListing()) + (await this.listedNetworks()).length : 0,
    };
  }

  /** The hash sets' addresses, counted once by listing them, and kept from then on. */
  private async countByListing(): Promise<number> {
    const addresses = (await this.listBans()).filter((text) => !text.includes('/') && !text.includes('-'));
    this.count.reset(addresses);
    return addresses.length;
  }

  /** The network sets' elements, with what they cover (they stay small: CIDR bans only). */
  private async listedNetworks(): Promise<Array<ListedElement & { range: AddressRange }>> {
    const texts: string[] = [];
    for (const set of Object.values(NET_SETS)) {
      const { stdout } = await runCommand(['nft', '-j', 'list', 'set', TABLE_FAMILY, TABLE_NAME, set], this.target);
      texts.push(...parseBanElements(stdout));
    }
    return texts.map(listedElement).filter((l): l is ListedElement & { range: AddressRange } => l.range !== null);
  }

  /** Our table from the terse listing, which leaves set elements out and so stays fast with a million bans. */
  private async ownTable(): Promise<TableBlock | undefined> {
    const { stdout } = await runCommand(['nft', '-t', 'list', 'ruleset'], this.target);
    return splitTables(stdout).find(isOwnTable);
  }

  /**
   * Runs one script as one transaction in the long-lived nft session: a small one (a ban, an
   * unban) as one line, a large one (a flood's batch) from a file the session includes, which nft
   * reads itself (a pipe would wait for this process, busy with the flood's next batch) and runs
   * as one transaction as `nft -f` would. No process is started per batch: each start forked
   * this process, about 24 ms with 300 MiB held, and left every page it then wrote to be copied
   * once more (a scratch loop adding a million addresses took 9.6 s instead of 1.9 with a
   * command started every 4,096).
   */
  private async nft(lines: string[]): Promise<void> {
    let length = 0;
    for (const line of lines) length += line.length + 1;
    if (length <= SESSION_MAX_BYTES) await this.session.run(lines);
    else await withScriptFile(`${lines.join('\n')}\n`, (file) => this.session.run([includeLine(file)]));
  }
}

/** `include "FILE"`: the file's path is ours (a private temporary folder), checked all the same. */
function includeLine(file: string): string {
  if (/["\\\n]/.test(file)) throw new Error(`cannot include ${JSON.stringify(file)} in an nft script`);
  return `include "${file}"`;
}

/** The lines as they pass, noting whether any element was added. */
function* noting(lines: Iterable<string>, added: { any: boolean }): Generator<string> {
  for (const line of lines) {
    if (!added.any && line.startsWith('add element ')) added.any = true;
    yield line;
  }
}

/** The script's lines, each ended, as pieces for a command's stdin: those read already, then the rest as made. */
function* withNewlines(head: string[], current: string, rest: Iterator<string>): Generator<string> {
  for (const line of head) yield `${line}\n`;
  yield `${current}\n`;
  for (let next = rest.next(); !next.done; next = rest.next()) yield `${next.value}\n`;
}

function isOverlap(err: unknown): boolean {
  return err instanceof CommandError && OVERLAP.test(err.stderr);
}

/** Checked bans split by set kind, each kind without duplicates (networks without nested ones too). */
function banKinds(entries: BanEntry[]): { singles: SetElement[]; networks: SetElement[] } {
  const { singles, networks } = splitKinds(entries.map(banElement));
  return { singles: distinctElements(singles), networks: distinctElements(networks) };
}

/** Single addresses (hash sets) apart from networks (interval sets). */
function splitKinds(elements: SetElement[]): { singles: SetElement[]; networks: SetElement[] } {
  const singles: SetElement[] = [];
  const networks: SetElement[] = [];
  for (const e of elements) (e.checked.prefix === (e.checked.family === 4 ? 32 : 128) ? singles : networks).push(e);
  return { singles, networks };
}

function textOf(element: SetElement): string {
  return element.checked.text;
}

/** Unbans are exact: duplicates go, but a network and an address inside it are both kept. */
function distinctUnban(elements: SetElement[]): SetElement[] {
  const seen = new Set<string>();
  return elements.filter((e) => !seen.has(e.checked.text) && seen.add(e.checked.text));
}
