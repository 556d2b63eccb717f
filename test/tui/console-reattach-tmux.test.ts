import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CLI, cli, ensureCliBuilt, ROOT } from '../helpers/cli.js';
import { safePaths } from '../helpers/safe-config.js';
import { makeTempDir, type TempDir } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait.js';
import { writeConsoleConfig } from './helpers/console-config.js';
import { TmuxSession } from './helpers/tmux.js';

// The console in a real terminal (tmux): the alternate screen, and reattaching to a daemon that
// restarts under it.

let dir: TempDir | null = null;
let session: TmuxSession | null = null;
let daemon: ChildProcess | null = null;

beforeAll(async () => {
  await ensureCliBuilt();
}, 180_000);

afterEach(async () => {
  await session?.kill();
  session = null;
  await stopDaemon();
  dir?.remove();
  dir = null;
});

async function stopDaemon(): Promise<void> {
  const running = daemon;
  daemon = null;
  if (!running || running.exitCode !== null) return;
  const exited = new Promise((resolve) => running.once('exit', resolve));
  running.kill('SIGTERM');
  await exited;
}

async function startDaemon(configPath: string): Promise<void> {
  const socket = safePaths(dir!.dir).socket;
  daemon = spawn(process.execPath, [CLI, '--daemon', '--config', configPath], { cwd: ROOT, stdio: 'ignore' });
  await waitFor(() => existsSync(socket), 'the daemon socket', 20_000);
}

describe('console in a terminal', () => {
  it('draws on the alternate screen and gives the shell its screen back on q', async () => {
    dir = makeTempDir('portcullis-tmux-');
    const { configPath } = writeConsoleConfig(dir);
    session = await TmuxSession.start([process.execPath, CLI, '--config', configPath], { columns: 100, rows: 30, cwd: ROOT, env: { NO_COLOR: '1' } });
    await session.waitFor('nobody is banned');
    await session.press('q');
    await session.waitForExit();
    // The main screen again: no frame of the console left on it.
    const screen = await session.capture();
    expect(screen).not.toContain('nobody is banned');
    expect(screen).not.toContain('1 Banned');
  });

  it('says it is disconnected while the daemon restarts, reattaches by itself, and reads everything again', async () => {
    dir = makeTempDir('portcullis-tmux-');
    const { configPath } = writeConsoleConfig(dir);
    await startDaemon(configPath);
    session = await TmuxSession.start([process.execPath, CLI, '--config', configPath], { columns: 100, rows: 30, cwd: ROOT, env: { NO_COLOR: '1' } });
    await session.waitFor('attached to the daemon');
    await session.waitFor('nobody is banned');
    await stopDaemon();
    await session.waitFor('disconnected, retrying');
    // A command typed meanwhile is refused out loud, not dropped in silence.
    await session.type(':ban 198.51.100.60');
    await session.press('Enter');
    await session.waitFor('not sent: the daemon is not reachable');
    // A ban made while the console was away: the fresh snapshot after reattaching shows it.
    expect((await cli('ban', '198.51.100.61', '--config', configPath)).code).toBe(0);
    await startDaemon(configPath);
    await session.waitFor((s) => s.includes('198.51.100.61') && !s.includes('disconnected'), 30_000);
    const screen = await session.capture();
    expect(screen).toMatch(/banned 1 .* attached/);
    // Commands work again.
    await session.type(':ban 198.51.100.62');
    await session.press('Enter');
    await session.waitFor('banned 198.51.100.62');
  });
});
