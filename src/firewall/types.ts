import type { RuleSet } from '../domain/rule-types.js';

export type { FirewallRule, PortSpec, RuleSet } from '../domain/rule-types.js';

/** A ban in the kernel's set. */
export interface BanEntry {
  /** Canonical IPv4 or IPv6 address (or CIDR), already checked by ipaddr.js. */
  address: string;
  /** Seconds until the kernel drops it by itself; absent: until removed. */
  timeout?: number;
}

/** What the kernel has now, read back, for the read-only view. */
export interface LiveRuleset {
  backend: string;
  /** Our own rules as the kernel has them, one per line, in the backend's syntax. */
  managed: string[];
  /** Everything else, per table, exactly as `iptables-save` / `nft list ruleset` prints it. */
  foreign: string[];
  /** Bans in our sets, counted without listing them where the backend can (ipset headers, nftables' own count). */
  bans: number;
}

/** Where commands run: the host, or a network namespace (tests). */
export interface CommandTarget {
  /** Run every command inside `ip netns exec <netns>`. */
  netns?: string;
}

/**
 * A packet-filter backend. Implementations own their chains, sets or table and touch nothing else;
 * every method is idempotent and reports a failing command with its stderr.
 */
export interface FirewallBackend {
  readonly name: 'iptables' | 'nftables' | 'dry-run';
  /** Creates our objects, or finds and reconciles them (a second start changes nothing). */
  start(trusted: string[]): Promise<void>;
  /** Removes our rules; the ban sets too only when `removeBans`. */
  stop(options?: { removeBans?: boolean }): Promise<void>;
  /** Adds bans, all in one command. */
  ban(entries: BanEntry[]): Promise<void>;
  /** Removes bans, all in one command. */
  unban(addresses: string[]): Promise<void>;
  /**
   * Makes the ban sets hold exactly these (start-up restore), in one command. The entries are
   * read once, one at a time, while that command runs, and not kept: a million bans are never
   * one array. A bad entry found part-way rejects with its error, the sets as they were.
   */
  replaceBans(entries: Iterable<BanEntry>): Promise<void>;
  /** Addresses in the ban sets now. */
  listBans(): Promise<string[]>;
  /** Makes these ranges skip the ban sets (never banned); the managed rules still apply to them. */
  setTrusted(ranges: string[]): Promise<void>;
  /** The commands (or script) that would make `rules` live, for `diff`. */
  planRules(rules: RuleSet): string[];
  /** Makes `rules` live in one atomic step. */
  applyRules(rules: RuleSet): Promise<void>;
  /** The kernel's view, ours and foreign. */
  live(): Promise<LiveRuleset>;
}
