/**
 * The configuration layer: TOML in, a validated {@link Config} out, with every
 * default filled in and every duration in seconds (-1 = permanent).
 */
export { loadConfig, loadConfigWithTables, parseConfig, resolveConfigPath, configOverlayDir, configFiles, userFilterDir, mergeTables, formatKeyPath, locateKey } from './load.js';
export { definingFiles, editOverlay, overlayFile, readConfigTables, removeFromOverlay, writeOverlay, type ConfigFileTables } from './overlay.js';
export { parseDuration, formatDuration, checkDuration, PERMANENT } from './duration.js';
export type { DurationOptions, DurationCheck } from './duration.js';
export { ConfigError, formatProblem } from './errors.js';
export type { ConfigProblem } from './errors.js';
export { configSchema, isIpOrCidr, ACTION_NAMES, JAIL_NAME } from './schema.js';
export { parseListen } from './schema-metrics.js';
export { BLOCKLIST_NAME, DEFAULT_MAX_ENTRIES, DEFAULT_REFRESH, LIST_FORMATS } from './schema-blocklists.js';
export type {
  Config,
  Settings,
  EscalationSettings,
  TrustedSettings,
  JailConfig,
  ActionName,
  DaemonSettings,
  FirewallSettings,
  NotifySettings,
  EmailSettings,
  FleetSettings,
  MetricsSettings,
  SubnetSettings,
  BlocklistConfig,
  ListFormat,
} from './schema.js';
export type { FirewallRuleConfig } from '../domain/rule-types.js';
