import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../domain/atomic-write.js';
import { parse, stringify } from 'smol-toml';
import { configFiles, configOverlayDir, formatKeyPath, isTable, loadConfig, mergeTables } from './load.js';
import type { Config } from './schema.js';

type Table = Record<string, unknown>;

const HEADER = '# Written by portcullis for changes made at run time. Edit your own config file\n'
  + '# instead; a key here wins over the same key there.\n';

/** The file run-time edits go to (the console, the client): never the administrator's own file. */
export function overlayFile(configFile: string): string {
  return path.join(configOverlayDir(configFile), 'console.toml');
}

/**
 * Merges `patch` into the overlay file (tables key by key, arrays replaced) and checks that the
 * whole configuration still loads before anything is written; a patch that would make it invalid
 * throws the usual ConfigError and leaves every file as it was. Returns the new configuration.
 */
export function writeOverlay(configFile: string, patch: Table): Config {
  return rewriteOverlay(configFile, (current) => mergeTables(current, patch));
}

/**
 * Removes the key at `keyPath` (a table such as `["jails", "web"]`, or a value) from the overlay
 * file, checked like {@link writeOverlay}: the whole configuration must still load, or nothing
 * changes. Throws when the overlay does not hold that key. Returns the new configuration.
 */
export function removeFromOverlay(configFile: string, keyPath: string[]): Config {
  if (keyPath.length === 0) throw new Error('removeFromOverlay needs a key path');
  return rewriteOverlay(configFile, (current) => {
    const parent = lookup(current, keyPath.slice(0, -1));
    const last = keyPath[keyPath.length - 1]!;
    if (!isTable(parent) || !Object.hasOwn(parent, last)) {
      throw new Error(`${formatKeyPath(keyPath)} is not in ${overlayFile(configFile)}`);
    }
    // The table objects came fresh from the parser, so editing them in place is safe.
    delete parent[last];
    return current;
  });
}

/** One configuration file and its own tables, as parsed (empty when unreadable or broken). */
export interface ConfigFileTables {
  file: string;
  tables: Table;
}

/** The configuration files (main file first, then `config.d/*.toml` in merge order), each parsed once. */
export function readConfigTables(configFile: string): ConfigFileTables[] {
  return configFiles(configFile).map((file) => {
    try {
      return { file, tables: parse(readFileSync(file, 'utf8')) as Table };
    } catch {
      return { file, tables: {} }; // unreadable or broken: loadConfig reports it; it defines nothing here
    }
  });
}

/**
 * The configuration files whose own text sets `keyPath`, e.g. `["jails", "sshd"]`: where a jail
 * or a setting comes from. Give `files` when asking about many keys, to parse them once.
 */
export function definingFiles(configFile: string, keyPath: string[], files = readConfigTables(configFile)): string[] {
  return files.filter(({ tables }) => lookup(tables, keyPath) !== undefined).map(({ file }) => file);
}


/**
 * Puts whatever edit of the overlay file `edit` makes (writeOverlay, removeFromOverlay) before
 * `accept`, which gets the new configuration (the engine reloads it): when `accept` throws, the
 * overlay file goes back to what it was, so a refused change leaves nothing behind.
 */
export async function editOverlay(configFile: string, edit: () => Config, accept: (config: Config) => Promise<void>): Promise<Config> {
  const { restore } = snapshotOverlay(configFile);
  const config = edit();
  try {
    await accept(config);
  } catch (err) {
    restore();
    throw err;
  }
  return config;
}

/** The overlay file's text now (null: none), and how to put it back. */
function snapshotOverlay(configFile: string): { previous: string | null; restore: () => void } {
  const file = overlayFile(configFile);
  const previous = existsSync(file) ? readFileSync(file, 'utf8') : null;
  return {
    previous,
    restore: () => {
      if (previous === null) rmSync(file, { force: true });
      else writeAtomically(file, previous);
    },
  };
}

function rewriteOverlay(configFile: string, change: (current: Table) => Table): Config {
  const file = overlayFile(configFile);
  const { previous, restore } = snapshotOverlay(configFile);
  const next = change(previous === null ? {} : (parse(previous) as Table));
  mkdirSync(path.dirname(file), { recursive: true });
  writeAtomically(file, `${HEADER}${stringify(next)}\n`);
  try {
    return loadConfig(configFile);
  } catch (err) {
    restore();
    throw err;
  }
}

function lookup(table: Table, keyPath: string[]): unknown {
  let node: unknown = table;
  for (const key of keyPath) {
    if (!isTable(node) || !Object.hasOwn(node, key)) return undefined;
    node = node[key];
  }
  return node;
}



function writeAtomically(file: string, text: string): void {
  writeFileAtomic(file, text, { mode: 0o640 });
}
