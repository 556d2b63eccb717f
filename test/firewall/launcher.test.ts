import { afterEach, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CommandError, holdLauncher, releaseLauncher, runCommand } from '../../src/firewall/run-command.js';
import { waitFor } from '../helpers/wait.js';

/** The parent process id in a /proc/PID/stat text (after the command name, which may hold spaces). */
const parentOf = (stat: string): number => Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
const parentOfPid = (pid: number): number => parentOf(readFileSync(`/proc/${pid}/stat`, 'utf8'));

/** The process that started a command run now: the command reads its own stat. */
async function starter(): Promise<number> {
  return parentOf((await runCommand(['cat', '/proc/self/stat'])).stdout);
}

describe('the command launcher', () => {
  afterEach(() => {
    releaseLauncher();
  });

  it('starts commands from a child of this process while held, and from this process again after', async () => {
    expect(await starter()).toBe(process.pid);
    holdLauncher();
    const launcher = await starter();
    expect(launcher).not.toBe(process.pid);
    expect(parentOfPid(launcher)).toBe(process.pid);
    // Held twice, released once: still the launcher.
    holdLauncher();
    releaseLauncher();
    expect(await starter()).toBe(launcher);
    releaseLauncher();
    expect(await starter()).toBe(process.pid);
    await waitFor(() => !existsSync(`/proc/${launcher}`) || readFileSync(`/proc/${launcher}/stat`, 'utf8').includes(') Z '), 'the launcher to end', 10_000);
  });

  it('gives a command its input and reports its output, exit code and stderr', async () => {
    holdLauncher();
    const input = Array.from({ length: 50_000 }, (_, i) => `line ${i}\n`).join('');
    expect((await runCommand(['cat'], {}, input)).stdout).toBe(input);
    const failed = await runCommand(['ls', '/nonexistent-portcullis-path']).catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(CommandError);
    expect((failed as CommandError).code).toBe(2);
    expect((failed as CommandError).stderr).toContain('nonexistent-portcullis-path');
    const missing = await runCommand(['no-such-command-portcullis']).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(CommandError);
    expect((missing as CommandError).code).toBeNull();
    expect((missing as CommandError).message).toContain('ENOENT');
    // Generator input is still fed from this process.
    expect(parentOf((await runCommand(['cat', '/proc/self/stat'], {}, ['a', 'b'])).stdout)).toBe(process.pid);
  });

  it('fails the commands in flight when the launcher dies, and starts a new one for the next', async () => {
    holdLauncher();
    const first = await starter();
    const running = runCommand(['sleep', '30']).catch((e: unknown) => e);
    // The sleep runs once the launcher has a child.
    await waitFor(() => readFileSync(`/proc/${first}/task/${first}/children`, 'utf8').trim() !== '', 'the sleep to start', 10_000);
    const sleeper = Number(readFileSync(`/proc/${first}/task/${first}/children`, 'utf8').trim());
    process.kill(first, 'SIGKILL');
    const error = await running;
    process.kill(sleeper, 'SIGKILL');
    expect(error).toBeInstanceOf(CommandError);
    expect((error as CommandError).message).toMatch(/command launcher exited/);
    const second = await starter();
    expect(second).not.toBe(first);
    expect(second).not.toBe(process.pid);
    expect(parentOfPid(second)).toBe(process.pid);
  });

  it('does not keep a process alive once its commands are done', async () => {
    const module = fileURLToPath(new URL('../../src/firewall/run-command.ts', import.meta.url));
    const code = `
      import { holdLauncher, runCommand } from ${JSON.stringify(module)};
      holdLauncher();
      const { stdout } = await runCommand(['echo', 'ran']);
      process.stdout.write(stdout);
    `;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    let code2: number | null | undefined;
    void exited.then((c) => (code2 = c));
    try {
      await waitFor(() => code2 !== undefined, 'the process to exit by itself', 20_000, 50);
    } finally {
      child.kill('SIGKILL');
    }
    expect(code2).toBe(0);
    expect(out).toBe('ran\n');
  });
});
