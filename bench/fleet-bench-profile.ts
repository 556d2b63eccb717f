/**
 * Where a fleet bench worker's time goes: each kind of state-database write the fleet makes is
 * timed (the synced queuing of an entry, the one transaction per read that stores the bans
 * applied, the unsynced removal of published entries and save of the last id), and the event
 * loop's busy share measured; Redis's own figures come from INFO commandstats and INFO cpu.
 */
import { performance } from 'node:perf_hooks';
import type { Redis } from 'ioredis';
import { SqliteStore } from '../src/engine/store.js';
import { FleetStore } from '../src/fleet/fleet-store.js';

/** Time (ms) and calls of each timed write, and the event loop's busy share. */
export interface WorkerProfile {
  seconds: number;
  loopBusy: number;
  writes: Record<string, { ms: number; calls: number }>;
}

const TIMED: [string, { prototype: object }, string][] = [
  ['queue entries (synced)', FleetStore, 'enqueue'],
  ['read the queue', FleetStore, 'queued'],
  ['forget published entries', FleetStore, 'remove'],
  ['save the last id', FleetStore, 'saveLastId'],
  ['store the bans of one read (synced)', SqliteStore, 'batch'],
];

/** Wraps the timed methods; call before any link starts, `restart` when sending starts. */
export function startProfile(): { restart(): void; finish(): WorkerProfile } {
  const writes: WorkerProfile['writes'] = {};
  for (const [label, owner, name] of TIMED) {
    const proto = owner.prototype as Record<string, (...args: unknown[]) => unknown>;
    const original = proto[name]!;
    const tally = { ms: 0, calls: 0 };
    writes[label] = tally;
    proto[name] = function timed(this: unknown, ...args: unknown[]) {
      const t0 = performance.now();
      try {
        return original.apply(this, args);
      } finally {
        tally.ms += performance.now() - t0;
        tally.calls++;
      }
    };
  }
  let since = performance.eventLoopUtilization();
  let startedAt = performance.now();
  return {
    restart() {
      since = performance.eventLoopUtilization();
      startedAt = performance.now();
      for (const tally of Object.values(writes)) Object.assign(tally, { ms: 0, calls: 0 });
    },
    finish() {
      const elu = performance.eventLoopUtilization(since);
      return { seconds: (performance.now() - startedAt) / 1000, loopBusy: elu.utilization, writes };
    },
  };
}

/** Lines saying where the workers' time went, per worker and second on average. */
export function profileLines(profiles: WorkerProfile[]): string[] {
  const n = profiles.length;
  const busy = profiles.reduce((a, p) => a + p.loopBusy, 0) / n;
  const lines = [`where each worker's time went (average of ${n}): event loop busy ${(100 * busy).toFixed(0)}%`];
  for (const label of Object.keys(profiles[0]!.writes)) {
    let ms = 0;
    let calls = 0;
    for (const p of profiles) {
      ms += p.writes[label]!.ms / p.seconds;
      calls += p.writes[label]!.calls / p.seconds;
    }
    if (calls === 0) continue;
    lines.push(`  ${label}: ${(ms / n).toFixed(0)} ms/s in ${(calls / n).toFixed(0)} calls/s (${(ms / calls).toFixed(2)} ms each)`);
  }
  return lines;
}

/** Redis's side: XADD and XREAD calls and their cost, and the CPU the server used. */
export async function redisLines(redis: Redis, seconds: number): Promise<string[]> {
  const stats = await redis.info('commandstats');
  const cpu = await redis.info('cpu');
  const stat = (cmd: string): { calls: number; usec: number } => {
    const m = new RegExp(`cmdstat_${cmd}:calls=(\\d+),usec=(\\d+)`).exec(stats);
    return { calls: Number(m?.[1] ?? 0), usec: Number(m?.[2] ?? 0) };
  };
  const used = (name: string): number => Number(new RegExp(`${name}:([0-9.]+)`).exec(cpu)?.[1] ?? 0);
  const xadd = stat('xadd');
  const xread = stat('xread');
  const busy = used('used_cpu_user') + used('used_cpu_sys');
  return [
    `redis: ${Math.round(xadd.calls / seconds)} XADD/s (${(xadd.usec / Math.max(1, xadd.calls)).toFixed(1)} µs each), `
      + `${Math.round(xread.calls / seconds)} XREAD/s (${(xread.usec / Math.max(1, xread.calls)).toFixed(1)} µs each), `
      + `server CPU ${((100 * busy) / seconds).toFixed(0)}% of one core`,
  ];
}
