// The ban manager with subnet escalation on, over an in-memory store and a dry-run firewall,
// with a clock and expiry timer the test drives.
import type { NetworkInterfaceInfo } from 'node:os';
import type { EscalationSettings, Settings, SubnetSettings } from '../../src/config/schema.js';
import { BanManager, type BanEvent } from '../../src/engine/ban-manager.js';
import { ManualClock } from '../../src/engine/clock.js';
import { EngineLog } from '../../src/engine/engine-log.js';
import { logBanEvent } from '../../src/engine/event-lines.js';
import { MemoryStore } from '../../src/engine/memory-store.js';
import { TrustedSet } from '../../src/engine/trusted.js';
import { DryRunBackend } from '../../src/firewall/dry-run-backend.js';
import type { BanEntry } from '../../src/firewall/types.js';
import type { SshSession } from '../../src/net/index.js';
import { ManualTimer } from '../helpers/manual-timer.js';

export const T0 = Date.UTC(2025, 0, 1);
export const S = 1000;
export const MIN = 60 * S;
export const HOUR = 60 * MIN;

const eth0: NetworkInterfaceInfo = { address: '198.19.7.1', netmask: '255.255.255.0', family: 'IPv4', mac: '00:00:00:00:00:00', internal: false, cidr: null };

export interface Options {
  subnets?: Partial<SubnetSettings>;
  escalation?: Partial<EscalationSettings>;
  sessions?: SshSession[];
  trusted?: string[];
  store?: MemoryStore;
  clock?: ManualClock;
  firewall?: DryRunBackend;
}

/** Fails its next `failures` ban commands, as a firewall whose sets were deleted under it. */
export class FailingBackend extends DryRunBackend {
  failures = 0;

  override async ban(entries: BanEntry[]): Promise<void> {
    if (this.failures > 0) {
      this.failures--;
      throw new Error('the set does not exist');
    }
    return super.ban(entries);
  }
}

export function setup(options: Options = {}) {
  const clock = options.clock ?? new ManualClock(T0);
  const store = options.store ?? new MemoryStore();
  const firewall = options.firewall ?? new DryRunBackend();
  const trusted = new TrustedSet({ config: options.trusted ?? [], interfaces: () => ({ eth0: [eth0] }) });
  const timer = new ManualTimer(clock);
  const { timers } = timer;
  const settings: Settings = {
    enabled: true,
    bantime: 600,
    findtime: 600,
    maxretry: 5,
    escalation: { enabled: false, factor: 2, maxtime: 7 * 24 * 3600, scope: 'all', ...options.escalation },
    subnets: { enabled: true, ipv4_prefix: 24, ipv6_prefix: 48, threshold: 3, window: 3600, bantime: 3600, ...options.subnets },
  };
  const events: BanEvent[] = [];
  const log = new EngineLog();
  const manager = new BanManager({
    store, firewall, clock, trusted, timers,
    settings: () => settings,
    sessions: () => options.sessions ?? [],
    retryDelay: 1,
    onEvent: (e) => {
      events.push(e);
      logBanEvent(log, e);
    },
  });
  const request = async (ip: string, jail = 'sshd') => {
    await manager.handle({ jail, ip, time: clock.now(), failures: 5, lines: [`failure from ${ip}`] });
    await manager.idle();
  };
  /** Moves the clock and runs the expiry timer if it is due by then, as the event loop would. */
  const advance = (ms: number) => timer.advance(ms, () => manager.idle());
  const kernel = async () => (await firewall.listBans()).sort();
  const banned = () => manager.list().map((b) => b.ip).sort();
  const messages = () => log.entries().map((e) => e.message);
  return { clock, store, firewall, settings, events, manager, request, advance, kernel, banned, messages };
}

