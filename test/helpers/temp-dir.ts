import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** A temporary folder; call `remove()` in afterEach. */
export interface TempDir {
  dir: string;
  /** Writes `text` to `name` (folders created) and returns the absolute path. */
  write(name: string, text: string | Buffer): string;
  remove(): void;
}

export function makeTempDir(prefix = 'portcullis-test-'): TempDir {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  return {
    dir,
    write(name, text) {
      const file = path.join(dir, name);
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, text);
      return file;
    },
    remove() {
      // Retried: a process just stopped may still be closing files in it.
      rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
    },
  };
}
