import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The folder the program runs from: a checkout, an npm install, or /usr/lib/portcullis. */
const PROGRAM_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The fields of the program's package.json read here. */
interface PackageInfo {
  version?: unknown;
  /** Written by the Debian package build: where the installed program finds its config. */
  portcullis?: { defaultConfig?: unknown };
}

function packageInfo(root: string): PackageInfo {
  try {
    return JSON.parse(readFileSync(`${root}/package.json`, 'utf8')) as PackageInfo;
  } catch {
    return {};
  }
}

/** The program's version, from its package.json. */
export function programVersion(root = PROGRAM_ROOT): string {
  const version = packageInfo(root).version;
  return typeof version === 'string' ? version : 'unknown';
}

/**
 * The config file used when `--config` is not given: `PORTCULLIS_CONFIG` when set; else the
 * installed package's (`/etc/portcullis/config.toml`, named in its package.json); else
 * `config.example.toml` in the current folder, as a checkout has always run.
 */
export function defaultConfigPath(env: NodeJS.ProcessEnv = process.env, root = PROGRAM_ROOT): string {
  const fromEnv = env['PORTCULLIS_CONFIG'];
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  const installed = packageInfo(root).portcullis?.defaultConfig;
  return typeof installed === 'string' && installed !== '' ? installed : 'config.example.toml';
}
