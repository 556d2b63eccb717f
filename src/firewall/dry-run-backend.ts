import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { writeFileAtomic } from '../domain/atomic-write.js';
import { checkAddress } from './addresses.js';
import { describeRule } from './rules.js';
import type { BanEntry, FirewallBackend, LiveRuleset, RuleSet } from './types.js';

interface DryRunState {
  started: boolean;
  bans: string[];
  trusted: string[];
  rules: RuleSet | null;
}

/**
 * Changes nothing in the kernel: records what it would do (`log`) and keeps the state it would
 * have made, in memory or in a JSON file so that separate command-line runs see one firewall.
 * Addresses are checked exactly as the real backends check them.
 */
export class DryRunBackend implements FirewallBackend {
  readonly name = 'dry-run' as const;
  /** What a real backend would have done, one line per operation. */
  readonly log: string[] = [];
  private state: DryRunState;

  constructor(private readonly stateFile?: string) {
    this.state = stateFile && existsSync(stateFile)
      ? (JSON.parse(readFileSync(stateFile, 'utf8')) as DryRunState)
      : { started: false, bans: [], trusted: [], rules: null };
  }

  async start(trusted: string[]): Promise<void> {
    this.record(`start: create ban sets and chains (trusted: ${trusted.join(', ') || 'none'})`);
    this.state.started = true;
    this.state.trusted = trusted.map((t) => checkAddress(t).text);
    this.save();
  }

  async stop(options: { removeBans?: boolean } = {}): Promise<void> {
    this.record(`stop: remove chains${options.removeBans ? ' and ban sets' : ', keep ban sets'}`);
    this.state.started = false;
    if (options.removeBans) this.state.bans = [];
    this.save();
  }

  async ban(entries: BanEntry[]): Promise<void> {
    const addresses = entries.map((e) => checkAddress(e.address).text);
    this.record(`ban ${addresses.length}: ${preview(addresses)}`);
    const set = new Set(this.state.bans);
    for (const a of addresses) set.add(a);
    this.state.bans = [...set];
    this.save();
  }

  async unban(addresses: string[]): Promise<void> {
    const gone = new Set(addresses.map((a) => checkAddress(a).text));
    this.record(`unban ${gone.size}: ${preview([...gone])}`);
    this.state.bans = this.state.bans.filter((b) => !gone.has(b));
    this.save();
  }

  async replaceBans(entries: BanEntry[]): Promise<void> {
    this.state.bans = [...new Set(entries.map((e) => checkAddress(e.address).text))];
    this.record(`replace bans: ${this.state.bans.length} in one command`);
    this.save();
  }

  async listBans(): Promise<string[]> {
    return [...this.state.bans];
  }

  async setTrusted(ranges: string[]): Promise<void> {
    this.state.trusted = ranges.map((r) => checkAddress(r).text);
    this.record(`trusted: ${this.state.trusted.join(', ') || 'none'}`);
    this.save();
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
    this.save();
  }

  async live(): Promise<LiveRuleset> {
    const rules = this.state.rules;
    return {
      backend: this.name,
      managed: rules ? this.planRules(rules) : [],
      foreign: ['(dry-run: the kernel is not read)'],
      bans: this.state.bans.length,
    };
  }

  /** The rules last applied, as a real backend would have them live. */
  get appliedRules(): RuleSet | null {
    return this.state.rules;
  }

  private record(line: string): void {
    this.log.push(line);
  }

  private save(): void {
    if (!this.stateFile) return;
    mkdirSync(dirname(this.stateFile), { recursive: true });
    writeFileAtomic(this.stateFile, JSON.stringify(this.state));
  }
}

function preview(items: string[]): string {
  return items.length <= 5 ? items.join(', ') : `${items.slice(0, 5).join(', ')}, ... (${items.length - 5} more)`;
}
