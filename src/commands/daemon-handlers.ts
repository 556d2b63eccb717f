import { checkAddress } from '../firewall/addresses.js';
import { writeOverlay } from '../config/index.js';
import type { CommandHandlers } from '../control/index.js';
import type { EngineLog } from '../engine/engine-log.js';
import type { Engine } from '../engine/engine.js';
import type { RuleApplier } from '../firewall/rule-applier.js';
import type { FirewallBackend } from '../firewall/types.js';
import { applyOverlayChange, configHandlers } from './config-handlers.js';
import { filterHandlers } from './filter-handlers.js';
import { firewallHandler } from './firewall-handler.js';
import type { SshSession } from '../firewall/rules.js';

/** What the daemon's (and the in-process console's) command handlers work on. */
export interface DaemonParts {
  configPath: string;
  engine: Engine;
  log: EngineLog;
  firewall: FirewallBackend;
  applier: RuleApplier;
  /** Re-reads the config and applies it; throws (and changes nothing) when it is invalid. */
  reload(): Promise<string>;
  /**
   * Pushes an event to subscribers, next to the engine's own: `firewall` ({state: 'applied' |
   * 'confirmed' | 'rolled-back'}) and `config` ({change, name?}) after a run-time edit.
   */
  emit?: (event: string, data: unknown) => void;
  /** Aborted when the engine stops: timers the handlers keep (the rollback countdown) are cleared. */
  stopped?: AbortSignal;
  /**
   * The SSH session of the operator the engine answers to, which a rule apply must not cut: the
   * console's when it runs the engine in its own process. None for the daemon: its environment
   * is that of whoever started it, and its clients check their own session before they apply.
   */
  operatorSession?: SshSession | null;
}

/** One handler per control command, over the running engine. */
export function daemonHandlers(parts: DaemonParts): CommandHandlers {
  const { engine, log, configPath } = parts;
  return {
    status: async () => engine.status(),
    bans: async () => engine.list(),
    ban: async (req) => engine.bans.banManually(req.ip, req.seconds, req.jail ? `manual ban for jail ${req.jail}` : undefined),
    unban: async (req) => {
      if (req.all) return { unbanned: await engine.bans.unbanAll() };
      if (!req.ip) throw new Error('unban needs an address or "all"');
      if (!(await engine.bans.unban(req.ip))) throw new Error(`${req.ip} is not banned`);
      return { unbanned: 1 };
    },
    trust: async (req) => {
      if (req.action === 'list') return { action: 'list', ranges: engine.trusted.list() };
      if (!req.range) throw new Error(`trust ${req.action} needs an IP or CIDR`);
      if (req.action === 'add') return { action: 'add', range: req.range, unbanned: await engine.bans.trust(req.range, req.note ?? '') };
      return { action: 'rm', range: req.range, removed: await engine.bans.untrust(req.range) };
    },
    jails: async () => engine.status().jails,
    jail: async (req) => {
      if (!engine.config.jails[req.name]) throw new Error(`no jail named "${req.name}"`);
      // Run-time edits go to the overlay file, never to the administrator's own config.
      await applyOverlayChange(parts, () => writeOverlay(configPath, { jails: { [req.name]: { enabled: req.enabled } } }));
      log.notice(req.name, `Jail ${req.enabled ? 'enabled' : 'disabled'} at run time`);
      parts.emit?.('config', { change: 'jail', name: req.name });
      return { name: req.name, enabled: req.enabled };
    },
    reload: async () => {
      const message = await parts.reload();
      parts.emit?.('config', { change: 'reload' });
      return { message };
    },
    logs: async (req) => {
      const entries = log.entries();
      return req.limit ? entries.slice(-req.limit) : entries;
    },
    firewall: firewallHandler(parts),
    activity: async () => engine.activity.report(),
    ...configHandlers(parts),
    ...filterHandlers(parts),
    why: async (req) => {
      const ip = checkAddress(req.ip).text;
      const record = engine.bans.get(ip);
      return { ip, banned: record !== undefined, ...(record ? { record } : {}), history: engine.history(ip) };
    },
  };
}
