import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers/cli.js';

// External commands run with argument arrays (execFile/spawn), never through a shell: an address
// or a file name that reaches a shell can become a command. This test reads every source file.

/** What may never appear in the source, with the reason the test prints. */
const FORBIDDEN: Array<{ pattern: RegExp; why: string }> = [
  { pattern: /\bshell\s*:\s*(?!false\b)[^\s,}]/, why: 'a child process with a shell option' },
  { pattern: /\b(?:ba|da|z|k)?sh\s+-c\b/, why: 'a "sh -c" command line' },
  { pattern: /['"`](?:\/(?:usr\/)?bin\/)?(?:ba|da|z|k)?sh['"`]\s*,\s*\[\s*['"`]-c['"`]/, why: 'a shell run with -c' },
  { pattern: /\brequire\(\s*['"](?:node:)?child_process['"]\s*\)/, why: 'child_process through require (not checked for exec)' },
];

const CHILD_PROCESS_IMPORT = /import\s+([^;]*?)\s+from\s+['"](?:node:)?child_process['"]/g;

/** Every use of a shell (or a way around this check) in one file's text, as `line: reason`. */
function shellUses(text: string): string[] {
  const found: string[] = [];
  const lineOf = (index: number): number => text.slice(0, index).split('\n').length;
  for (const { pattern, why } of FORBIDDEN) {
    const global = new RegExp(pattern.source, 'g');
    for (const m of text.matchAll(global)) found.push(`${lineOf(m.index)}: ${why}`);
  }
  for (const m of text.matchAll(CHILD_PROCESS_IMPORT)) {
    const clause = m[1]!;
    const named = /\{([^}]*)\}/.exec(clause)?.[1] ?? '';
    for (const part of named.split(',')) {
      const imported = part.trim().replace(/^type\s+/, '').split(/\s+as\s+/)[0];
      if (imported === 'exec' || imported === 'execSync') found.push(`${lineOf(m.index)}: child_process.${imported} runs its command through a shell`);
    }
    // A namespace or default import: any .exec( / .execSync( on it.
    const whole = /^\s*(?:\*\s+as\s+)?([A-Za-z_$][\w$]*)/.exec(clause.replace(/\{[^}]*\}/, ''))?.[1];
    if (whole) {
      for (const use of text.matchAll(new RegExp(`\\b${whole}\\s*\\.\\s*exec(?:Sync)?\\s*\\(`, 'g'))) {
        found.push(`${lineOf(use.index)}: ${whole}.exec runs its command through a shell`);
      }
    }
  }
  return found;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return /\.(?:ts|tsx|js|mjs|cjs)$/.test(entry.name) ? [full] : [];
  });
}

describe('no external command through a shell', () => {
  it('the check finds each way of reaching a shell', () => {
    const hostile = [
      "import { exec } from 'node:child_process';",
      "import { spawn, execSync as run } from 'child_process';",
      "import * as cp from 'node:child_process'; cp.exec('ls');",
      "import cp2 from 'child_process'; cp2.execSync('ls');",
      "spawn('iptables', args, { shell: true });",
      "execFile('nft', args, { shell: '/bin/sh' });",
      "spawn('sh', ['-c', line]);",
      "execFile('/bin/bash', ['-c', line]);",
      'const line = `bash -c "ipset add ${set} ${ip}"`;',
      "const cp3 = require('child_process');",
    ];
    for (const text of hostile) expect(shellUses(text), text).not.toEqual([]);
    const fine = [
      "import { execFile, spawn, type ChildProcess } from 'node:child_process';",
      "spawn('ipset', ['restore'], { shell: false, stdio: 'pipe' });",
      'const m = PATTERN.exec(line); db.exec(sql);',
      "execFile('journalctl', ['-o', 'json']);",
    ];
    for (const text of fine) expect(shellUses(text), text).toEqual([]);
  });

  it('src/ runs every external command with an argument array', () => {
    const files = sourceFiles(path.join(ROOT, 'src'));
    expect(files.length).toBeGreaterThan(50);
    const uses = files.flatMap((file) => shellUses(readFileSync(file, 'utf8')).map((use) => `${path.relative(ROOT, file)}:${use}`));
    expect(uses).toEqual([]);
  });
});
