import { existsSync } from 'node:fs';
import path from 'node:path';
import { userFilterDir } from '../config/index.js';
import { writeFileAtomic } from '../domain/atomic-write.js';
import { STOCK_FILTER_DIR } from '../engine/jail-filter.js';
import { importFail2ban, renderConfig } from '../fail2ban-import/index.js';

export interface ImportOptions {
  out?: string;
  force?: boolean;
}

/**
 * `portcullis import-fail2ban [DIR]`: writes a portcullis config for DIR's enabled jails to
 * stdout or `--out FILE` (never over an existing file without `--force`), and prints on stderr
 * what it could not carry over, one line each with file and line. Exit 0 when a config was written.
 */
export function importCommand(dir: string, options: ImportOptions, out: NodeJS.WritableStream, err: NodeJS.WritableStream): number {
  if (!existsSync(dir)) {
    err.write(`error: ${dir}: no such folder\n`);
    return 1;
  }
  if (options.out && existsSync(options.out) && !options.force) {
    err.write(`error: ${options.out} exists; add --force to replace it\n`);
    return 1;
  }
  const result = importFail2ban(dir);
  if (result.files.length === 0) {
    err.write(`error: ${dir}: no jail.conf, jail.local or jail.d/ files\n`);
    return 1;
  }
  const text = renderConfig(result, dir);
  for (const note of result.notes) err.write(`${note.file}:${note.line}: ${note.message}\n`);
  if (options.out && result.jails.length > 0 && !filtersReachable(dir, options.out)) {
    const filterDir = path.join(path.resolve(dir), 'filter.d');
    err.write(`warning: the jails name their filters by path in ${filterDir}, which portcullis reads only for a config written in ${path.resolve(dir)} (next to that filter.d) or in ${STOCK_FILTER_DIR}; ${options.out} will not start as it is\n`);
  }
  if (options.out) {
    writeFileAtomic(options.out, text, { mode: 0o644 });
    err.write(`${options.out}: ${result.jails.length} jail(s) written, ${result.notes.length} thing(s) not carried over\n`);
  } else {
    out.write(text);
  }
  return 0;
}

/**
 * Whether the engine will accept the filter paths written: a filter named by its path must be
 * in the config's own `filter.d` or fail2ban's stock folder (see resolveJailFilter).
 */
function filtersReachable(dir: string, out: string): boolean {
  const filterDir = path.join(path.resolve(dir), 'filter.d');
  return filterDir === userFilterDir(out) || filterDir === path.resolve(STOCK_FILTER_DIR);
}
