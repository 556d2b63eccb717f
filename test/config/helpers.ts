import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError } from '../../src/config/index.js';

/** A temporary folder for config files; call `remove()` in afterEach. */
export function makeTempDir(): { dir: string; write(name: string, text: string): string; remove(): void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'portcullis-config-'));
  return {
    dir,
    write(name, text) {
      const file = path.join(dir, name);
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, text);
      return file;
    },
    remove() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Runs `fn`, expecting a ConfigError, and returns it. */
export function catchConfigError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}
