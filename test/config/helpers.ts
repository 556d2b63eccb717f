import { makeTempDir as makeTempDirIn, type TempDir } from '../helpers/temp-dir.js';
import { ConfigError } from '../../src/config/index.js';

/** A temporary folder for config files; call `remove()` in afterEach. */
export const makeTempDir = (): TempDir => makeTempDirIn('portcullis-config-');

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
