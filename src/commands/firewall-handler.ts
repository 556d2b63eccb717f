import { loadConfig, writeOverlay } from '../config/index.js';
import type { CommandHandlers } from '../control/index.js';
import { ApplyRefused } from '../firewall/rule-applier.js';
import { diffRuleSets, guardWarnings, ruleSetFromConfig } from '../firewall/rules.js';
import type { DaemonParts } from './daemon-handlers.js';

/** What the `firewall` event says: rules applied (with the deadline), confirmed, or rolled back. */
export type FirewallEventData =
  | { state: 'applied'; deadline: number }
  | { state: 'confirmed' }
  /** `stopped`: the engine stopped with rules unconfirmed, and no one is left to time them out. */
  | { state: 'rolled-back'; reason: 'timeout' | 'request' | 'stopped' };

/**
 * `firewall`: show, draft, apply, confirm, roll back. The daemon keeps the rollback timer: an
 * applied set not confirmed by its deadline is rolled back, logged, and announced as a
 * `firewall` event, as every state change is.
 */
export function firewallHandler(parts: DaemonParts): CommandHandlers['firewall'] {
  const { engine, log, firewall, applier, configPath } = parts;
  const announce = (data: FirewallEventData): void => parts.emit?.('firewall', data);
  let rollbackTimer: NodeJS.Timeout | null = null;
  const disarm = (): void => {
    if (rollbackTimer) clearTimeout(rollbackTimer);
    rollbackTimer = null;
  };
  parts.stopped?.addEventListener('abort', disarm, { once: true });
  const armRollback = (deadline: number): void => {
    disarm();
    rollbackTimer = setTimeout(() => {
      rollbackTimer = null;
      void applier.recover().then((result) => {
        if (result !== 'rolled-back') return;
        log.warning(null, 'Firewall rules not confirmed in time: previous rules restored');
        announce({ state: 'rolled-back', reason: 'timeout' });
      }, (err: Error) => log.error(null, `rollback failed: ${err.message}`));
    }, Math.max(0, deadline - Date.now()));
    rollbackTimer.unref();
  };
  return async (req) => {
    if (req.action === 'draft') {
      // Through JSON: fields left out must not reach the TOML writer as `undefined`.
      const patch = JSON.parse(JSON.stringify({ rules: req.rules, default_policy: req.default_policy })) as Record<string, unknown>;
      const config = writeOverlay(configPath, { firewall: patch });
      const draft = ruleSetFromConfig(config.firewall);
      log.notice(null, `Firewall draft saved: ${draft.rules.length} rules, default policy ${draft.defaultPolicy}`);
      parts.emit?.('config', { change: 'firewall-draft' });
      const diff = diffRuleSets(applier.current(), draft);
      return { action: 'draft', message: diff.length ? diff.join('\n') : 'the draft is the same as the rules in force', data: draft };
    }
    const config = loadConfig(configPath);
    const draft = ruleSetFromConfig(config.firewall);
    if (req.action === 'show') {
      const data = { backend: firewall.name, live: await firewall.live(), current: applier.current(), draft, pending: applier.pending() };
      return { action: 'show', message: diffRuleSets(applier.current(), draft).join('\n'), data };
    }
    try {
      if (req.action === 'apply') {
        const warnings = guardWarnings(draft, engine.trusted.ranges(), parts.operatorSession ?? null);
        if (warnings.length && !req.force) throw new Error(`not applied: ${warnings.join('; ')} (use --force to apply anyway)`);
        const pending = await applier.apply(draft, config.firewall.confirm_timeout);
        armRollback(pending.deadline);
        log.notice(null, `Firewall rules applied; rolled back unless confirmed within ${config.firewall.confirm_timeout} s`);
        announce({ state: 'applied', deadline: pending.deadline });
        return { action: 'apply', message: `applied; confirm within ${config.firewall.confirm_timeout} s`, data: { commands: firewall.planRules(draft), pending } };
      }
      if (req.action === 'confirm') {
        const rules = await applier.confirm();
        disarm();
        log.notice(null, 'Firewall rules confirmed');
        announce({ state: 'confirmed' });
        return { action: 'confirm', message: `confirmed: ${rules.rules.length} rules` };
      }
      const rules = await applier.rollback();
      disarm();
      log.notice(null, 'Firewall rules rolled back by request');
      announce({ state: 'rolled-back', reason: 'request' });
      return { action: 'rollback', message: `rolled back to ${rules.rules.length} rules` };
    } catch (err) {
      if (err instanceof ApplyRefused) throw new Error(err.message);
      throw err;
    }
  };
}
