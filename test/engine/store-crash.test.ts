import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DATABASE_FILE, SqliteStore } from '../../src/engine/store.js';
import { makeTempDir, type TempDir } from './helpers.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FIXTURE = path.join(ROOT, 'test', 'engine', 'fixtures', 'ban-burst.ts');

interface Burst {
  /** The addresses the child reported as made, in order. */
  made: string[];
  signal: NodeJS.Signals | null;
  stderr: string;
}

/**
 * Runs the burst child and SIGKILLs it once it has reported somewhere between 250 and 350 bans,
 * after a random extra delay of up to 5 ms, so the kill lands at varying points of a write.
 */
function burstAndKill(stateDir: string, batchSize: number): Promise<Burst> {
  const killAfter = 250 + Math.floor(Math.random() * 100);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, stateDir, String(batchSize)], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const made: string[] = [];
    let pending = '';
    let stderr = '';
    let killing = false;
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout.on('data', (chunk: Buffer) => {
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop()!; // only complete lines count
      for (const line of lines) if (line.startsWith('made ')) made.push(line.slice(5));
      if (!killing && made.length >= killAfter) {
        killing = true;
        setTimeout(() => child.kill('SIGKILL'), Math.random() * 5);
      }
    });
    child.on('error', reject);
    child.on('close', (_code, signal) => {
      clearTimeout(timer);
      resolve({ made, signal, stderr });
    });
  });
}

/** The ten-dot address the child writes as its n-th ban. */
const ipOf = (n: number): string => `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;

let tmp: TempDir;
beforeEach(() => {
  tmp = makeTempDir('portcullis-crash-');
});
afterEach(() => tmp.remove());

describe.each([
  { mode: 'putBan', batchSize: 1 },
  { mode: 'putBans of 25', batchSize: 25 },
])('SqliteStore killed mid-burst ($mode)', ({ batchSize }) => {
  it.each([1, 2, 3])('keeps every ban reported as made (run %i)', async (run) => {
    const stateDir = path.join(tmp.dir, `state-${run}`);
    const burst = await burstAndKill(stateDir, batchSize);
    expect(burst.signal, burst.stderr).toBe('SIGKILL');
    expect(burst.made.length).toBeGreaterThanOrEqual(250);

    const store = SqliteStore.open(stateDir);
    let stored: string[];
    try {
      stored = store.activeBans().map((ban) => ban.ip);
      const storedSet = new Set(stored);
      const missing = burst.made.filter((ip) => !storedSet.has(ip));
      expect(missing).toEqual([]);
      for (const ip of burst.made) expect(store.history(ip, 0)).toHaveLength(1);
    } finally {
      store.close();
    }

    // The bans stored are the first ones the child wrote, with at most the write in flight beyond
    // those reported, and a ban never lands without its history row or the other way round.
    const expected = Array.from({ length: stored.length }, (_, i) => ipOf(i + 1)).sort();
    expect(stored).toEqual(expected);
    expect(stored.length - burst.made.length).toBeLessThanOrEqual(batchSize);
    expect(stored.length % batchSize).toBe(0);
    const raw = new Database(path.join(stateDir, DATABASE_FILE), { readonly: true });
    try {
      expect(raw.pragma('integrity_check', { simple: true })).toBe('ok');
      const historyIps = raw.prepare('SELECT ip FROM history ORDER BY ip').pluck().all();
      expect(historyIps).toEqual(stored);
    } finally {
      raw.close();
    }
    console.log(
      `crash run ${run} (batch ${batchSize}): killed after ${burst.made.length} reported, ${stored.length} stored`,
    );
  });
});
