/**
 * What one fleet node can take: one FleetLink reading other nodes' bans from the stream and
 * applying them through a real ban manager (state database synced as the daemon's, dry-run
 * firewall), and publishing its own. One process, one node, so the figures are a node's own,
 * not a 50-node simulation sharing two cores. Three runs:
 * - backlog: FLEET_APPLY_ENTRIES (20000) entries from 50 nodes waiting in the stream, read at once;
 * - steady: 50 nodes x FLEET_APPLY_RATE (1000) bans/min fed for FLEET_APPLY_SECONDS (20): reads
 *   and synced transactions per second, the event loop's busy share, propagation p50/p99;
 * - publishing: bans made here one per event-loop turn (nothing to gather: one synced write each).
 *
 *   node --import tsx bench/fleet-node-bench.ts      (npm run bench:fleet-node)
 *
 * FLEET_APPLY_SYNC (FULL). Needs `redis-server` on PATH.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import type { Settings } from '../src/config/schema.js';
import { BanManager } from '../src/engine/ban-manager.js';
import { systemClock } from '../src/engine/clock.js';
import { SqliteStore } from '../src/engine/store.js';
import { TrustedSet } from '../src/engine/trusted.js';
import { banFields } from '../src/fleet/fleet-entry.js';
import { FleetLink } from '../src/fleet/fleet-link.js';
import { DryRunBackend } from '../src/firewall/dry-run-backend.js';
import { profileLines, startProfile } from './fleet-bench-profile.js';

const ENTRIES = Number(process.env.FLEET_APPLY_ENTRIES ?? 20_000);
const RATE = Number(process.env.FLEET_APPLY_RATE ?? 1000);
const SECONDS = Number(process.env.FLEET_APPLY_SECONDS ?? 20);
const SENDERS = 50;
const SYNC = process.env.FLEET_APPLY_SYNC === 'NORMAL' ? 'NORMAL' : 'FULL';
const STREAM = 'portcullis:bans';
const quiet = { info() {}, notice() {}, warning() {}, error(_: unknown, message: string) { process.stderr.write(`${message}\n`); } };

const dir = mkdtempSync(path.join(os.tmpdir(), 'pc-fleet-apply-'));
const port = await freePort();
const server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'inherit'] });
try {
  await new Promise<void>((resolve, reject) => {
    let out = '';
    server.stdout!.on('data', (c: Buffer) => (out += c.toString()) && out.includes('Ready to accept connections') && resolve());
    server.once('exit', (code) => reject(new Error(`redis-server exited (${code}): ${out}`)));
  });
  const url = `redis://127.0.0.1:${port}/0`;
  const redis = new Redis(url);
  // Other nodes' bans, as they would have published them; the expiry is the send time plus an hour.
  let sent = 0;
  const send = (count: number): Promise<unknown> => {
    const pipeline = redis.pipeline();
    const now = Date.now();
    for (let k = 0; k < count; k++, sent++) {
      const record = { ip: `2001:db8:${(sent % SENDERS).toString(16)}:${(sent >> 16).toString(16)}::${(sent & 0xffff).toString(16)}`, jail: 'sshd', bannedAt: now, expiresAt: now + 3600_000, count: 1, reason: ['Failed password for root from 2001:db8::1 port 22 ssh2'] };
      pipeline.xadd(STREAM, '*', ...banFields(`node${sent % SENDERS}`, record));
    }
    return pipeline.exec();
  };
  for (let k = 0; k < ENTRIES; k += 1000) await send(Math.min(1000, ENTRIES - k));
  console.log(`fleet node bench: one node, ${SENDERS} others, state database synchronous ${SYNC}`);

  // The receiving node: a real ban manager over its own state database and a dry-run firewall.
  const stateDir = path.join(dir, 'node');
  const store = SqliteStore.open(stateDir, { synchronous: SYNC });
  const settings: Settings = { enabled: true, bantime: 600, findtime: 600, maxretry: 5, escalation: { enabled: false, factor: 2, maxtime: 604800, scope: 'all' } };
  let applied = 0;
  const delays: number[] = [];
  const bans = new BanManager({
    store, firewall: new DryRunBackend(), clock: systemClock, trusted: new TrustedSet({ config: ['198.19.200.0/24'], interfaces: () => ({}) }),
    settings: () => settings,
    onEvent: (e) => {
      if (e.type !== 'ban') return;
      applied++;
      delays.push(e.record.bannedAt - (e.record.expiresAt! - 3600_000));
    },
  });
  const profile = startProfile();
  await bans.start();
  const link = new FleetLink({ settings: { redis: url, node: 'here', accept: true, count_remote: false, stream: STREAM }, stateDir, engine: { bans, list: () => bans.list() }, log: quiet, synchronous: SYNC });
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  link.start();
  while (applied < ENTRIES) await new Promise((r) => setTimeout(r, 5));
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  console.log(`backlog: applied ${applied} remote bans in ${ms.toFixed(0)} ms: ${Math.round((applied * 1000) / ms)} bans/s, ${((cpu.user + cpu.system) / 1000 / applied * 1000).toFixed(0)} µs CPU each`);

  // Steady: every 20 ms, what 50 nodes at RATE bans/min each send in 20 ms.
  delays.length = 0;
  const perTick = (SENDERS * RATE) / 60 / 50;
  let owed = 0;
  const before = applied;
  profile.restart();
  const feeder = setInterval(() => {
    owed += perTick;
    const n = Math.floor(owed);
    owed -= n;
    if (n > 0) void send(n);
  }, 20);
  await new Promise((r) => setTimeout(r, SECONDS * 1000));
  clearInterval(feeder);
  while (applied < sent) await new Promise((r) => setTimeout(r, 5));
  const steady = profile.finish();
  delays.sort((a, b) => a - b);
  const pct = (p: number): number => delays[Math.min(delays.length - 1, Math.ceil((p / 100) * delays.length) - 1)]!;
  console.log(`steady: ${SENDERS} nodes x ${RATE} bans/min for ${SECONDS} s: ${applied - before} applied, propagation p50 ${pct(50)} ms, p99 ${pct(99)} ms, max ${pct(100)} ms`);
  for (const line of profileLines([steady])) console.log(line.replace("each worker's", "this node's").replace(' (average of 1)', ''));

  // Publishing: bans made here one per event-loop turn (the slowest case: nothing to gather).
  const published = link.status().published;
  const t1 = performance.now();
  const n = Math.min(2000, ENTRIES);
  for (let i = 0; i < n; i++) {
    const at = Date.now();
    link.onEngineEvent({ type: 'ban', restored: false, extended: false, record: { ip: `198.18.${i >> 8}.${i & 255}`, jail: 'sshd', bannedAt: at, expiresAt: at + 600_000, count: 1, reason: ['x'] } });
    await new Promise((r) => setImmediate(r));
  }
  while (link.status().published - published < n) await new Promise((r) => setTimeout(r, 5));
  const pubMs = performance.now() - t1;
  console.log(`published ${n} bans made one per turn in ${pubMs.toFixed(0)} ms: ${Math.round((n * 1000) / pubMs)} bans/s`);
  await link.stop();
  bans.stop();
  await bans.idle();
  store.close();
  redis.disconnect();
} finally {
  server.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const address = s.address();
      s.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}
