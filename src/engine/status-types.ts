import type { StateStatus } from './state-health.js';
import type { FleetLinkStatus } from './types.js';

/** What `status` reports: the console header and `portcullis status`. */
export interface EngineStatus {
  uptimeMs: number;
  /** The firewall backend in use (`nftables`, `iptables`, `dry-run`). */
  backend: string;
  jails: JailStatus[];
  /** Addresses banned now. */
  banned: number;
  /** Failures seen in the last 60 minutes, all jails together. */
  failuresLastHour: number;
  /** Intrusion detection on (`[settings] enabled`). */
  detection: boolean;
  /** Jails reading their logs now. */
  jailsRunning: number;
  /** The configuration file the engine was started with. */
  configPath: string;
  /** Whether the state database takes writes. */
  state: StateStatus;
  /** False while a firewall command failed and the firewall is not yet put right. */
  firewallInStep: boolean;
  /** The fleet link, when `[fleet]` is set. */
  fleet?: FleetLinkStatus;
}

/** Counts shown by `status` and the console header. */
export interface JailStatus {
  name: string;
  enabled: boolean;
  filter: string;
  sources: string[];
  /** Log files the jail follows that are not there ("no such file"): it waits for them. */
  missing: string[];
  failures: number;
  bans: number;
  tracked: number;
  /** Where the jail reads: log files, or the journal with `journalmatch`. */
  backend: 'file' | 'journal';
  journalmatch: string[];
  /** Addresses this jail bans now (empty when `status` was asked with `bannedIps: false`). */
  bannedIps: string[];
}
