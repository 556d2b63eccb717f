import type { EmailNotifierStatus } from '../actions/index.js';
import type { FirewallRuleConfig, Settings } from '../config/index.js';
import type { ActivityReport } from '../engine/activity-counter.js';
import type { EngineStatus } from '../engine/engine.js';
import type { LogEntry } from '../engine/engine-log.js';
import type { TrustedRange } from '../engine/trusted.js';
import type { BanListing, BanRecord, HistoryEntry } from '../engine/types.js';
import type { BanColumns } from './ban-columns.js';
import type { RuleSet } from '../domain/index.js';
import type { PendingApply } from '../firewall/rule-applier.js';
import type { LiveRuleset } from '../firewall/types.js';

// What each command answers with (as JSON: epoch-ms numbers, never Date objects).

/**
 * `status`: what the console header and `portcullis status` show: uptime, backend, jails with
 * their counts, addresses banned, e-mail notices (null when off), failures in the last hour,
 * whether detection is on, how many jails run, and the config file.
 */
export type StatusResult = EngineStatus & {
  /** E-mail notices; null when `[notify.email]` is not set. */
  mail: EmailNotifierStatus | null;
  /** The configured blocklists, without their drop counters (absent from a daemon without them). */
  blocklists?: BlocklistSummary[];
};

/** A blocklist as `status` mentions it. */
export interface BlocklistSummary {
  name: string;
  /** Entries in the list in force (IPv4 and IPv6). */
  entries: number;
  /** Last successful download or check (epoch ms), or null. */
  lastRefresh: number | null;
  /** Why the last refresh kept the previous list, or null when it did not. */
  lastError: string | null;
}

/** `blocklists`, `blocklist-update`: one row per configured list, as `blocklist list` shows it. */
export interface BlocklistInfo extends BlocklistSummary {
  /** The URL or file it is read from. */
  source: string;
  /** Seconds between downloads. */
  refresh: number;
  /** Packets the list dropped (both families); null when the kernel's counters cannot be read (no daemon). */
  dropped: number | null;
}

/** `activity`: the last hour minute by minute (60 entries, oldest first), top addresses and jails. */
export type ActivityResult = ActivityReport;

/** `trust`: what each action gives back. */
export type TrustResult =
  | { action: 'add'; range: string; /** Bans lifted because the range now covers them. */ unbanned: string[] }
  | { action: 'rm'; range: string; /** False when the range was not trusted at run time. */ removed: boolean }
  | { action: 'list'; ranges: TrustedRange[] };

/** `firewall show`: the kernel's view, the confirmed rules, the config draft, the difference and any pending apply. */
export interface FirewallShow {
  backend: string;
  /** Why the firewall is a dry run when it is one without being asked for. */
  notice?: string;
  live: LiveRuleset;
  current: RuleSet;
  draft: RuleSet;
  /** The draft against the confirmed rules, line by line (`-`, `+`, ` `). */
  diff: string[];
  pending: PendingApply | null;
}

/** `firewall apply`: applied (to be confirmed by the deadline), or refused by the lock-out guard. */
export type FirewallApplied =
  | { applied: true; backend: string; diff: string[]; commands: string[]; pending: PendingApply }
  /** What the draft would cut: the caller's SSH session, a trusted range. Nothing changed. */
  | { applied: false; backend: string; diff: string[]; commands: string[]; warnings: string[] };

/** `firewall`: a line for the operator, plus the action's details. */
export type FirewallResult =
  | { action: 'show'; message: string; data: FirewallShow }
  | { action: 'draft'; message: string; data: RuleSet }
  | { action: 'apply'; message: string; data: FirewallApplied }
  | { action: 'confirm' | 'rollback'; message: string; data: RuleSet };

/** A jail as `config` reports it: effective values (the global setting where the jail sets none). */
export interface ConfigJail {
  name: string;
  enabled: boolean;
  /** As the config writes it: a filter name, or a filter file's path. */
  filter: string;
  /** The file the filter resolves to; absent when it cannot be found. */
  filterFile?: string;
  /** `filter_options`: values handed to the filter (`mode`). */
  filterOptions?: Record<string, string>;
  /** Log files resolved against the config file's folder (patterns stay patterns). */
  logpath: string[];
  backend: 'file' | 'journal';
  maxretry: number;
  /** Seconds. */
  findtime: number;
  /** Seconds, -1 for permanent. */
  bantime: number;
  actions: string[];
  ignoreregex: string[];
  /** `overlay` when the jail was added at run time (only config.d/console.toml has it); such a jail can be removed. */
  definedIn: 'config' | 'overlay';
}

/** A filter the engine can find by name. */
export interface FilterInfo {
  name: string;
  path: string;
  /** True for the filters shipped with portcullis; false for the user's filter.d. */
  shipped: boolean;
}

/** A filter a jail can use, as `filter-list` offers it. */
export interface FilterChoice {
  name: string;
  path: string;
  /** The user's filter.d, the filters shipped with portcullis, or fail2ban's stock filter.d. */
  origin: 'yours' | 'shipped' | 'fail2ban';
  /** What a jail's `filter` says to use this file: the name when the name finds this file, else the path. */
  use: string;
}

/** `filter-list`: every filter a jail can use, in the order a name is looked up, fail2ban's stock ones last. */
export interface FilterListResult {
  /** The folders read, in that order, and whether each is there. */
  folders: Array<{ path: string; origin: FilterChoice['origin']; present: boolean }>;
  filters: FilterChoice[];
}

/** `config`: the configuration in force, for the console's settings, jails and firewall panes. */
export interface ConfigResult {
  configPath: string;
  /** Where run-time edits go (config.d/console.toml). */
  overlayPath: string;
  /** Durations in seconds (-1 permanent). */
  settings: Settings;
  jails: ConfigJail[];
  firewall: { backend: string; default_policy: 'accept' | 'drop'; confirm_timeout: number; rules: FirewallRuleConfig[] };
  /** The user's filter.d first, then the shipped ones (a user file shadows a shipped one of the same name). */
  filters: FilterInfo[];
  readOnlyReason?: never;
}

/** One line's verdict in `filter-test`. */
export interface FilterTestLine {
  line: string;
  /** True when the line counts as a failure for a banable address. */
  matched: boolean;
  /** True when a failregex matched but an ignoreregex (or a multi-line rule) dropped it. */
  ignored: boolean;
  /** The host as captured. */
  host?: string;
  /** The host as an IP, or null when it is a name. */
  ip?: string | null;
  /** Epoch ms: the line's date, or the read time. */
  time?: number;
  /** 0-based index of the failregex that matched. */
  regexIndex?: number;
  /** That failregex as written. */
  regex?: string;
  /** For a line that does not count: "no timestamp found", "no failregex matched", "ignored by ignoreregex #N", "host is a name, not an IP", ... */
  why?: string;
}

/** `filter-test`: the filter's name, a compile error (with file:line, and then no results), or a verdict per line. */
export interface FilterTestResult {
  filter: string;
  error?: string;
  results: FilterTestLine[];
  matched: number;
  missed: number;
}

/** `why`: whether an address is banned, the ban (its `reason` holds the matched lines) and its past bans. */
export interface WhyResult {
  ip: string;
  banned: boolean;
  record?: BanRecord;
  /** Past bans of the last 30 days, oldest first. */
  history: HistoryEntry[];
}

/** What each command answers with. */
export interface CommandResults {
  status: StatusResult;
  /** Oldest first; a subnet ban with its reason, any other without its lines (`why` reads them). */
  bans: BanListing[];
  'ban-columns': BanColumns;
  ban: BanRecord;
  /** How many bans were lifted (0 or 1 for one address). */
  unban: { unbanned: number };
  trust: TrustResult;
  jails: EngineStatus['jails'];
  jail: { name: string; enabled: boolean };
  reload: { message: string };
  logs: LogEntry[];
  firewall: FirewallResult;
  activity: ActivityResult;
  config: ConfigResult;
  /** The settings now in force. */
  settings: Settings;
  /** The jail as `config` reports it. */
  'jail-add': ConfigJail;
  'jail-remove': { name: string; removed: true };
  'filter-test': FilterTestResult;
  /** `shadowsShipped`: a shipped filter has the same name (the saved one wins); `reloaded`: a running jail uses it. */
  'filter-save': { name: string; path: string; shadowsShipped: boolean; reloaded: boolean };
  'filter-show': { name: string; path: string; text: string; shipped: boolean };
  'filter-list': FilterListResult;
  why: WhyResult;
  blocklists: BlocklistInfo[];
  /** Every list after the update (the updated ones with their new state). */
  'blocklist-update': BlocklistInfo[];
  subscribe: { subscribed: true; events: string[] | null };
  unsubscribe: { subscribed: false };
}
