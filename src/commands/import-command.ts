import { existsSync } from 'node:fs';
import { writeFileAtomic } from '../domain/atomic-write.js';
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
  if (options.out) {
    writeFileAtomic(options.out, text, { mode: 0o644 });
    err.write(`${options.out}: ${result.jails.length} jail(s) written, ${result.notes.length} thing(s) not carried over\n`);
  } else {
    out.write(text);
  }
  return 0;
}
