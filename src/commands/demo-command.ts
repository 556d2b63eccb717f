import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { loadConfig } from '../config/index.js';
import { replayLog } from './replay-command.js';

/** The bundled demo logs, one per jail name (`demo/<jail>.log`). */
export const DEMO_DIR = fileURLToPath(new URL('../../demo/', import.meta.url));

/**
 * Until the console exists: runs every enabled jail of the config over its bundled demo log,
 * on the log's own timestamps and without touching any firewall, and prints what it found.
 * Returns the exit code.
 */
export async function runDemo(configPath: string, out: NodeJS.WritableStream): Promise<number> {
  const config = loadConfig(configPath);
  out.write(`portcullis demo: config ${configPath}, firewall dry-run (nothing is blocked)\n\n`);
  for (const [name, jail] of Object.entries(config.jails)) {
    if (!jail.enabled) continue;
    const log = join(DEMO_DIR, `${name}.log`);
    if (!existsSync(log)) {
      out.write(`jail ${name}: no demo log bundled, skipped\n\n`);
      continue;
    }
    const maxretry = jail.maxretry ?? config.settings.maxretry;
    const findtime = jail.findtime ?? config.settings.findtime;
    const bantime = jail.bantime ?? config.settings.bantime;
    const result = await replayLog(log, { filter: jail.filter, maxretry, findtime, bantime });
    out.write(`jail ${name} (filter ${jail.filter}, maxretry ${maxretry}, findtime ${findtime}s) over demo/${name}.log:\n`);
    out.write(`  ${result.lines} lines, ${result.failures} failures, ${result.bans.length} bans\n`);
    for (const ban of result.bans) {
      out.write(`  ${new Date(ban.time).toISOString()}  ban ${ban.host} after ${ban.failures} failures\n`);
      out.write(`      last line: ${ban.lines[ban.lines.length - 1] ?? ''}\n`);
    }
    out.write('\n');
  }
  return 0;
}
