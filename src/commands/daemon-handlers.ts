import { loadConfig, writeOverlay } from '../config/index.js';
import type { CommandHandlers } from '../control/index.js';
import type { EngineLog } from '../engine/engine-log.js';
import type { Engine } from '../engine/engine.js';
import { ApplyRefused, type RuleApplier } from '../firewall/rule-applier.js';
import { diffRuleSets, guardWarnings, ruleSetFromConfig } from '../firewall/rules.js';
import type { FirewallBackend } from '../firewall/types.js';

/** What the daemon's command handlers work on. */
export interface DaemonParts {
  configPath: string;
  engine: Engine;
  log: EngineLog;
  firewall: FirewallBackend;
  applier: RuleApplier;
  /** Re-reads the config and applies it; throws (and changes nothing) when it is invalid. */
  reload(): Promise<string>;
}

/** One handler per control command, over the running engine. */
export function daemonHandlers(parts: DaemonParts): CommandHandlers {
  const { engine, log, firewall, applier, configPath } = parts;
  let rollbackTimer: NodeJS.Timeout | null = null;
  const armRollback = (deadline: number): void => {
    if (rollbackTimer) clearTimeout(rollbackTimer);
    rollbackTimer = setTimeout(() => {
      rollbackTimer = null;
      void applier.recover().then((result) => {
        if (result === 'rolled-back') log.warning(null, 'Firewall rules not confirmed in time: previous rules restored');
      }, (err: Error) => log.error(null, `rollback failed: ${err.message}`));
    }, Math.max(0, deadline - Date.now()));
    rollbackTimer.unref();
  };
  return {
    status: async () => engine.status(),
    bans: async () => engine.list(),
    ban: async (req) => {
      const record = await engine.bans.banManually(req.ip, req.seconds, req.jail ? `manual ban for jail ${req.jail}` : undefined);
      return record;
    },
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
      const config = writeOverlay(configPath, { jails: { [req.name]: { enabled: req.enabled } } });
      await engine.reload(config);
      log.notice(req.name, `Jail ${req.enabled ? 'enabled' : 'disabled'} at run time`);
      return { name: req.name, enabled: req.enabled };
    },
    reload: async () => ({ message: await parts.reload() }),
    logs: async (req) => {
      const entries = log.entries();
      return req.limit ? entries.slice(-req.limit) : entries;
    },
    firewall: async (req) => {
      const config = loadConfig(configPath);
      const draft = ruleSetFromConfig(config.firewall);
      if (req.action === 'show') {
        const data = { backend: firewall.name, live: await firewall.live(), current: applier.current(), draft, pending: applier.pending() };
        return { action: 'show', message: diffRuleSets(applier.current(), draft).join('\n'), data };
      }
      try {
        if (req.action === 'apply') {
          const warnings = guardWarnings(draft, engine.trusted.ranges());
          if (warnings.length && !req.force) throw new Error(`not applied: ${warnings.join('; ')} (use --force to apply anyway)`);
          const pending = await applier.apply(draft, config.firewall.confirm_timeout);
          armRollback(pending.deadline);
          log.notice(null, `Firewall rules applied; rolled back unless confirmed within ${config.firewall.confirm_timeout} s`);
          return { action: 'apply', message: `applied; confirm within ${config.firewall.confirm_timeout} s`, data: { commands: firewall.planRules(draft), pending } };
        }
        if (req.action === 'confirm') {
          const rules = await applier.confirm();
          if (rollbackTimer) clearTimeout(rollbackTimer);
          log.notice(null, 'Firewall rules confirmed');
          return { action: 'confirm', message: `confirmed: ${rules.rules.length} rules` };
        }
        const rules = await applier.rollback();
        if (rollbackTimer) clearTimeout(rollbackTimer);
        log.notice(null, 'Firewall rules rolled back by request');
        return { action: 'rollback', message: `rolled back to ${rules.rules.length} rules` };
      } catch (err) {
        if (err instanceof ApplyRefused) throw new Error(err.message);
        throw err;
      }
    },
  };
}
