/**
 * `npm run bench:flood`: what exactly-once costs. A flood of sshd failure lines (distinct
 * addresses, two failures each, so half the lines ban) goes through `Engine.processLines` in
 * batches of 500 lines (about one 64 KiB read of the follower), as the follower delivers it, with:
 *   - the shipped store: SQLite in WAL mode with synchronous FULL, every batch one transaction
 *     holding its counted failures, bans and read position;
 *   - the same store without the counted failures (bans and read positions only, as before
 *     counts were kept): what keeping the counts costs.
 * The firewall is the dry-run backend in memory in both. Prints lines/s (median of the runs) and
 * the ratio. Environment: FLOOD_ADDRESSES (default 50000), FLOOD_RUNS (default 3).
 */
import path from 'node:path';
import { parseConfig } from '../src/config/index.js';
import { EngineLog } from '../src/engine/engine-log.js';
import { Engine } from '../src/engine/engine.js';
import { SqliteStore } from '../src/engine/store.js';
import type { BanStore } from '../src/engine/types.js';
import { DryRunBackend } from '../src/firewall/dry-run-backend.js';
import { makeTempDir } from '../test/helpers/temp-dir.js';
import { median } from './peak-rss.js';

const ADDRESSES = Number(process.env.FLOOD_ADDRESSES ?? 50_000);
const RUNS = Number(process.env.FLOOD_RUNS ?? 3);
const BATCH = 500;

const address = (k: number): string => `198.${18 + ((k >> 16) & 1)}.${(k >> 8) & 255}.${k & 255}`;

function floodLines(): string[] {
  const date = new Date(Date.now() - 60_000).toISOString();
  const lines: string[] = [];
  for (let c = 0; c * 250 < ADDRESSES; c++) {
    for (const round of [0, 1]) {
      for (let k = c * 250; k < Math.min((c + 1) * 250, ADDRESSES); k++) {
        lines.push(`${date} web1 sshd[${k}]: Failed password for root from ${address(k)} port ${20000 + round} ssh2`);
      }
    }
  }
  return lines;
}

type Kind = 'counts' | 'no-counts';

async function run(kind: Kind, lines: string[]): Promise<number> {
  const tmp = makeTempDir('portcullis-flood-bench-');
  const sqlite = SqliteStore.open(path.join(tmp.dir, 'state'));
  const store: BanStore = kind === 'counts' ? sqlite : Object.create(sqlite, { addFailure: { value: () => {} }, clearFailures: { value: () => {} } });
  const logFile = tmp.write('auth.log', '');
  const configPath = path.join(tmp.dir, 'config.toml');
  const config = parseConfig(`[firewall]
backend = "dry-run"
[daemon]
state_dir = ${JSON.stringify(path.join(tmp.dir, 'state'))}
[jails.sshd]
filter = "sshd"
logpath = [${JSON.stringify(logFile)}]
maxretry = 2
findtime = "1h"
bantime = "1h"
`, configPath);
  const engine = new Engine({ configPath, config, store, firewall: new DryRunBackend(), log: new EngineLog(), follow: { pollMs: 60_000 } });
  await engine.start();
  const started = performance.now();
  for (let i = 0; i < lines.length; i += BATCH) {
    engine.processLines('sshd', lines.slice(i, i + BATCH), { source: logFile, inode: 1, offset: i, firstLineHash: 'x' });
  }
  await engine.bans.idle();
  const seconds = (performance.now() - started) / 1000;
  if (engine.list().length !== ADDRESSES) throw new Error(`${kind}: ${engine.list().length} bans, expected ${ADDRESSES}`);
  await engine.stop();
  store.close();
  tmp.remove();
  return lines.length / seconds;
}

const lines = floodLines();
const rates: Record<Kind, number[]> = { counts: [], 'no-counts': [] };
for (let r = 0; r < RUNS; r++) {
  for (const kind of ['counts', 'no-counts'] as const) {
    const rate = await run(kind, lines);
    rates[kind].push(rate);
    console.log(`run ${r + 1} ${kind}: ${Math.round(rate).toLocaleString('en-US')} lines/s`);
  }
}
const counts = median(rates.counts);
const without = median(rates['no-counts']);
console.log(`\n${lines.length.toLocaleString('en-US')} lines (${ADDRESSES.toLocaleString('en-US')} addresses, each banned at its 2nd failure), batches of ${BATCH}, median of ${RUNS}`);
console.log(`| store | lines/s | bans/s |\n|---|---|---|`);
console.log(`| SQLite FULL, counts kept with bans and position, one transaction per batch (shipped) | ${Math.round(counts).toLocaleString('en-US')} | ${Math.round(counts / 2).toLocaleString('en-US')} |`);
console.log(`| SQLite FULL, bans and position only (counts lost at a restart) | ${Math.round(without).toLocaleString('en-US')} | ${Math.round(without / 2).toLocaleString('en-US')} |`);
console.log(`with counts / without: ${(counts / without).toFixed(2)}`);
