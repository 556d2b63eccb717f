import { describe, expect, it } from 'vitest';
import type { BanRecord } from '../../src/engine/types.js';
import { EngineMetrics } from '../../src/metrics/engine-metrics.js';

const ban = (ip: string, jail: string, origin?: string): BanRecord => ({
  ip, jail, bannedAt: 0, expiresAt: null, count: 1, reason: [], ...(origin ? { origin } : {}),
});

describe('EngineMetrics', () => {
  it('labels remote bans with their node, counts firewall errors by backend, and reads the fleet lag when scraped', async () => {
    let lag = 0.25;
    const active = [ban('198.18.0.1', 'sshd'), ban('198.18.0.2', 'sshd', 'web02')];
    const metrics = new EngineMetrics({ bans: () => active, lineCounts: () => [], backend: () => 'nftables', fleetLag: () => lag });
    metrics.record({ type: 'ban', restored: false, extended: false, record: active[0]! });
    metrics.record({ type: 'ban', restored: false, extended: true, record: active[0]! }); // an extension: not a new ban
    metrics.record({ type: 'ban', restored: false, extended: false, record: active[1]! });
    metrics.record({ type: 'error', message: 'firewall: ban 198.18.0.3 failed: nft: exit 1; putting the firewall right from the bans in force in 1000 ms' });
    metrics.record({ type: 'error', message: 'ban request from sshd: bad address' });
    metrics.record({ type: 'unban', ip: '198.18.0.2', jail: 'sshd', reason: 'remote' });
    const text = await metrics.text();
    expect(text).toContain('portcullis_bans_total{jail="sshd",origin="local"} 1\n');
    expect(text).toContain('portcullis_bans_total{jail="sshd",origin="web02"} 1\n');
    expect(text).toContain('portcullis_bans_active{jail="sshd"} 2\n');
    expect(text).toContain('portcullis_firewall_errors_total{backend="nftables"} 1\n');
    expect(text).toContain('portcullis_unbans_total{jail="sshd",reason="remote"} 1\n');
    expect(text).toContain('portcullis_fleet_lag_seconds 0.25\n');
    // No ban request was seen, so no latency was measured.
    expect(text).toContain('portcullis_ban_latency_seconds_count 0\n');
    lag = 3;
    expect(await metrics.text()).toContain('portcullis_fleet_lag_seconds 3\n');
    expect(text).toContain('# TYPE portcullis_ban_latency_seconds histogram');
  });
});
