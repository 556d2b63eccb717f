/**
 * `npm run bench:commit [-- --n 300000] [--runs 2]`: how long the store's small commits take once
 * a flood has gone through it, with the write-ahead log checkpointed inside the commits (SQLite's
 * way, every 1,000 pages) and on the checkpointer thread (the daemon's), alternated. Per run: N
 * bans written in batches of 5,000 as a flood's reads write them, then 400 next bans, each as the
 * engine writes one (a batch with its first failure, a batch with the second and the ban, each
 * with its read position), 20 ms apart; the time of each pair of commits.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SqliteStore } from '../src/engine/store.js';
import type { SourcePosition } from '../src/engine/types.js';
import { percentile } from './peak-rss.js';
import { option } from './options.js';

const N = Number(option('n', '300000'));
const RUNS = Number(option('runs', '2'));
const NEXT = 400;
const T0 = Date.UTC(2026, 0, 1);

const addressOf = (i: number): string => (i % 2 ? `198.${18 + ((i >> 16) & 1)}.${(i >> 8) & 255}.${i & 255}` : `2001:db8::${i.toString(16)}`);
const lineOf = (ip: string): string => `Jan  1 00:00:00 web1 sshd[1]: Failed password for root from ${ip} port 22 ssh2`;

async function run(thread: boolean): Promise<number[]> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'portcullis-commit-'));
  const store = SqliteStore.open(dir, { checkpointThread: thread });
  let offset = 0;
  const position = (): SourcePosition => ({ source: '/var/log/auth.log', inode: 1, offset: (offset += 100), firstLineHash: 'h' });
  try {
    for (let from = 0; from < N; from += 5000) {
      store.batch(() => {
        for (let i = from; i < Math.min(N, from + 5000); i++) {
          const ip = addressOf(i);
          store.addFailure({ jail: 'sshd', ip, time: T0, line: lineOf(ip) });
          store.clearFailures('sshd', [ip]);
          store.putBan({ ip, jail: 'sshd', bannedAt: T0, expiresAt: T0 + 3_600_000, count: 1, reason: [lineOf(ip), lineOf(ip)] });
        }
        store.savePosition(position());
      });
      // As between a flood's reads: the store's merges (and the thread's checkpoints) get their turn.
      await new Promise((resolve) => setImmediate(resolve));
    }
    const times: number[] = [];
    for (let k = 0; k < NEXT; k++) {
      const ip = `2001:db8:ffff::${k.toString(16)}`;
      const started = performance.now();
      store.batch(() => {
        store.addFailure({ jail: 'sshd', ip, time: T0, line: lineOf(ip) });
        store.savePosition(position());
      });
      store.batch(() => {
        store.clearFailures('sshd', [ip]);
        store.putBan({ ip, jail: 'sshd', bannedAt: T0, expiresAt: T0 + 3_600_000, count: 1, reason: [lineOf(ip)] });
        store.savePosition(position());
      });
      times.push(performance.now() - started);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return times;
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

console.log(`${N.toLocaleString('en-US')} bans written, then ${NEXT} next bans (two commits each), ${RUNS} runs of each way, alternated`);
console.log('| checkpoints | run | p50 ms | p99 ms | max ms | pairs over 5 ms |');
console.log('|---|---|---|---|---|---|');
for (let r = 1; r <= RUNS; r++) {
  for (const thread of [false, true]) {
    const times = await run(thread);
    const sorted = [...times].sort((a, b) => a - b);
    const over = times.filter((ms) => ms > 5).length;
    console.log(`| ${thread ? 'checkpointer thread' : 'in the commits'} | ${r} | ${percentile(sorted, 50)!.toFixed(2)} | ${percentile(sorted, 99)!.toFixed(2)} | ${sorted.at(-1)!.toFixed(2)} | ${over} |`);
  }
}
