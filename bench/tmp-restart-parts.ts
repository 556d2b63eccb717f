import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { SqliteStore } from '../src/engine/store.js';
import { BanTable } from '../src/engine/ban-table.js';
import { TrustedSet } from '../src/engine/trusted.js';
import type { BanRecord, BanSummary } from '../src/engine/types.js';
import { banList, mixFor } from './firewall-addresses.js';

const N = Number(process.argv[2] ?? 1_000_000);
const dir = mkdtempSync(path.join(os.tmpdir(), 'h33-parts-'));
const t = (label: string, f: () => void) => { const t0 = performance.now(); const c0 = process.cpuUsage(); f(); const c = process.cpuUsage(c0); console.log(`${label}: ${(performance.now() - t0).toFixed(0)} ms (cpu ${((c.user + c.system) / 1000).toFixed(0)} ms)`); };
let store = SqliteStore.open(dir);
const now = Date.now();
const addresses = banList(mixFor(N)).map((e) => e.address);
t('fill', () => {
  for (let i = 0; i < N; i += 10000) {
    const batch: BanRecord[] = addresses.slice(i, i + 10000).map((ip) => ({ ip, jail: 'sshd', bannedAt: now - 1000, expiresAt: now + 3600_000, count: 1, reason: [`2026-01-01 web1 sshd[1]: Failed password for root from ${ip} port 22 ssh2`, `2026-01-01 web1 sshd[2]: Failed password for root from ${ip} port 22 ssh2`] }));
    store.putBans(batch);
  }
});
store.close();
t('open (quick_check)', () => { store = SqliteStore.open(dir); });
t('pruneHistory', () => store.pruneHistory(now - 30 * 86400_000));
let rows: BanSummary[] = [];
t('eachBanSummary (ORDER BY ip)', () => { rows = []; store.eachBanSummary((b) => rows.push(b)); });
const db = new Database(path.join(dir, 'portcullis.db'));
t('raw rows, no ORDER BY', () => { let n = 0; for (const r of db.prepare('SELECT ip, jail, banned_at, expires_at, count, origin FROM bans').raw(true).iterate()) n += (r as unknown[]).length; });
t('raw rows, ORDER BY ip', () => { let n = 0; for (const r of db.prepare('SELECT ip, jail, banned_at, expires_at, count, origin FROM bans ORDER BY ip').raw(true).iterate()) n += (r as unknown[]).length; });
t('raw rows .all no ORDER', () => { db.prepare('SELECT ip, jail, banned_at, expires_at, count, origin FROM bans').raw(true).all(); });
const table = new BanTable();
t('BanTable.set', () => { for (const b of rows) table.set(b); });
const map = new Map<string, number>();
t('Map.set alone', () => { let i = 0; for (const b of rows) map.set(b.ip, i++); });
const trusted = new TrustedSet({ config: [] });
t('trusted.covering', () => { for (const b of rows) trusted.covering(b.ip); });
t('eachExpiry', () => { const e: unknown[] = []; table.eachExpiry((ip, at) => e.push({ address: ip, timeout: at === null ? undefined : Math.ceil((at - now) / 1000) })); });
