import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, type TempDir } from '../helpers/temp-dir.js';
import { CLI, cli, ensureCliBuilt, run } from '../helpers/cli.js';
import { safeSections } from '../helpers/safe-config.js';
import { sleep } from '../helpers/wait.js';

let tmp: TempDir;
let config: string;

beforeAll(async () => {
  tmp = makeTempDir('portcullis-fw-cli-');
  // Every daemon path is the test's own: with the default socket, a daemon running on this host
  // would answer these commands.
  config = tmp.write('config.toml', [
    safeSections(tmp.dir, ['default_policy = "drop"', 'confirm_timeout = "2s"']),
    '[[firewall.rules]]',
    'name = "ssh"',
    'action = "allow"',
    'ports = [22]',
    'sources = ["198.18.0.0/24"]',
    '',
  ].join('\n'));
  await ensureCliBuilt();
}, 200_000);
afterAll(() => tmp?.remove());

const show = async (): Promise<{ pending: unknown; current: { rules: unknown[] }; live: { managed: string[] } }> => {
  const result = await cli('firewall', 'show', '--json', '--config', config);
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout);
};

describe('portcullis firewall (dry-run backend)', () => {
  it('refuses a draft that would lock out the SSH session unless forced', async () => {
    const locked = await run(process.execPath, [CLI, 'firewall', 'apply', '--config', config], 30_000, {
      SSH_CONNECTION: '198.19.5.5 50000 198.18.0.1 22',
    });
    expect(locked.code).toBe(1);
    expect(locked.stderr).toContain('refuses new SSH connections from 198.19.5.5 (your session)');
    expect((await show()).pending).toBeNull();
  });

  it('applies, refuses a second apply, and rolls back by itself when not confirmed in time', async () => {
    const env = { SSH_CONNECTION: '' };
    const applied = await run(process.execPath, [CLI, 'firewall', 'apply', '--config', config], 30_000, env);
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout).toContain('+ ssh: allow in tcp port 22 from 198.18.0.0/24');
    expect(applied.stdout).toContain('backend: dry-run');
    expect(applied.stdout).toContain('applied; confirm within 2 s');
    const state = await show();
    expect(state.pending).not.toBeNull();
    expect(state.live.managed.join('\n')).toContain('add ssh: allow');

    const again = await run(process.execPath, [CLI, 'firewall', 'apply', '--config', config], 30_000, env);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('another apply is waiting for confirmation');

    // Deadline 2 s, the detached watcher checks every second: back within timeout + 2 s.
    await sleep(4_000);
    const after = await show();
    expect(after.pending).toBeNull();
    expect(after.live.managed.join('\n')).not.toContain('add ssh');
    expect(after.current.rules).toEqual([]);
  }, 30_000);

  it('keeps the rules once confirmed', async () => {
    const env = { SSH_CONNECTION: '' };
    expect((await run(process.execPath, [CLI, 'firewall', 'apply', '--config', config], 30_000, env)).code).toBe(0);
    const confirmed = await cli('firewall', 'confirm', '--config', config);
    expect(confirmed.code, confirmed.stderr).toBe(0);
    await sleep(3_000);
    const state = await show();
    expect(state.pending).toBeNull();
    expect(state.current.rules).toHaveLength(1);
    expect(state.live.managed.join('\n')).toContain('add ssh: allow');
    const nothing = await cli('firewall', 'confirm', '--config', config);
    expect(nothing.code).toBe(1);
    expect(nothing.stderr).toContain('nothing to confirm');
  }, 30_000);

  it('rolls back on request', async () => {
    const env = { SSH_CONNECTION: '' };
    expect((await run(process.execPath, [CLI, 'firewall', 'apply', '--config', config], 30_000, env)).code).toBe(0);
    const back = await cli('firewall', 'rollback', '--config', config);
    expect(back.code, back.stderr).toBe(0);
    expect(back.stdout).toContain('rolled back to 1 rules');
  }, 30_000);
});
