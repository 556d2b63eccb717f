import type { CommandHandlers, FirewallEventData } from '../control/index.js';
import { diffRuleSets, guardWarnings, plural, ruleSetFromConfig } from '../domain/index.js';
import { ApplyRefused } from '../firewall/rule-applier.js';
import { loadConfig, writeOverlay } from '../config/index.js';
import type { DaemonParts } from './daemon-parts.js';
import { waitForRollback } from './rollback-timer.js';

/**
 * `firewall`: show, draft, apply, confirm, roll back. The lock-out guard runs here, once, for
 * every caller: the caller's SSH session (sent with the request) and the trusted ranges the engine
 * knows. The rollback countdown runs here too: an applied set not confirmed by its deadline is
 * rolled back, logged and announced as a `firewall` event, as every state change is.
 */
export function firewallHandler(parts: DaemonParts): CommandHandlers['firewall'] {
  const { engine, log, firewall, applier, configPath } = parts;
  const announce = (data: FirewallEventData): void => parts.emit?.({ event: 'firewall', data });
  let countdown: AbortController | null = null;
  const disarm = (): void => {
    countdown?.abort();
    countdown = null;
  };
  parts.stopped?.addEventListener('abort', disarm, { once: true });
  const arm = (): void => {
    disarm();
    const own = new AbortController();
    countdown = own;
    waitForRollback(applier, own.signal).then((outcome) => {
      if (outcome !== 'rolled-back') return;
      log.warning(null, 'Firewall rules not confirmed in time: previous rules restored');
      announce({ state: 'rolled-back', reason: 'timeout' });
    }, (err: Error) => log.error(null, `rollback failed: ${err.message}`));
  };
  // An apply left pending by a one-off command (or a previous run) is timed out here too.
  if (applier.pending()) arm();
  return async (req) => {
    if (req.action === 'draft') {
      // Through JSON: fields left out must not reach the TOML writer as `undefined`.
      const patch = JSON.parse(JSON.stringify({ rules: req.rules, default_policy: req.default_policy })) as Record<string, unknown>;
      const config = writeOverlay(configPath, { firewall: patch });
      const draft = ruleSetFromConfig(config.firewall);
      log.notice(null, `Firewall draft saved: ${draft.rules.length} rules, default policy ${draft.defaultPolicy}`);
      parts.emit?.({ event: 'config', data: { change: 'firewall-draft' } });
      const diff = diffRuleSets(applier.current(), draft);
      return { action: 'draft', message: diff.length ? diff.join('\n') : 'the draft is the same as the rules in force', data: draft };
    }
    // Rules are a draft until applied: read from the files, not from the config the engine runs.
    const config = loadConfig(configPath);
    const draft = ruleSetFromConfig(config.firewall);
    const diff = diffRuleSets(applier.current(), draft);
    if (req.action === 'show') {
      const data = {
        backend: firewall.name, ...(parts.notice ? { notice: parts.notice } : {}), live: await firewall.live(), current: applier.current(), draft, diff, pending: applier.pending(),
      };
      return { action: 'show', message: diff.join('\n'), data };
    }
    try {
      if (req.action === 'apply') {
        const commands = firewall.planRules(draft);
        const warnings = guardWarnings(draft, engine.trusted.ranges(), req.session ?? parts.operatorSession ?? null);
        if (warnings.length && !req.force) {
          return { action: 'apply', message: `not applied: ${warnings.join('; ')} (force to apply anyway)`, data: { applied: false, backend: firewall.name, diff, commands, warnings } };
        }
        const pending = await applier.apply(draft, config.firewall.confirm_timeout);
        arm();
        log.notice(null, `Firewall rules applied; rolled back unless confirmed within ${config.firewall.confirm_timeout} s`);
        announce({ state: 'applied', deadline: pending.deadline });
        return { action: 'apply', message: `applied; confirm within ${config.firewall.confirm_timeout} s`, data: { applied: true, backend: firewall.name, diff, commands, pending } };
      }
      if (req.action === 'confirm') {
        const rules = await applier.confirm();
        disarm();
        log.notice(null, 'Firewall rules confirmed');
        announce({ state: 'confirmed' });
        return { action: 'confirm', message: `confirmed: ${plural(rules.rules.length, 'rule')}, default policy ${rules.defaultPolicy}`, data: rules };
      }
      const rules = await applier.rollback();
      disarm();
      log.notice(null, 'Firewall rules rolled back by request');
      announce({ state: 'rolled-back', reason: 'request' });
      return { action: 'rollback', message: `rolled back to ${plural(rules.rules.length, 'rule')}, default policy ${rules.defaultPolicy}`, data: rules };
    } catch (err) {
      if (err instanceof ApplyRefused) throw new Error(err.message);
      throw err;
    }
  };
}

