import { join, resolve } from 'node:path';
import type { ImportResult } from './convert.js';

// TOML basic strings take JSON's escapes for everything JSON.stringify writes.
const str = (value: string): string => JSON.stringify(value);
const list = (values: string[]): string => `[${values.map(str).join(', ')}]`;

/** The imported settings as a portcullis TOML config, with comments saying where each came from. */
export function renderConfig(result: ImportResult, dir: string): string {
  const out: string[] = [
    // Quoted: a folder's name could hold a line break, which would end the comment.
    `# Imported from fail2ban (${str(dir)}): ${result.files.length} file(s) read.`,
    `# The jails run fail2ban's own filters, named by their path in ${str(join(resolve(dir), 'filter.d'))}:`,
    '# portcullis reads a filter named by path in the filter.d next to this file, or in /etc/fail2ban/filter.d.',
    '',
  ];
  const { settings } = result;
  out.push('[settings]');
  if (settings.bantime !== undefined) out.push(`bantime = ${settings.bantime}`);
  if (settings.findtime !== undefined) out.push(`findtime = ${settings.findtime}`);
  if (settings.maxretry !== undefined) out.push(`maxretry = ${settings.maxretry}`);
  if (settings.escalation) {
    const esc = settings.escalation;
    out.push('', '[settings.escalation]', `enabled = ${esc.enabled}`);
    if (esc.factor !== undefined) out.push(`factor = ${esc.factor}`);
    if (esc.multipliers) out.push(`multipliers = [${esc.multipliers.join(', ')}]`);
    if (esc.maxtime !== undefined) out.push(`maxtime = ${esc.maxtime}`);
    if (esc.scope) out.push(`scope = ${str(esc.scope)}`);
  }
  out.push('', '[trusted]', `ranges = ${list(result.trusted)}`);
  if (result.email) {
    out.push('', '[notify.email]', 'host = "localhost"', `from = ${str(result.email.from)}`, `to = ${list(result.email.to)}`);
  }
  for (const jail of result.jails) {
    out.push('', `[jails.${str(jail.name)}]`);
    out.push('enabled = true', `filter = ${str(jail.filter)}`);
    if (jail.filterOptions) out.push(`filter_options = { ${Object.entries(jail.filterOptions).map(([key, value]) => `${str(key)} = ${str(value)}`).join(', ')} }`);
    if (jail.backend === 'journal') {
      out.push('backend = "journal"');
      if (jail.journalmatch.length) out.push(`journalmatch = ${list(jail.journalmatch)}`);
    } else {
      out.push(`logpath = ${list(jail.logpath)}`);
    }
    if (jail.ignoreregex.length) out.push(`ignoreregex = ${list(jail.ignoreregex)}`);
    if (jail.bantime !== undefined) out.push(`bantime = ${jail.bantime}`);
    if (jail.findtime !== undefined) out.push(`findtime = ${jail.findtime}`);
    if (jail.maxretry !== undefined) out.push(`maxretry = ${jail.maxretry}`);
    out.push(`actions = ${list(jail.actions)}`);
  }
  return `${out.join('\n')}\n`;
}
