import { readdirSync } from 'node:fs';
import path from 'node:path';
import {
  definingFiles,
  editOverlay,
  overlayFile,
  loadConfigWithTables,
  removeFromOverlay,
  resolveConfigPath,
  writeOverlay,
  type Config,
  type ConfigFileTables,
  type JailConfig,
} from '../config/index.js';
import type { CommandHandlers, ConfigEventData, ConfigJail, FilterInfo } from '../control/index.js';
import { compileFilter, SHIPPED_FILTER_DIR } from '../engine/filter/index.js';
import { loadJailFilter, resolveJailFilter, type JailFilterPlace } from '../engine/jail-filter.js';
import type { DaemonParts } from './daemon-parts.js';

/**
 * Writes a run-time change to the overlay file, then makes the engine use it. The overlay is
 * validated before it is kept (writeOverlay); if the engine then refuses the config (a filter
 * that no longer compiles, say), the overlay is put back as it was, so the file and the engine
 * never disagree.
 */
export function applyOverlayChange(parts: DaemonParts, change: () => Config): Promise<Config> {
  return editOverlay(parts.configPath, change, (config) => parts.engine.reload(config));
}

/** `config`, `settings`, `jail-add` and `jail-remove`: reading and editing the configuration at run time. */
export function configHandlers(parts: DaemonParts): Pick<CommandHandlers, 'config' | 'settings' | 'jail-add' | 'jail-remove'> {
  const { engine, log, configPath } = parts;
  const changed = (change: ConfigEventData['change'], name?: string): void => parts.emit?.({ event: 'config', data: name === undefined ? { change } : { change, name } });
  return {
    config: async () => {
      const config = engine.config;
      // Firewall rules are a draft until applied: they are read from the files, as `firewall show`
      // does; the same parse gives each file's tables for the jails' "defined in".
      const { config: { firewall }, tables: files } = loadConfigWithTables(configPath);
      return {
        configPath,
        overlayPath: overlayFile(configPath),
        // Copies: in-process callers get results by reference and must not reach the engine's config.
        settings: structuredClone(config.settings),
        jails: Object.entries(config.jails).map(([name, jail]) => describeJail(configPath, config, name, jail, files, engine.filterPlace())),
        firewall: { backend: firewall.backend, default_policy: firewall.default_policy, confirm_timeout: firewall.confirm_timeout, rules: structuredClone(firewall.rules) },
        filters: listFilters(engine.filterDirs()),
      };
    },
    settings: async (req) => {
      const config = await applyOverlayChange(parts, () => writeOverlay(configPath, { settings: req.patch }));
      log.notice(null, `Settings changed at run time: ${describePatch(req.patch as Record<string, unknown>)}`);
      changed('settings');
      return structuredClone(config.settings);
    },
    'jail-add': async (req) => {
      const existing = engine.config.jails[req.name];
      if (existing) throw new Error(`jail "${req.name}" exists already (in ${definingFiles(configPath, ['jails', req.name]).join(', ') || configPath})`);
      // The filter must compile before the jail is written: an error names its file and line. A
      // path must be in a filter folder (the stock fail2ban one, say), as in the config file.
      compileFilter(loadJailFilter(req.name, { filter: req.filter }, engine.filterPlace()));
      const table: Record<string, unknown> = { enabled: req.enabled ?? true, filter: req.filter, logpath: req.logpath };
      for (const key of ['maxretry', 'findtime', 'bantime', 'actions'] as const) if (req[key] !== undefined) table[key] = req[key];
      const config = await applyOverlayChange(parts, () => writeOverlay(configPath, { jails: { [req.name]: table } }));
      log.notice(req.name, `Jail added at run time: filter ${req.filter}, logs ${req.logpath.join(', ')}`);
      changed('jail-add', req.name);
      return describeJail(configPath, config, req.name, config.jails[req.name]!, undefined, engine.filterPlace());
    },
    'jail-remove': async (req) => {
      if (!engine.config.jails[req.name]) throw new Error(`no jail named "${req.name}"`);
      const own = definingFiles(configPath, ['jails', req.name]).filter((file) => file !== overlayFile(configPath));
      if (own.length > 0) throw new Error(`jail ${req.name} is defined in ${own[0]}; disable it instead (or remove it there)`);
      await applyOverlayChange(parts, () => removeFromOverlay(configPath, ['jails', req.name]));
      log.notice(req.name, 'Jail removed at run time');
      changed('jail-remove', req.name);
      return { name: req.name, removed: true };
    },
  };
}

/** A jail with its effective values, as `config` and `jail-add` report it. */
export function describeJail(configPath: string, config: Config, name: string, jail: JailConfig, tables: ConfigFileTables[] | undefined, place: JailFilterPlace): ConfigJail {
  const files = definingFiles(configPath, ['jails', name], tables);
  const overlay = overlayFile(configPath);
  let filterFile: string | undefined;
  try {
    filterFile = resolveJailFilter(jail.filter, place.searchDirs, place.folders);
  } catch {
    // Not found (a disabled jail may name a filter that is gone): shown without a file.
  }
  return {
    name,
    enabled: jail.enabled,
    filter: jail.filter,
    ...(filterFile ? { filterFile } : {}),
    ...(jail.filter_options && Object.keys(jail.filter_options).length ? { filterOptions: { ...jail.filter_options } } : {}),
    logpath: jail.logpath.map((p) => resolveConfigPath(configPath, p)),
    backend: jail.backend,
    maxretry: jail.maxretry ?? config.settings.maxretry,
    findtime: jail.findtime ?? config.settings.findtime,
    bantime: jail.bantime ?? config.settings.bantime,
    actions: [...jail.actions],
    ignoreregex: [...jail.ignoreregex],
    definedIn: files.length > 0 && files.every((file) => file === overlay) ? 'overlay' : 'config',
  };
}

/** Filters found by name in `dirs` (the user's folders, then the shipped one), `.conf` files but the shared `common.conf`s. */
export function listFilters(dirs: string[]): FilterInfo[] {
  const shippedDir = path.resolve(SHIPPED_FILTER_DIR);
  const filters: FilterInfo[] = [];
  for (const dir of dirs) {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      continue; // no filter.d yet is the usual case
    }
    const shipped = path.resolve(dir) === shippedDir;
    for (const file of names.filter((n) => n.endsWith('.conf') && !n.endsWith('common.conf')).sort()) {
      filters.push({ name: file.slice(0, -'.conf'.length), path: path.join(dir, file), shipped });
    }
  }
  return filters;
}

function describePatch(patch: Record<string, unknown>, prefix = ''): string {
  return Object.entries(patch)
    .map(([key, value]) =>
      typeof value === 'object' && value !== null && !Array.isArray(value)
        ? describePatch(value as Record<string, unknown>, `${prefix}${key}.`)
        : `${prefix}${key} = ${JSON.stringify(value)}`)
    .join(', ');
}
