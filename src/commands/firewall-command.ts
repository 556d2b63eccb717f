import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path, { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig, type Config } from '../config/index.js';
import { ApplyRefused, RuleApplier } from '../firewall/rule-applier.js';
import { diffRuleSets, guardWarnings, ruleSetFromConfig } from '../firewall/rules.js';
import { selectBackend } from '../firewall/select-backend.js';
import { DATABASE_FILE, SqliteStore } from '../engine/store.js';
import { acquireLock } from './state-lock.js';
import type { FirewallBackend } from '../firewall/types.js';

/** Options shared by the `firewall` subcommands. */
export interface FirewallCommandOptions {
  config: string;
  json?: boolean;
  force?: boolean;
  /** `rollback --when-due`: wait for the deadline, then roll back unless confirmed meanwhile. */
  whenDue?: boolean;
}

interface Context {
  config: Config;
  backend: FirewallBackend;
  applier: RuleApplier;
  notice?: string;
}

async function open(options: FirewallCommandOptions, mutating = false): Promise<Context> {
  const config = loadConfig(options.config);
  // Only one owner changes the rules: a running daemon's lock refuses this (its socket may be elsewhere).
  if (mutating) acquireLock(config.daemon.state_dir).release();
  const choice = await selectBackend(config.firewall.backend, config.daemon.state_dir);
  const applier = new RuleApplier(choice.backend, config.daemon.state_dir);
  // An apply whose deadline passed while nothing watched (a reboot, a killed watcher) goes back now.
  await applier.recover();
  return { config, backend: choice.backend, applier, ...(choice.notice ? { notice: choice.notice } : {}) };
}

/** `portcullis firewall show`: what is live, what is confirmed, the draft and any pending apply. */
export async function firewallShow(options: FirewallCommandOptions, out: NodeJS.WritableStream): Promise<number> {
  const { config, backend, applier, notice } = await open(options);
  const live = await backend.live();
  const current = applier.current();
  const draft = ruleSetFromConfig(config.firewall);
  const pending = applier.pending();
  if (options.json) {
    out.write(`${JSON.stringify({ backend: backend.name, live, current, draft, pending }, null, 2)}\n`);
    return 0;
  }
  const rows = [
    `backend: ${backend.name}${notice ? ` (${notice})` : ''}`,
    `bans in the kernel: ${live.bans}`,
    '',
    'managed rules, live:',
    ...(live.managed.length ? live.managed.map((l) => `  ${l}`) : ['  (none)']),
    '',
    `other rules of the host (${live.foreign.length} lines, untouched):`,
    ...live.foreign.slice(0, 40).map((l) => `  ${l}`),
    ...(live.foreign.length > 40 ? [`  ... ${live.foreign.length - 40} more`] : []),
    '',
    'config draft against the confirmed rules:',
    ...diffRuleSets(current, draft).map((l) => `  ${l}`),
  ];
  if (pending) {
    rows.push('', `apply pending: rolled back in ${Math.max(0, Math.ceil((pending.deadline - Date.now()) / 1000))} s unless confirmed`);
  }
  out.write(`${rows.join('\n')}\n`);
  return 0;
}

/** `portcullis firewall apply`: the config's rules go live, to be confirmed within the timeout. */
export async function firewallApply(options: FirewallCommandOptions, out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  const { config, backend, applier, notice } = await open(options, true);
  const draft = ruleSetFromConfig(config.firewall);
  const trusted = [...config.trusted.ranges, ...runtimeTrusted(config.daemon.state_dir)];
  const warnings = guardWarnings(draft, trusted);
  out.write(`backend: ${backend.name}${notice ? ` (${notice})` : ''}\n`);
  out.write(`${['changes:', ...diffRuleSets(applier.current(), draft).map((l) => `  ${l}`)].join('\n')}\n`);
  out.write(`${['commands:', ...backend.planRules(draft).map((l) => `  ${l}`)].join('\n')}\n`);
  if (warnings.length) {
    err.write(`${warnings.map((w) => `warning: ${w}`).join('\n')}\n`);
    if (!options.force) {
      err.write('not applied: add --force to apply anyway (it is still rolled back unless confirmed)\n');
      return 1;
    }
  }
  await backend.start(trusted);
  try {
    const pending = await applier.apply(draft, config.firewall.confirm_timeout);
    startRollbackWatcher(options.config);
    out.write(`applied; confirm within ${config.firewall.confirm_timeout} s with "portcullis firewall confirm", `
      + `or the previous rules come back by themselves (at ${new Date(pending.deadline).toISOString()})\n`);
    return 0;
  } catch (error) {
    if (error instanceof ApplyRefused) {
      err.write(`not applied: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

/** `portcullis firewall confirm`. */
export async function firewallConfirm(options: FirewallCommandOptions, out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  const { applier } = await open(options, true);
  return refusedAs1(err, async () => {
    const rules = await applier.confirm();
    out.write(`confirmed: ${rules.rules.length} rules, default policy ${rules.defaultPolicy}\n`);
  });
}

/** `portcullis firewall rollback [--when-due]`. */
export async function firewallRollback(options: FirewallCommandOptions, out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  const { applier } = await open(options, !options.whenDue);
  if (options.whenDue) {
    // The watcher started by `apply`: sleeps until the deadline, then rolls back unless confirmed.
    for (let pending = applier.pending(); pending; pending = applier.pending()) {
      const wait = pending.deadline - Date.now();
      if (wait <= 0) {
        await applier.recover();
        out.write('rolled back: not confirmed in time\n');
        return 0;
      }
      await new Promise((r) => setTimeout(r, Math.min(wait, 1000)));
    }
    return 0;
  }
  return refusedAs1(err, async () => {
    const rules = await applier.rollback();
    out.write(`rolled back to ${rules.rules.length} rules, default policy ${rules.defaultPolicy}\n`);
  });
}

async function refusedAs1(err: NodeJS.WritableStream, action: () => Promise<void>): Promise<number> {
  try {
    await action();
    return 0;
  } catch (error) {
    if (error instanceof ApplyRefused) {
      err.write(`${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

/** Ranges trusted at run time (`trust add`), from the store; none before it exists. */
function runtimeTrusted(stateDir: string): string[] {
  if (!existsSync(path.join(stateDir, DATABASE_FILE))) return [];
  const store = SqliteStore.open(stateDir);
  try {
    return store.trustedRanges().map((t) => t.range);
  } finally {
    store.close();
  }
}

/** A detached process that outlives this one (and the SSH session it may run in). */
function startRollbackWatcher(configPath: string): void {
  const cli = fileURLToPath(new URL('../cli.js', import.meta.url));
  const child = spawn(process.execPath, [cli, 'firewall', 'rollback', '--when-due', '--config', resolve(configPath)], {
    detached: true,
    stdio: 'ignore',
  });
  child.unref();
}
