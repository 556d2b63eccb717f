/**
 * Fleet benchmark: simulated nodes sharing bans through one Redis stream, each a real FleetLink
 * (its outbox in a SQLite state database, XADD, XREAD BLOCK from its stored id) over a stub engine
 * that records when each remote ban arrives and stores it in the node's state database, one
 * transaction per read as the daemon's ban manager does. Nodes run in several worker processes,
 * so the figure is the fleet's, not one Node process's. Prints propagation p50/p99/max, Redis's
 * memory, and where the time went (bench/fleet-bench-profile.ts).
 *
 *   node --import tsx bench/fleet-bench.ts          (npm run bench:fleet)
 *
 * FLEET_BENCH_NODES (50), FLEET_BENCH_RATE bans/min per node (1000), FLEET_BENCH_SECONDS (30),
 * FLEET_BENCH_READERS (all nodes: how many also read the stream; the others only publish, as
 * `accept = false` nodes do, which spares this machine's CPU the 50 readers real servers would
 * each run on their own), FLEET_BENCH_WORKERS (5), FLEET_BENCH_SYNC (FULL: each node's
 * outbox synced to disk as the daemon does; NORMAL shows what those syncs cost when ten nodes share
 * one process and one disk), FLEET_BENCH_KEEP=1 keeps the temp folder.
 * Needs `redis-server` on PATH.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { SqliteStore } from '../src/engine/store.js';
import { FleetLink } from '../src/fleet/fleet-link.js';
import { profileLines, redisLines, startProfile, type WorkerProfile } from './fleet-bench-profile.js';

const SELF = fileURLToPath(import.meta.url);
/** Each ban's expiry is its send time plus this: the receiver reads the send time back from it. */
const BANTIME_MS = 10 * 60 * 1000;
/** Propagation histogram: 1 ms buckets up to this. */
const MAX_MS = 30_000;
function num(name: string, fallback: number): number {
  return Number(process.env[name] ?? fallback);
}

if (process.argv[2] === '--worker') await worker(process.argv.slice(3));
else await main();

async function main(): Promise<void> {
  const nodes = num('FLEET_BENCH_NODES', 50);
  const rate = num('FLEET_BENCH_RATE', 1000);
  const seconds = num('FLEET_BENCH_SECONDS', 30);
  const workers = Math.min(nodes, num('FLEET_BENCH_WORKERS', 5));
  const readers = Math.min(nodes, num('FLEET_BENCH_READERS', nodes));
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pc-fleet-bench-'));
  const port = await freePort();
  const redisServer = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    await new Promise<void>((resolve, reject) => {
      let out = '';
      redisServer.stdout!.on('data', (c: Buffer) => {
        out += c.toString();
        if (out.includes('Ready to accept connections')) resolve();
      });
      redisServer.once('exit', (code) => reject(new Error(`redis-server exited (${code}): ${out}`)));
    });
    const url = `redis://127.0.0.1:${port}/0`;
    const redis = new Redis(url);
    const before = Number(/used_memory:(\d+)/.exec(await redis.info('memory'))![1]);
    console.log(`fleet bench: ${nodes} nodes x ${rate} bans/min for ${seconds} s, ${readers} of them reading the stream, ${workers} worker processes, outbox synchronous ${process.env.FLEET_BENCH_SYNC === 'NORMAL' ? 'NORMAL' : 'FULL'}, redis-server ${await redisVersion(redis)}`);
    const per = Math.ceil(nodes / workers);
    const startedAt = Date.now();
    const results = await Promise.all(Array.from({ length: workers }, (_, w) => {
      const first = w * per;
      const count = Math.min(per, nodes - first);
      return runWorker([url, dir, String(first), String(count), String(readers), String(rate), String(seconds)]);
    }));
    const redisSeconds = (Date.now() - startedAt) / 1000;
    const histogram = new Array<number>(MAX_MS + 1).fill(0);
    let sent = 0;
    let received = 0;
    let expected = 0;
    for (const r of results) {
      sent += r.sent;
      expected += r.sentByReaders * (readers - 1) + (r.sent - r.sentByReaders) * readers;
      received += r.received;
      r.histogram.forEach((n, ms) => (histogram[ms]! += n));
    }
    const info = await redis.info('memory');
    const used = Number(/used_memory:(\d+)/.exec(info)![1]);
    const peak = Number(/used_memory_peak:(\d+)/.exec(info)![1]);
    const length = await redis.xlen('portcullis:bans');
    const streamBytes = Number(await redis.call('MEMORY', 'USAGE', 'portcullis:bans', 'SAMPLES', '0'));
    const redisProfile = await redisLines(redis, redisSeconds);
    redis.disconnect();
    console.log(`send rate reached: ${Math.round(sent / nodes / (seconds / 60))} bans/min per node (asked ${rate})`);
    console.log(`bans sent ${sent}; remote bans received ${received} of ${expected} (${((100 * received) / expected).toFixed(2)}%)`);
    console.log(`propagation (send -> applied on another node): p50 ${pct(histogram, 50)} ms, p99 ${pct(histogram, 99)} ms, max ${pct(histogram, 100)} ms`);
    console.log(`redis memory: used ${mib(used)} MiB (${mib(used - before)} MiB over the empty server), peak ${mib(peak)} MiB; stream ${length} entries, ${mib(streamBytes)} MiB, ${Math.round(streamBytes / Math.max(1, length))} bytes/entry`);
    for (const line of [...profileLines(results.map((r) => r.profile)), ...redisProfile]) console.log(line);
    console.log(`target p99 < 1000 ms: ${pct(histogram, 99) < 1000 ? 'met' : 'missed'}`);
  } finally {
    redisServer.kill('SIGTERM');
    if (process.env.FLEET_BENCH_KEEP !== '1') rmSync(dir, { recursive: true, force: true });
  }
}

interface WorkerResult {
  sent: number;
  /** Sent by nodes that also read (their own bans do not come back to them as remote ones). */
  sentByReaders: number;
  received: number;
  histogram: number[];
  profile: WorkerProfile;
}

function runWorker(args: string[]): Promise<WorkerResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...process.execArgv, SELF, '--worker', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as WorkerResult) : reject(new Error(`worker exited ${code}`))));
  });
}

/** One worker process: `count` nodes from `first`, each banning `rate` addresses a minute. */
async function worker(args: string[]): Promise<void> {
  const [url, dir] = args as [string, string];
  const [first, count, readers, rate, seconds] = args.slice(2).map(Number) as [number, number, number, number, number];
  const histogram = new Array<number>(MAX_MS + 1).fill(0);
  let received = 0;
  let sent = 0;
  let sentByReaders = 0;
  const quiet = { info() {}, notice() {}, warning() {}, error(_: unknown, message: string) { process.stderr.write(`${message}\n`); } };
  const links: FleetLink[] = [];
  const stores: SqliteStore[] = [];
  const synchronous = process.env.FLEET_BENCH_SYNC === 'NORMAL' ? 'NORMAL' : 'FULL';
  const profile = startProfile();
  for (let n = first; n < first + count; n++) {
    const stateDir = path.join(dir, `node${n}`);
    mkdirSync(stateDir, { recursive: true });
    const store = SqliteStore.open(stateDir, { synchronous }); // creates the database at the current schema
    stores.push(store);
    const engine = {
      list: () => [],
      bans: {
        // As the ban manager: the bans of one read reach the store in one transaction.
        inOneWrite: <T>(work: () => T): T => store.batch(work),
        unbanRemote: async () => false,
        banRemote: async (ban: { ip: string; jail: string; expiresAt: number | null; reason: string[]; origin: string }) => {
          const now = Date.now();
          store.putBan({ ip: ban.ip, jail: ban.jail, bannedAt: now, expiresAt: ban.expiresAt, count: 1, reason: ban.reason, origin: ban.origin });
          const ms = now - (ban.expiresAt! - BANTIME_MS);
          histogram[Math.max(0, Math.min(MAX_MS, Math.round(ms)))]!++;
          received++;
          return true;
        },
      },
    };
    const link = new FleetLink({ settings: { redis: url, node: `node${n}`, accept: n < readers, count_remote: false, stream: 'portcullis:bans' }, stateDir, engine, log: quiet, synchronous });
    link.start();
    links.push(link);
  }
  // Every node's own entries come back to it too; wait for all links before sending.
  await waitFor(() => links.every((l) => l.status().link === 'connected'));
  profile.restart();
  const everyMs = 60_000 / rate;
  const start = Date.now();
  const until = start + seconds * 1000;
  const timers = links.map((link, i) => {
    const n = first + i;
    const offset = (everyMs * i) / count;
    let k = 0;
    return setTimeout(function tick() {
      // Each ban is due at start + offset + k x everyMs: a late timer sends what is due (as a
      // daemon reads the lines that came meanwhile in one turn), so the rate does not drift down.
      const now = Date.now();
      while (k * everyMs + offset <= Math.min(now, until) - start) {
        const ip = `2001:db8:${n.toString(16)}:${(k >> 16).toString(16)}::${(k & 0xffff).toString(16)}`;
        k++;
        sent++;
        if (n < readers) sentByReaders++;
        link.onEngineEvent({ type: 'ban', restored: false, extended: false, record: { ip, jail: 'sshd', bannedAt: now, expiresAt: now + BANTIME_MS, count: 1, reason: ['bench'] } });
      }
      if (now < until) timers[i] = setTimeout(tick, Math.max(0, start + offset + k * everyMs - Date.now()));
    }, offset);
  });
  // Let the last entries arrive (every other node's last ban, or 10 s at most).
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const deadline = Date.now() + 10_000;
  // Each worker only sees its own nodes' sends; every node sent about as many.
  const perNode = sent / count;
  const myReaders = links.filter((_, i) => first + i < readers).length;
  await waitFor(() => received >= perNode * (readers - 1) * myReaders || Date.now() > deadline);
  for (const t of timers) clearTimeout(t);
  const measured = profile.finish();
  for (const link of links) await link.stop();
  for (const store of stores) store.close();
  process.stdout.write(JSON.stringify({ sent, sentByReaders, received, histogram, profile: measured } satisfies WorkerResult));
  process.exit(0);
}

async function waitFor(done: () => boolean): Promise<void> {
  while (!done()) await new Promise((r) => setTimeout(r, 50));
}

function pct(histogram: number[], p: number): number {
  const total = histogram.reduce((a, b) => a + b, 0);
  let seen = 0;
  for (let ms = 0; ms < histogram.length; ms++) {
    seen += histogram[ms]!;
    if (seen >= (p / 100) * total && histogram[ms]! > 0) return ms;
  }
  return MAX_MS;
}

function mib(bytes: number): string {
  return (bytes / 1048576).toFixed(1);
}

async function redisVersion(redis: Redis): Promise<string> {
  return /redis_version:(\S+)/.exec(await redis.info('server'))?.[1] ?? '?';
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}
