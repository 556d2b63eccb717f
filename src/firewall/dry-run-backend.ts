import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { writeFileAtomic } from '../domain/atomic-write.js';
import { checkAddress } from '../net/index.js';
import { describeRule } from '../domain/index.js';
import type { BanEntry, FirewallBackend, LiveRuleset, RuleSet } from './types.js';

interface DryRunState {
  started: boolean;
  bans: string[];
  trusted: string[];
  rules: RuleSet | null;
}

/** One line appended to the state file after its snapshot. */
type Change = { ban: string[] } | { unban: string[] } | { set: Partial<DryRunState> };

/** The journal is folded into a new snapshot once it has more lines than this and than bans. */
const COMPACT_AFTER = 1000;

/**
 * The state a dry-run state file holds: its first line is a snapshot (the whole state as JSON,
 * what earlier versions wrote alone), each later line one change. A last line cut short by a
 * crash is skipped, as the change it began was never reported done.
 */
export function readDryRunState(file: string): { state: DryRunState; bans: Set<string>; changes: number } {
  const lines = readFileSync(file, 'utf8').split('\n').filter((l) => l !== '');
  const state = { started: false, bans: [], trusted: [], rules: null, ...(JSON.parse(lines[0] ?? '{}') as Partial<DryRunState>) };
  const bans = new Set(state.bans);
  lines.slice(1).forEach((line, i) => {
    let change: Change;
    try {
      change = JSON.parse(line) as Change;
    } catch (err) {
      if (i === lines.length - 2) return;
      throw new Error(`${file}: line ${i + 2} is not JSON: ${(err as Error).message}`);
    }
    if ('ban' in change) for (const a of change.ban) bans.add(a);
    else if ('unban' in change) for (const a of change.unban) bans.delete(a);
    else {
      Object.assign(state, change.set);
      if (change.set.bans) {
        bans.clear();
        for (const a of change.set.bans) bans.add(a);
      }
    }
  });
  return { state, bans, changes: lines.length - 1 };
}

/**
 * Changes nothing in the kernel: records what it would do (`log`) and keeps the state it would
 * have made, in memory or in a file so that separate command-line runs see one firewall: a
 * snapshot, then one appended line per change (a ban costs a line, not a rewrite of every ban),
 * folded into a new snapshot at start and whenever the changes outgrow the bans.
 * Addresses are checked exactly as the real backends check them.
 */
export class DryRunBackend implements FirewallBackend {
  readonly name = 'dry-run' as const;
  /** What a real backend would have done, one line per operation. */
  readonly log: string[] = [];
  private state: DryRunState;
  /** The bans, in the order they were first added (the state's `bans` is only kept in snapshots). */
  private bans: Set<string>;
  private changes = 0;

  constructor(private readonly stateFile?: string) {
    this.state = { started: false, bans: [], trusted: [], rules: null };
    this.bans = new Set();
    if (stateFile && existsSync(stateFile)) {
      const read = readDryRunState(stateFile);
      this.state = read.state;
      this.bans = read.bans;
      this.changes = read.changes;
      this.compactIfLong();
    }
  }

  async start(trusted: string[]): Promise<void> {
    this.record(`start: create ban sets and chains (trusted: ${trusted.join(', ') || 'none'})`);
    this.state.started = true;
    this.state.trusted = trusted.map((t) => checkAddress(t).text);
    // A start is where the journal is folded in, whatever its length.
    this.compact();
  }

  async stop(options: { removeBans?: boolean } = {}): Promise<void> {
    this.record(`stop: remove chains${options.removeBans ? ' and ban sets' : ', keep ban sets'}`);
    this.state.started = false;
    if (options.removeBans) this.bans.clear();
    this.append({ set: { started: false, ...(options.removeBans ? { bans: [] } : {}) } });
  }

  async ban(entries: BanEntry[]): Promise<void> {
    const addresses = entries.map((e) => checkAddress(e.address).text);
    this.record(`ban ${addresses.length}: ${preview(addresses)}`);
    for (const a of addresses) this.bans.add(a);
    this.append({ ban: addresses });
  }

  async unban(addresses: string[]): Promise<void> {
    const gone = new Set(addresses.map((a) => checkAddress(a).text));
    this.record(`unban ${gone.size}: ${preview([...gone])}`);
    for (const a of gone) this.bans.delete(a);
    this.append({ unban: [...gone] });
  }

  async replaceBans(entries: Iterable<BanEntry>): Promise<void> {
    const bans = new Set<string>();
    for (const entry of entries) bans.add(checkAddress(entry.address).text);
    this.bans = bans;
    this.record(`replace bans: ${this.bans.size} in one command`);
    // A whole new set: a snapshot is no bigger than the change would be.
    this.compact();
  }

  async listBans(): Promise<string[]> {
    return [...this.bans];
  }

  async setTrusted(ranges: string[]): Promise<void> {
    this.state.trusted = ranges.map((r) => checkAddress(r).text);
    this.record(`trusted: ${this.state.trusted.join(', ') || 'none'}`);
    this.append({ set: { trusted: this.state.trusted } });
  }

  planRules(rules: RuleSet): string[] {
    return [
      'flush portcullis rules chain',
      'accept established and related traffic, loopback and IPv6 neighbour discovery',
      ...rules.rules.map((r) => `add ${describeRule(r)}`),
      rules.defaultPolicy === 'drop' ? 'drop everything else' : 'leave everything else to the host rules',
    ];
  }

  async applyRules(rules: RuleSet): Promise<void> {
    for (const rule of rules.rules) rule.sources.forEach((s) => checkAddress(s));
    this.record(`apply ${rules.rules.length} rules, default ${rules.defaultPolicy}`);
    this.state.rules = structuredClone(rules);
    this.append({ set: { rules: this.state.rules } });
  }

  async live(): Promise<LiveRuleset> {
    const rules = this.state.rules;
    return {
      backend: this.name,
      managed: rules ? this.planRules(rules) : [],
      foreign: ['(dry-run: the kernel is not read)'],
      bans: this.bans.size,
    };
  }

  /** The rules last applied, as a real backend would have them live. */
  get appliedRules(): RuleSet | null {
    return this.state.rules;
  }

  private record(line: string): void {
    this.log.push(line);
  }

  private append(change: Change): void {
    if (!this.stateFile) return;
    if (!existsSync(this.stateFile)) return this.compact();
    appendFileSync(this.stateFile, `${JSON.stringify(change)}\n`);
    this.changes++;
    this.compactIfLong();
  }

  private compactIfLong(): void {
    if (this.changes > COMPACT_AFTER && this.changes > this.bans.size) this.compact();
  }

  /** Writes the whole state as one snapshot line, atomically. */
  private compact(): void {
    if (!this.stateFile) return;
    mkdirSync(dirname(this.stateFile), { recursive: true });
    writeFileAtomic(this.stateFile, `${JSON.stringify({ ...this.state, bans: [...this.bans] })}\n`);
    this.changes = 0;
  }
}

function preview(items: string[]): string {
  return items.length <= 5 ? items.join(', ') : `${items.slice(0, 5).join(', ')}, ... (${items.length - 5} more)`;
}
