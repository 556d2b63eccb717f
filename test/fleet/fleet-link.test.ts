import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/engine/store.js';
import type { BanRecord } from '../../src/engine/types.js';
import { FleetLink } from '../../src/fleet/fleet-link.js';
import { waitUntil } from '../helpers/daemon-process.js';
import { makeTempDir, type TempDir } from '../helpers/temp-dir.js';
import { freePort } from '../metrics/free-port.js';
import { startRedis, type RedisProcess } from './redis-process.js';

const quiet = { info: () => {}, notice: () => {}, warning: () => {}, error: () => {} };

/** A link over an engine that only records the remote bans it is asked to apply. */
function node(tmp: TempDir, url: string, name: string, extra: { share?: string[]; accept?: boolean; password?: string; tlsCa?: string } = {}) {
  const stateDir = path.join(tmp.dir, name);
  SqliteStore.open(stateDir).close();
  const applied: { ip: string; origin: string; expiresAt: number | null }[] = [];
  const engine = {
    list: (): BanRecord[] => [],
    bans: {
      inOneWrite: <T>(work: () => T): T => work(),
      unbanRemote: async () => false,
      banRemote: async (ban: { ip: string; origin: string; expiresAt: number | null }) => {
        applied.push({ ip: ban.ip, origin: ban.origin, expiresAt: ban.expiresAt });
        return true;
      },
    },
  };
  const link = new FleetLink({
    settings: {
      redis: url, node: name, accept: extra.accept ?? true, count_remote: false, stream: 'test:bans',
      ...(extra.share ? { share: extra.share } : {}), ...(extra.password ? { password: extra.password } : {}),
      ...(extra.tlsCa ? { tls_ca: extra.tlsCa } : {}),
    },
    stateDir, engine, log: quiet, trimEveryMs: 100,
  });
  const ban = (ip: string, jail: string, expiresAt: number | null) =>
    link.onEngineEvent({ type: 'ban', restored: false, extended: false, record: { ip, jail, bannedAt: Date.now(), expiresAt, count: 1, reason: ['x'] } });
  return { link, applied, ban };
}

describe('FleetLink on a Redis of its own', () => {
  let tmp: TempDir;
  let redis: RedisProcess;
  let client: Redis;

  beforeAll(async () => {
    tmp = makeTempDir('pc-h19-link-');
    redis = await startRedis(await freePort(), path.join(tmp.dir, 'redis'));
    client = new Redis(redis.url);
  }, 30_000);

  afterAll(async () => {
    client?.disconnect();
    await redis?.stop();
    tmp?.remove();
  });

  it('shares only the jails listed, applies nothing when not accepting, and trims entries once their bans ended', async () => {
    const a = node(tmp, redis.url, 'a', { share: ['sshd'] });
    const b = node(tmp, redis.url, 'b');
    const c = node(tmp, redis.url, 'c', { accept: false });
    for (const n of [a, b, c]) n.link.start();
    try {
      await waitUntil(() => [a, b, c].every((n) => n.link.status().link === 'connected'), 'three links', 10_000);
      const soon = Date.now() + 400;
      a.ban('198.18.9.1', 'sshd', soon);
      a.ban('198.18.9.2', 'sshd', soon);
      a.ban('198.18.9.3', 'manual', null); // not shared
      a.ban('198.18.9.4', 'sshd', Date.now() + 3600_000);
      await waitUntil(() => b.applied.length === 3, 'b to apply three bans', 10_000);
      expect(b.applied.map((x) => `${x.ip} ${x.origin}`)).toEqual(['198.18.9.1 a', '198.18.9.2 a', '198.18.9.4 a']);
      expect(a.applied).toEqual([]); // its own entries come back and are skipped
      expect(a.link.status()).toMatchObject({ published: 3, queued: 0 });
      // The two short bans end; the stream keeps only the entry still carrying a ban in force.
      const deadline = Date.now() + 10_000;
      while ((await client.xlen('test:bans')) !== 1) {
        if (Date.now() > deadline) throw new Error(`stream not trimmed: ${await client.xlen('test:bans')} entries`);
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(Date.now()).toBeGreaterThan(soon);
      const [[, fields]] = (await client.xrange('test:bans', '-', '+')) as [[string, string[]]];
      expect(fields[fields.indexOf('ip') + 1]).toBe('198.18.9.4');
      expect(c.applied).toEqual([]);
    } finally {
      for (const n of [a, b, c]) await n.link.stop();
    }
  }, 30_000);

  it('logs in with the password, and queues what it cannot publish without it', async () => {
    const locked = await startRedis(await freePort(), path.join(tmp.dir, 'locked'), 'open sesame');
    const a = node(tmp, locked.url, 'pa', { password: 'open sesame' });
    const b = node(tmp, locked.url.replace('redis://', 'redis://:open%20sesame@'), 'pb');
    const wrong = node(tmp, locked.url, 'pw', { password: 'guess' });
    for (const n of [a, b, wrong]) n.link.start();
    try {
      await waitUntil(() => a.link.status().link === 'connected' && b.link.status().link === 'connected', 'two links', 10_000);
      a.ban('198.18.10.1', 'sshd', Date.now() + 60_000);
      wrong.ban('198.18.10.2', 'sshd', Date.now() + 60_000);
      await waitUntil(() => b.applied.length === 1, 'b to apply the ban', 10_000);
      await waitUntil(() => wrong.link.status().queued === 1, 'the refused node to queue its ban', 10_000);
      expect(wrong.link.status()).toMatchObject({ link: 'disconnected', published: 0 });
      expect(b.applied).toEqual([{ ip: '198.18.10.1', origin: 'pa', expiresAt: expect.any(Number) }]);
    } finally {
      for (const n of [a, b, wrong]) await n.link.stop();
      await locked.stop();
    }
  }, 30_000);

  it('speaks TLS with rediss://, trusting the CA given and no other', async () => {
    // A CA of the test's own and a server certificate for 127.0.0.1 signed by it.
    const dir = path.join(tmp.dir, 'tls');
    const file = (name: string) => path.join(dir, name);
    const openssl = (...args: string[]) => promisify(execFile)('openssl', args);
    tmp.write('tls/ext.cnf', 'subjectAltName = IP:127.0.0.1\n');
    await openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', file('ca.key'), '-out', file('ca.pem'), '-days', '1', '-subj', '/CN=pc-h19 test CA');
    await openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', file('server.key'), '-out', file('server.csr'), '-subj', '/CN=127.0.0.1');
    await openssl('x509', '-req', '-in', file('server.csr'), '-CA', file('ca.pem'), '-CAkey', file('ca.key'), '-CAcreateserial', '-out', file('server.pem'), '-days', '1', '-extfile', file('ext.cnf'));
    // A CA that signed nothing here.
    await openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', file('other.key'), '-out', file('other-ca.pem'), '-days', '1', '-subj', '/CN=pc-h19 other CA');
    const tlsPort = await freePort();
    const secure = await startRedis(await freePort(), path.join(tmp.dir, 'secure'), undefined, [
      '--tls-port', String(tlsPort), '--tls-cert-file', file('server.pem'), '--tls-key-file', file('server.key'),
      '--tls-ca-cert-file', file('ca.pem'), '--tls-auth-clients', 'no',
    ]);
    const url = `rediss://127.0.0.1:${tlsPort}/0`;
    const a = node(tmp, url, 'ta', { tlsCa: file('ca.pem') });
    const b = node(tmp, url, 'tb', { tlsCa: file('ca.pem') });
    const stranger = node(tmp, url, 'tc', { tlsCa: file('other-ca.pem') });
    for (const n of [a, b, stranger]) n.link.start();
    try {
      await waitUntil(() => a.link.status().link === 'connected' && b.link.status().link === 'connected', 'two TLS links', 10_000);
      a.ban('198.18.11.1', 'sshd', Date.now() + 60_000);
      await waitUntil(() => b.applied.length === 1, 'b to apply the ban over TLS', 10_000);
      stranger.ban('198.18.11.2', 'sshd', Date.now() + 60_000);
      await waitUntil(() => stranger.link.status().queued === 1, 'the node with the wrong CA to queue its ban', 10_000);
      expect(stranger.link.status()).toMatchObject({ link: 'disconnected', published: 0 });
      expect(b.applied.map((x) => x.ip)).toEqual(['198.18.11.1']);
    } finally {
      for (const n of [a, b, stranger]) await n.link.stop();
      await secure.stop();
    }
  }, 60_000);
});
