import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/index.js';
import { BanManager } from '../../src/engine/ban-manager.js';
import { ManualClock } from '../../src/engine/clock.js';
import { MemoryStore } from '../../src/engine/memory-store.js';
import { TrustedSet } from '../../src/engine/trusted.js';
import { DryRunBackend } from '../../src/firewall/dry-run-backend.js';

const settings = parseConfig('', 'test.toml').settings;

describe('BanManager sends bans that arrive together in one firewall command', () => {
  it('a burst of 100 requests is one ban command, and an unban queued later still runs after it', async () => {
    const firewall = new DryRunBackend();
    const manager = new BanManager({
      store: new MemoryStore(),
      firewall,
      clock: new ManualClock(Date.UTC(2026, 10, 26)),
      trusted: new TrustedSet({ interfaces: null }),
      settings: () => settings,
      onEvent: () => {},
    });
    const requests = Array.from({ length: 100 }, (_, i) => manager.handle({ jail: 'sshd', ip: `198.18.60.${i}`, time: 0, failures: 5, lines: ['x'] }));
    const unban = manager.unban('198.18.60.7');
    const late = manager.handle({ jail: 'sshd', ip: '198.18.61.1', time: 0, failures: 5, lines: ['x'] });
    await Promise.all([...requests, unban, late]);
    await manager.idle();
    expect(firewall.log.filter((l) => l.startsWith('ban '))).toEqual([
      expect.stringMatching(/^ban 100: /),
      'ban 1: 198.18.61.1',
    ]);
    expect(firewall.log.findIndex((l) => l.startsWith('unban'))).toBe(1);
    const live = await firewall.listBans();
    expect(live).toHaveLength(100);
    expect(live).not.toContain('198.18.60.7');
    manager.stop();
  });
});
