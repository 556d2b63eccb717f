import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse, stringify } from 'smol-toml';
import { configOverlayDir, loadConfig, mergeTables } from './load.js';
import type { Config } from './schema.js';

type Table = Record<string, unknown>;

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
  const file = overlayFile(configFile);
  const previous = existsSync(file) ? readFileSync(file, 'utf8') : null;
  const next = mergeTables(previous === null ? {} : (parse(previous) as Table), patch);
  const text = '# Written by portcullis for changes made at run time. Edit your own config file\n'
    + `# instead; a key here wins over the same key there.\n${stringify(next)}\n`;
  mkdirSync(path.dirname(file), { recursive: true });
  writeAtomically(file, text);
  try {
    return loadConfig(configFile);
  } catch (err) {
    if (previous === null) rmSync(file, { force: true });
    else writeAtomically(file, previous);
    throw err;
  }
}

function writeAtomically(file: string, text: string): void {
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, text, { mode: 0o640 });
  renameSync(tmp, file);
}
