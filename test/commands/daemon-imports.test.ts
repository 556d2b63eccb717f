import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureCliBuilt, ROOT, run } from '../helpers/cli.js';

/** Packages of node_modules the built module loads, as a fresh node process sees them. */
async function packagesLoadedBy(module: string): Promise<string[]> {
  const script = `
    await import(${JSON.stringify(path.join(ROOT, 'dist', module))});
    const { createRequire } = await import('node:module');
    const names = Object.keys(createRequire(import.meta.url).cache)
      .map((file) => file.split('/node_modules/')[1]?.split('/')[0]).filter(Boolean);
    console.log(JSON.stringify([...new Set(names)]));`;
  const result = await run(process.execPath, ['--input-type=module', '-e', script]);
  expect(result.stderr).toBe('');
  return JSON.parse(result.stdout) as string[];
}

describe('the daemon loads what its config asks for', () => {
  beforeAll(ensureCliBuilt, 120_000);

  it('leaves the Redis, SMTP and metrics libraries unloaded until a config asks for them', async () => {
    const loaded = await packagesLoadedBy('commands/daemon-command.js');
    expect(loaded).toContain('better-sqlite3');
    for (const lazy of ['ioredis', 'nodemailer', 'prom-client']) expect(loaded).not.toContain(lazy);
  });
});
