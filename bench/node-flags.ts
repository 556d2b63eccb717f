import { existsSync, readFileSync } from 'node:fs';

/** The node options on a script's `#!/usr/bin/env -S node ...` line: how the installed command starts. */
export function shebangNodeFlags(script: string): string[] {
  if (!existsSync(script)) return [];
  const first = readFileSync(script, 'utf8').split('\n', 1)[0] ?? '';
  const m = /^#!.*\bnode((?:\s+--?[\w-]+(?:=\S+)?)*)\s*$/.exec(first);
  return m ? m[1]!.trim().split(/\s+/).filter(Boolean) : [];
}
