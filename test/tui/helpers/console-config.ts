import { safeSections } from '../../helpers/safe-config.js';
import type { TempDir } from '../../helpers/temp-dir.js';

/** What a console test config differs in. */
export interface ConsoleConfigOptions {
  /** Lines for `[settings]` (default maxretry 3, findtime and bantime 10m). */
  settings?: string;
  confirmTimeout?: string;
  /** More lines for `[firewall]`. */
  firewall?: string;
  /** More TOML appended at the end. */
  extraConfig?: string;
}

/**
 * Writes a config whose every path is in `dir` and whose firewall is a dry run, with one sshd
 * jail on `auth.log`; returns both paths.
 */
export function writeConsoleConfig(dir: TempDir, options: ConsoleConfigOptions = {}): { configPath: string; logFile: string } {
  const logFile = dir.write('auth.log', '');
  const configPath = dir.write(
    'config.toml',
    `[settings]
${options.settings ?? 'maxretry = 3\nfindtime = "10m"\nbantime = "10m"'}

[trusted]
ranges = ["127.0.0.1/8"]

${safeSections(dir.dir, [`confirm_timeout = "${options.confirmTimeout ?? '3s'}"`, ...(options.firewall ? [options.firewall] : [])])}
[jails.sshd]
logpath = ["${logFile}"]
start_at = "end"
${options.extraConfig ?? ''}
`,
  );
  return { configPath, logFile };
}
