import { existsSync } from 'node:fs';
import { ConfigError, formatProblem, loadConfig, locateKey, resolveConfigPath, type Config, type ConfigProblem } from '../config/index.js';
import { compileFilter } from '../engine/filter/index.js';
import { filterPlace, loadJailFilter } from '../engine/jail-filter.js';

/** A problem `check` found; `warning`s (a log file not there yet) do not fail it. */
export interface CheckProblem extends ConfigProblem {
  severity: 'error' | 'warning';
}

/**
 * Everything wrong with a config that has loaded: every jail's filter must exist and compile
 * (named by the jail's `filter` key, with its file and line), and a log path that does not
 * exist is reported (the jail waits for it). Disabled jails are checked too: they are one
 * keystroke from running.
 */
export function checkJails(configPath: string, config: Config, filterDirs: string[] = [], enabledOnly = false, stockFilterDir?: string): CheckProblem[] {
  // The same folders the engine reads filters from (Engine.filterPlace).
  const place = filterPlace(configPath, filterDirs, stockFilterDir);
  const problems: CheckProblem[] = [];
  for (const [name, jail] of Object.entries(config.jails)) {
    if (enabledOnly && !jail.enabled) continue;
    try {
      compileFilter(loadJailFilter(name, jail, place));
    } catch (err) {
      problems.push({ severity: 'error', ...locateKey(configPath, ['jails', name, 'filter']), key: `jails.${name}.filter`, message: (err as Error).message });
    }
    if (jail.backend !== 'file') continue;
    for (const [i, logpath] of jail.logpath.entries()) {
      const file = resolveConfigPath(configPath, logpath);
      if (/[*?[]/.test(file) || existsSync(file)) continue;
      problems.push({ severity: 'warning', ...locateKey(configPath, ['jails', name, 'logpath', i]), key: `jails.${name}.logpath`, message: `no such file: ${file}${jail.enabled ? ' (the jail waits for it)' : ''}` });
    }
  }
  return problems;
}

/** Throws a ConfigError naming file, line and key when an enabled jail's filter is missing or does not compile. */
export function assertJailsCompile(configPath: string, config: Config, filterDirs: string[] = [], stockFilterDir?: string): void {
  const errors = checkJails(configPath, config, filterDirs, true, stockFilterDir).filter((p) => p.severity === 'error');
  if (errors.length) throw new ConfigError(errors.map(({ severity: _severity, ...problem }) => problem));
}

/** `portcullis check [--config FILE]`: like `fail2ban-client -t`. Exit 0 when nothing is an error. */
export function checkCommand(configPath: string, out: NodeJS.WritableStream, err: NodeJS.WritableStream): number {
  let config: Config;
  try {
    config = loadConfig(configPath);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    for (const problem of error.problems) err.write(`error: ${formatProblem(problem)}\n`);
    err.write(`${configPath}: ${error.problems.length} problem${error.problems.length === 1 ? '' : 's'}\n`);
    return 1;
  }
  const problems = checkJails(configPath, config);
  for (const problem of problems) err.write(`${problem.severity}: ${formatProblem(problem)}\n`);
  const errors = problems.filter((p) => p.severity === 'error').length;
  const jails = Object.keys(config.jails).length;
  (errors ? err : out).write(`${configPath}: ${errors ? `${errors} error${errors === 1 ? '' : 's'}` : 'OK'}: ${jails} jail${jails === 1 ? '' : 's'}, every filter compiled${errors ? ' but those above' : ''}\n`);
  return errors ? 1 : 0;
}
