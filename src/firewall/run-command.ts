import { spawn } from 'node:child_process';
import type { CommandTarget } from './types.js';

/** A firewall command that failed: what ran, its exit code and what it said on stderr. */
export class CommandError extends Error {
  constructor(
    readonly argv: string[],
    readonly code: number | null,
    readonly stderr: string,
  ) {
    super(`${argv.join(' ')} failed (exit ${code ?? 'signal'}): ${stderr.trim() || '(no stderr)'}`);
    this.name = 'CommandError';
  }
}

/** Output of a command that succeeded. */
export interface CommandResult {
  stdout: string;
  stderr: string;
}

/**
 * Runs a command from an argument array, never through a shell; `input` goes to its stdin (how
 * bulk scripts reach `ipset restore`, `iptables-restore` and `nft -f -`). Inside a network
 * namespace when the target names one.
 */
export function runCommand(argv: string[], target: CommandTarget = {}, input?: string): Promise<CommandResult> {
  const full = target.netns ? ['ip', 'netns', 'exec', target.netns, ...argv] : argv;
  return new Promise((resolve, reject) => {
    const child = spawn(full[0]!, full.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('error', (e) => reject(new CommandError(full, null, e.message)));
    child.on('close', (code) => {
      const stdout = Buffer.concat(out).toString('utf8');
      const stderr = Buffer.concat(err).toString('utf8');
      if (code === 0) resolve({ stdout, stderr });
      else reject(new CommandError(full, code, stderr));
    });
    child.stdin.on('error', () => {
      // The command may exit before reading all input; its exit code tells what happened.
    });
    child.stdin.end(input ?? '');
  });
}
