import { execFile } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const CLI = path.join(ROOT, 'dist', 'cli.js');

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a program with an argument array (no shell) and collects its exit code and output. */
export function run(file: string, args: string[], timeout = 60_000, env: NodeJS.ProcessEnv = {}): Promise<RunResult> {
  return new Promise((resolve) => {
    const options = { cwd: ROOT, timeout, maxBuffer: 32 << 20, env: { ...process.env, TZ: 'UTC', ...env } };
    execFile(file, args, options, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** Runs the built CLI. */
export const cli = (...args: string[]): Promise<RunResult> => run(process.execPath, [CLI, ...args]);

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : statSync(full).mtimeMs);
  }
  return newest;
}

/** Builds `dist/` when it is missing or older than `src/` (the npm test script builds first anyway). */
export async function ensureCliBuilt(): Promise<void> {
  if (existsSync(CLI) && statSync(CLI).mtimeMs >= newestMtime(path.join(ROOT, 'src'))) return;
  const built = await run('npx', ['tsc', '-p', 'tsconfig.build.json'], 180_000);
  // tsc still emits when another part of src has a type error; only a missing CLI is fatal.
  if (built.code !== 0 && !existsSync(CLI)) throw new Error(`build failed:\n${built.stdout}${built.stderr}`);
}
