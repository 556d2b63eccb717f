import { existsSync, readFileSync } from 'node:fs';

/** The node options on a script's `#!/usr/bin/env -S node ...` line: how the installed command starts. */
export function shebangNodeFlags(script: string): string[] {
  if (!existsSync(script)) return [];
  const first = readFileSync(script, 'utf8').split('\n', 1)[0] ?? '';
  const m = /^#!.*\bnode((?:\s+--?[\w-]+(?:=\S+)?)*)\s*$/.exec(first);
  return m ? m[1]!.trim().split(/\s+/).filter(Boolean) : [];
}

/**
 * The node options of the systemd unit's ExecStart (`/usr/bin/node FLAGS .../cli.js --daemon`): how
 * the service starts the daemon.
 */
export function serviceNodeFlags(unit: string): string[] {
  const m = /^ExecStart=\S*\bnode((?:\s+--?[\w-]+(?:=\S+)?)*)\s+\S+\.js\b/m.exec(readFileSync(unit, 'utf8'));
  if (!m) throw new Error(`${unit}: no ExecStart running node with a script`);
  return m[1]!.trim().split(/\s+/).filter(Boolean);
}
