import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadFilter, loadFilterText, SHIPPED_FILTER_DIR, type FilterDefinition } from '../engine/filter/index.js';

// fail2ban-regex's argument forms: a log file or a single line; a filter name, a filter file or a regex.

/** A filter name (`sshd`, `nginx-http-auth`) or a path (`./x.conf`, `/etc/x/filter.d/y.conf`). */
const NAME_OR_PATH = /^[\w.@+/-]+$/;

/** True when `filter` is a regex string rather than a filter name or path. */
function isRegexString(filter: string): boolean {
  if (filter.includes('<HOST>') || filter.includes('<ADDR>') || filter.includes('<IP4>') || filter.includes('<IP6>')) return true;
  return !NAME_OR_PATH.test(filter) && !existsSync(filter);
}

/** The filter named, read from the given path, or made of one regex string (`failregex = ...`). */
export function regexFilter(filter: string, dirs: string[]): FilterDefinition {
  const searched = [...dirs, SHIPPED_FILTER_DIR];
  if (!isRegexString(filter)) return loadFilter(filter, searched);
  if (/[\r\n]/.test(filter)) throw new Error('the regex given on the command line must be one line');
  // In a filter file `%` starts a reference; the command line means it literally.
  return loadFilterText(`[Definition]\nfailregex = ${filter.replace(/%/g, '%%')}\n`, 'command-line', searched);
}

/**
 * The log to read: `log` itself when it is a file; else `log` is one log line, written to a
 * private temporary file that `done` removes. A word without spaces is a file name, never a
 * line: a mistyped path is reported as "no such file", not matched as text.
 */
export function regexLog(log: string): { path: string; done: () => void } {
  if (!/\s/.test(log)) return { path: log, done: () => {} };
  if (existsSync(log)) {
    if (!statSync(log).isFile()) throw new Error(`${log}: not a log file`);
    return { path: log, done: () => {} };
  }
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-regex-'));
  const path = join(dir, 'line.log');
  writeFileSync(path, `${log.replace(/\n+$/, '')}\n`, { mode: 0o600 });
  return { path, done: () => rmSync(dir, { recursive: true, force: true }) };
}
