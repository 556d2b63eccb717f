import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CLI, cli, ensureCliBuilt, ROOT } from '../helpers/cli.js';
import { safePaths } from '../helpers/safe-config.js';
import { makeTempDir, type TempDir } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait.js';
import { writeConsoleConfig } from './helpers/console-config.js';
import { sshFailure } from './helpers/log-lines.js';
import { TmuxSession } from './helpers/tmux.js';

// The console in a real terminal: tmux runs the built CLI, keys go in with send-keys and the
// screen comes back with capture-pane.

const RECORD_EXIT = fileURLToPath(new URL('./helpers/record-exit.mjs', import.meta.url));

/** A foreground colour escape (tmux adds its own resets to the default colour, 39 and 49). */
const COLOUR = /\x1b\[(?:[\d;]*;)?(?:3[0-7]|9[0-7]|38;5;\d+)m/;

let dir: TempDir | null = null;
let session: TmuxSession | null = null;
let daemon: ChildProcess | null = null;

beforeAll(async () => {
  await ensureCliBuilt();
}, 120_000);

afterEach(async () => {
  await session?.kill();
  session = null;
  // A console killed with its terminal shuts its engine down first: wait for the state lock to go.
  // (With a daemon the lock is the daemon's, released when it stops below.)
  const lock = dir && !daemon ? `${dir.dir}/state/portcullis.lock` : null;
  // A console that never lets go of it fails the test (after the rest is cleaned up).
  let stuck: unknown = null;
  if (lock) await waitFor(() => !existsSync(lock), 'the console to release its state lock', 15_000).catch((err: unknown) => (stuck = err));
  if (daemon && daemon.exitCode === null) {
    daemon.kill('SIGTERM');
    await new Promise((resolve) => daemon?.once('exit', resolve));
  }
  daemon = null;
  dir?.remove();
  dir = null;
  if (stuck) throw stuck;
});

const console_ = (configPath: string, env: NodeJS.ProcessEnv = {}, columns = 100, rows = 30): Promise<TmuxSession> =>
  TmuxSession.start([process.execPath, CLI, '--config', configPath], { columns, rows, cwd: ROOT, env: { NO_COLOR: '1', ...env } });

describe('console under tmux', () => {
  it('runs the engine in-process: a ban appears on screen, Enter explains it, u unbans it, q quits with 0', async () => {
    dir = makeTempDir('portcullis-tmux-');
    const { configPath, logFile } = writeConsoleConfig(dir);
    const exitFile = `${dir.dir}/exit.json`;
    session = await TmuxSession.start([process.execPath, RECORD_EXIT, exitFile, process.execPath, CLI, '--config', configPath], {
      columns: 80,
      rows: 24,
      cwd: ROOT,
      env: { NO_COLOR: '1' },
    });
    await session.waitFor('nobody is banned');
    const screen = await session.capture();
    expect(screen).toContain('in-process');
    expect(screen).toContain('fw dry-run');
    appendFileSync(logFile, [1, 2, 3].map(() => `${sshFailure('198.51.100.23')}\n`).join(''));
    await session.waitFor((s) => /198\.51\.100\.23 +sshd/.test(s));
    await session.press('Enter');
    await session.waitFor('Failed password for root from 198.51.100.23');
    await session.press('Escape');
    await session.waitFor('1 banned');
    await session.press('u');
    await session.waitFor('unbanned 198.51.100.23');
    await session.waitFor('nobody is banned');
    await session.press('q');
    await waitFor(() => existsSync(exitFile), 'the console to exit', 30_000);
    expect(JSON.parse(readFileSync(exitFile, 'utf8'))).toEqual({ code: 0, signal: null });
    // The engine stopped cleanly: its state lock is free for the next run.
    expect(existsSync(`${dir.dir}/state/portcullis.lock`)).toBe(false);
  });

  it('attaches to a running daemon and changes its state from the keyboard', async () => {
    dir = makeTempDir('portcullis-tmux-');
    const { configPath, logFile } = writeConsoleConfig(dir);
    daemon = spawn(process.execPath, [CLI, '--daemon', '--config', configPath], { cwd: ROOT, stdio: 'ignore' });
    await waitFor(() => existsSync(safePaths(dir!.dir).socket), 'the daemon socket', 20_000);
    session = await console_(configPath);
    await session.waitFor('attached to the daemon');
    appendFileSync(logFile, [1, 2, 3].map(() => `${sshFailure('2001:db8::66')}\n`).join(''));
    await session.waitFor((s) => /2001:db8::66 +sshd/.test(s));
    await session.press(':');
    await session.type('ban 203.0.113.9 1h');
    await session.press('Enter');
    await session.waitFor('banned 203.0.113.9 for 1h');
    await session.press('u');
    await session.waitFor('unbanned 203.0.113.9');
    const bans = await cli('bans', '--json', '--config', configPath);
    expect(bans.code).toBe(0);
    expect((JSON.parse(bans.stdout) as { ip: string }[]).map((b) => b.ip)).toEqual(['2001:db8::66']);
    await session.press('q');
    // Quitting the console leaves the daemon running.
    await session.waitForExit();
    expect(daemon.exitCode).toBeNull();
    expect((await cli('status', '--config', configPath)).code).toBe(0);
  });

  it('attached, checks a rule apply against the console\'s own SSH session, which the daemon cannot see', async () => {
    dir = makeTempDir('portcullis-tmux-');
    const { configPath } = writeConsoleConfig(dir, { firewall: 'default_policy = "drop"' });
    const env = { ...process.env };
    delete env['SSH_CLIENT'];
    delete env['SSH_CONNECTION'];
    daemon = spawn(process.execPath, [CLI, '--daemon', '--config', configPath], { cwd: ROOT, stdio: 'ignore', env });
    await waitFor(() => existsSync(safePaths(dir!.dir).socket), 'the daemon socket', 20_000);
    session = await console_(configPath, { SSH_CLIENT: '198.51.100.200 50022 22', SSH_CONNECTION: '198.51.100.200 50022 198.18.0.1 22' });
    await session.waitFor('attached to the daemon');
    await session.press('6');
    await session.waitFor('LIVE');
    await session.press('a');
    await session.waitFor('(y/N)');
    await session.press('y');
    await session.waitFor('could lock you out');
    await session.press('n');
    const shown = await cli('firewall', 'show', '--json', '--config', configPath);
    expect(JSON.parse(shown.stdout)).toHaveProperty('pending', null);
  });

  it('colours the screen, and not at all with NO_COLOR', async () => {
    dir = makeTempDir('portcullis-tmux-');
    const { configPath } = writeConsoleConfig(dir);
    session = await console_(configPath, { NO_COLOR: '', FORCE_COLOR: '1' });
    await session.waitFor('nobody is banned');
    expect(await session.capture(true)).toMatch(COLOUR);
    // Closing the terminal (tmux sends SIGHUP) stops the engine cleanly: the state lock goes.
    expect(existsSync(`${dir.dir}/state/portcullis.lock`)).toBe(true);
    await session.kill();
    await waitFor(() => !existsSync(`${dir!.dir}/state/portcullis.lock`), 'the console to release the state lock on SIGHUP', 30_000);
    session = await console_(configPath);
    await session.waitFor('nobody is banned');
    expect(await session.capture(true)).not.toMatch(COLOUR);
  });

  it('redraws to the new size on a resize, down to 80x24', async () => {
    dir = makeTempDir('portcullis-tmux-');
    const { configPath } = writeConsoleConfig(dir);
    session = await console_(configPath, {}, 140, 40);
    await session.waitFor('nobody is banned');
    await session.resize(80, 24);
    const screen = await session.waitFor((s) => (s.split('\n')[23] ?? '').startsWith('Enter why'));
    const lines = screen.replace(/\n+$/, '').split('\n');
    expect(lines.length).toBeLessThanOrEqual(24);
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(80);
    // The hint bar is the last line of the 24.
    expect(lines[23] ?? '').toMatch(/Enter why/);
    expect(screen.match(/1 Banned/g)).toHaveLength(1);
  });

  it('the first-run demo: bans appear within seconds, the header says nothing is blocked, q removes its folder', async () => {
    dir = makeTempDir('portcullis-tmux-');
    // The demo's folder goes under TMPDIR: here, a folder of this test's own.
    const tmp = `${dir.dir}/tmp`;
    mkdirSync(tmp);
    const demoDirs = (): string[] => readdirSync(tmp).filter((name) => name.startsWith('portcullis-demo-'));
    const exitFile = `${dir.dir}/exit.json`;
    session = await TmuxSession.start([process.execPath, RECORD_EXIT, exitFile, process.execPath, CLI, '--demo', '--config', 'config.example.toml'], {
      columns: 80,
      rows: 24,
      cwd: ROOT,
      env: { NO_COLOR: '1', TMPDIR: tmp },
    });
    await session.waitFor('DEMO: generated traffic, dry-run firewall, nothing is blocked');
    const screen = await session.waitFor((s) => /^[1-9]\d* banned/m.test(s), 20_000);
    expect(screen).toContain('fw dry-run');
    expect(demoDirs()).toHaveLength(1);
    await session.press('q');
    await waitFor(() => existsSync(exitFile), 'the demo to exit', 30_000);
    expect(JSON.parse(readFileSync(exitFile, 'utf8'))).toEqual({ code: 0, signal: null });
    expect(demoDirs()).toEqual([]);
  });

  it('read-only only attaches: with no daemon it says so instead of starting an engine', async () => {
    dir = makeTempDir('portcullis-tmux-');
    const { configPath } = writeConsoleConfig(dir);
    const exitFile = `${dir.dir}/exit.json`;
    session = await TmuxSession.start([process.execPath, RECORD_EXIT, exitFile, process.execPath, CLI, '--read-only', '--config', configPath], { cwd: ROOT, env: { NO_COLOR: '1' } });
    await waitFor(() => existsSync(exitFile), 'the console to exit', 30_000);
    expect(readFileSync(`${exitFile}.stderr`, 'utf8')).toContain('--read-only attaches to a running daemon, and none answers on');
    expect(JSON.parse(readFileSync(exitFile, 'utf8'))).toEqual({ code: 2, signal: null });
    expect(existsSync(`${dir.dir}/state`)).toBe(false);
  });

  it('says it needs a terminal when run without one', async () => {
    dir = makeTempDir('portcullis-tmux-');
    const { configPath } = writeConsoleConfig(dir);
    const result = await cli('--config', configPath);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('the console needs a terminal');
  });
});
