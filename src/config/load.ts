import { editDistance } from '../domain/edit-distance.js';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parse as parseToml, TomlError } from 'smol-toml';
import type { z } from 'zod';
import { ConfigError, describeValue, type ConfigProblem } from './errors.js';
import { configSchema, knownKeys, type Config } from './schema.js';

/** A key path as zod reports it: table keys and array indexes. */
import { findKeyLine, type KeyPath } from './key-lines.js';

/** A TOML table as smol-toml returns it. */
type Table = Record<string, unknown>;

/** One file that contributed to the configuration, kept so errors can point into it. */
interface Source {
  file: string;
  text: string;
  table: Table;
}

/**
 * Reads, merges and validates a configuration: the main file, then every
 * `config.d/*.toml` next to it in sorted order, deep-merged over it.
 * @throws ConfigError listing every problem, each with its file and, where found, line
 */
export function loadConfig(configFile: string): Config {
  return loadConfigWithTables(configFile).config;
}

/** {@link loadConfig}, and each file's own tables from the same parse (for "defined in"). */
export function loadConfigWithTables(configFile: string): { config: Config; tables: Array<{ file: string; tables: Table }> } {
  const files = configFiles(configFile);
  const sources: Source[] = [];
  const problems: ConfigProblem[] = [];
  for (const file of files) {
    const read = readConfigText(file);
    if ('problem' in read) {
      problems.push(read.problem);
      continue;
    }
    const { text } = read;
    const parsed = parseTomlText(text, file);
    if ('problem' in parsed) problems.push(parsed.problem);
    else sources.push({ file, text, table: parsed.table });
  }
  // Validating a merge of only the files that parsed would report confusing follow-on errors.
  if (problems.length > 0) throw new ConfigError(problems);
  return { config: validate(sources), tables: sources.map(({ file, table }) => ({ file, tables: table })) };
}

/**
 * Validates one TOML document, without overlays.
 * @param file the name used in error messages
 * @throws ConfigError listing every problem
 */
export function parseConfig(text: string, file: string): Config {
  const parsed = parseTomlText(text, file);
  if ('problem' in parsed) throw new ConfigError(parsed.problem);
  return validate([{ file, text, table: parsed.table }]);
}

/** The folder whose `*.toml` files loadConfig merges over `configFile`; console edits go there. */
export function configOverlayDir(configFile: string): string {
  return path.join(path.dirname(configFile), 'config.d');
}

/** The configuration's files in merge order: the main file, then `config.d/*.toml` sorted. */
export function configFiles(configFile: string): string[] {
  return [configFile, ...listOverlays(configFile)];
}

/** The folder of the user's own filters, searched by name before the shipped ones: `filter.d/` next to the config file. */
export function userFilterDir(configFile: string): string {
  return path.join(path.dirname(path.resolve(configFile)), 'filter.d');
}

/** Resolves a path written in the config (e.g. a `logpath`) against the config file's folder. */
export function resolveConfigPath(configFile: string, p: string): string {
  return path.isAbsolute(p) ? p : path.resolve(path.dirname(configFile), p);
}

/** Deep-merges `overlay` over `base`: tables merge key by key, anything else (arrays too) replaces. */
export function mergeTables(base: Table, overlay: Table): Table {
  const merged: Table = { ...base };
  for (const [key, value] of Object.entries(overlay)) {
    const current = merged[key];
    merged[key] = isTable(current) && isTable(value) ? mergeTables(current, value) : value;
  }
  return merged;
}

function listOverlays(configFile: string): string[] {
  const dir = configOverlayDir(configFile);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return []; // no overlay folder is the normal case
  }
  return names
    .filter((name) => name.endsWith('.toml'))
    .sort()
    .map((name) => path.join(dir, name))
    .filter((file) => statSync(file, { throwIfNoEntry: false })?.isFile() ?? false);
}

/** Larger than any real configuration: a mistaken `--config /dev/zero` or a log file is refused, not read. */
const MAX_CONFIG_BYTES = 4 << 20;

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * A config file's text. TOML is UTF-8: invalid bytes are an error naming the line, rather than
 * U+FFFD quietly standing in for them in a path or a pattern.
 * @throws ConfigError when the file cannot be read at all (missing, a folder, no permission)
 */
function readConfigText(file: string): { text: string } | { problem: ConfigProblem } {
  let bytes: Buffer;
  try {
    const info = statSync(file);
    if (!info.isFile()) return { problem: { file, message: 'cannot read: not a regular file' } };
    if (info.size > MAX_CONFIG_BYTES) return { problem: { file, message: `cannot read: ${info.size} bytes is too large for a configuration file (at most 4 MiB)` } };
    bytes = readFileSync(file);
  } catch (err) {
    throw new ConfigError({ file, message: `cannot read: ${(err as Error).message}` }, { cause: err });
  }
  try {
    return { text: strictUtf8.decode(bytes) };
  } catch {
    const bad = firstInvalidUtf8(bytes);
    const line = bytes.subarray(0, bad).toString('latin1').split('\n').length;
    return { problem: { file, line, message: `not UTF-8: byte 0x${(bytes[bad] ?? 0).toString(16).padStart(2, '0')} cannot start or continue a character (save the file as UTF-8)` } };
  }
}

/** Offset of the first byte that does not begin or continue a valid UTF-8 sequence (RFC 3629). */
function firstInvalidUtf8(bytes: Buffer): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    const length = b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
    if (length === 0) return i;
    // The second byte's range rules out overlong forms, surrogates and code points past U+10FFFF.
    const low = b === 0xe0 ? 0xa0 : b === 0xf0 ? 0x90 : 0x80;
    const high = b === 0xed ? 0x9f : b === 0xf4 ? 0x8f : 0xbf;
    for (let k = 1; k < length; k++) {
      const c = bytes[i + k];
      if (c === undefined || c < (k === 1 ? low : 0x80) || c > (k === 1 ? high : 0xbf)) return i;
    }
    i += length;
  }
  return i;
}

function parseTomlText(text: string, file: string): { table: Table } | { problem: ConfigProblem } {
  try {
    // "throw" rejects __proto__/constructor keys, which would otherwise poison the merge.
    return { table: parseToml(text, { unsafeKeyBehaviour: 'throw' }) };
  } catch (err) {
    if (!(err instanceof TomlError)) throw err;
    // smol-toml appends a code excerpt after a blank line; file:line already locates it.
    const reason = err.message.split('\n')[0]!.replace(/^Invalid TOML document: /, '');
    return { problem: { file, line: err.line, message: `TOML syntax error: ${reason} (column ${err.column})` } };
  }
}

function validate(sources: Source[]): Config {
  const merged = sources.reduce<Table>((acc, source) => mergeTables(acc, source.table), {});
  const result = configSchema.safeParse(merged, { reportInput: true });
  if (result.success) return result.data;

  const located = result.error.issues.flatMap(describeIssue).map(({ keyPath, message, value }) => {
    const index = ownerOf(sources, keyPath);
    const source = sources[index]!;
    const problem: ConfigProblem = {
      file: source.file,
      line: findKeyLine(source.text, keyPath, value),
      key: formatKeyPath(keyPath),
      message,
    };
    return { index, problem };
  });
  // Stable sort: problems read top to bottom, file by file.
  located.sort((a, b) => a.index - b.index || (a.problem.line ?? Infinity) - (b.problem.line ?? Infinity));
  throw new ConfigError(located.map(({ problem }) => problem));
}

type Issue = z.ZodError['issues'][number];

function describeIssue(issue: Issue): Array<{ keyPath: KeyPath; message: string; value?: unknown }> {
  const keyPath = issue.path.filter((seg): seg is string | number => typeof seg !== 'symbol');
  switch (issue.code) {
    case 'unrecognized_keys':
      return issue.keys.map((key) => ({ keyPath: [...keyPath, key], message: unknownKeyMessage(keyPath, key) }));
    case 'invalid_key':
      return [{ keyPath, message: issue.issues[0]?.message ?? issue.message }];
    case 'custom':
      // Custom issues (durations, CIDRs, actions) already quote the value.
      return [{ keyPath, message: issue.message, value: issue.input }];
    default: {
      const got = issue.input === undefined ? 'but it is missing' : `got ${describeValue(issue.input)}`;
      return [{ keyPath, message: `${issue.message}, ${got}`, value: issue.input }];
    }
  }
}

function unknownKeyMessage(tablePath: KeyPath, key: string): string {
  const known = knownKeys(tablePath);
  if (!known) return 'unknown key';
  const close = known.filter((k) => editDistance(k, key) <= Math.max(1, Math.floor(k.length / 4)));
  if (close.length > 0) return `unknown key (did you mean ${close.map((k) => JSON.stringify(k)).join(' or ')}?)`;
  return `unknown key (expected one of: ${known.join(', ')})`;
}

/** The source that supplied the value at `keyPath`: the deepest match, the later file on a tie. */
function ownerOf(sources: Source[], keyPath: KeyPath): number {
  let best = 0;
  let bestDepth = -1;
  sources.forEach((source, index) => {
    let node: unknown = source.table;
    let depth = 0;
    for (const seg of keyPath) {
      if (node === null || typeof node !== 'object' || !Object.hasOwn(node, seg)) break;
      node = (node as Record<string | number, unknown>)[seg];
      depth++;
    }
    if (depth >= bestDepth) {
      best = index;
      bestDepth = depth;
    }
  });
  return best;
}

/** `jails.sshd.maxretry`, `trusted.ranges[2]`, `jails."my.jail".bantime`. */
export function formatKeyPath(keyPath: KeyPath): string {
  let out = '';
  for (const seg of keyPath) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else {
      const part = /^[A-Za-z0-9_-]+$/.test(seg) ? seg : JSON.stringify(seg);
      out += out === '' ? part : `.${part}`;
    }
  }
  return out;
}

/** A TOML table (not an array, a date or a scalar). */
export function isTable(value: unknown): value is Table {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

/** The last file (the one that wins) setting `keyPath`, and the line there, for an error about its value. */
export function locateKey(configFile: string, keyPath: KeyPath): { file: string; line?: number } {
  for (const file of [...configFiles(configFile)].reverse()) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    const line = findKeyLine(text, keyPath);
    if (line !== undefined) return { file, line };
  }
  return { file: configFile };
}
