import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * Runs `use` with `text` in a file of a private folder (mode 0700) made for it and removed
 * after: for a script a firewall command reads itself (`ipset -file`, an `include` in the nft
 * session), so nothing waits for this process to feed a pipe, which it can only do between two
 * pieces of its own work (a flood's batch keeps it busy for half a second).
 */
export async function withScriptFile<T>(text: string, use: (file: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'portcullis-script-'));
  try {
    const file = path.join(dir, 'script');
    writeFileSync(file, text, { mode: 0o600 });
    return await use(file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
