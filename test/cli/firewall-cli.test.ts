import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, type TempDir } from '../helpers/temp-dir.js';
import { CLI, cli, ensureCliBuilt, run } from '../helpers/cli.js';
import { runningProcesses } from '../helpers/processes.js';
import { safeSections } from '../helpers/safe-config.js';
import { sleep, waitFor } from '../helpers/wait.js';

let tmp: TempDir;
let config: string;
/** The same rules with a long deadline, for the steps that must happen before it, however slow the machine. */
let patient: string;

beforeAll(async () => {
  tmp = makeTempDir('portcullis-fw-cli-');
  // Every daemon path is the test's own: with the default socket, a daemon running on this host
  // would answer these commands.
  // The same rule set; only how long an apply waits for its confirmation differs.
  const withTimeout = (dir: string, timeout: string): string =>
    [safeSections(dir, ['default_policy = "drop"', `confirm_timeout = "${timeout}"`]), '[[firewall.rules]]', 'name = "ssh"', 'action = "allow"', 'ports = [22]', 'sources = ["198.18.0.0/24"]', ''].join('\n');
  config = tmp.write('config.toml', withTimeout(tmp.dir, '2s'));
  patient = tmp.write('patient/config.toml', withTimeout(`${tmp.dir}/patient`, '10m'));
  await ensureCliBuilt();
}, 200_000);
/** Detached rollback watchers (`firewall rollback --when-due`) still running on a config in `dir`. */
function watchersIn(dir: string): number[] {
  return runningProcesses().filter(({ argv }) => argv.includes('--when-due') && argv.some((arg) => arg.startsWith(`${dir}/`))).map((p) => p.pid);
}

afterAll(async () => {
  if (!tmp) return;
  // A watcher sees a rolled-back or confirmed apply within a second and exits; removed under
  // it, the folder came back with the state it read.
  await waitFor(() => watchersIn(tmp.dir).length === 0, 'rollback watchers to exit', 30_000, 100);
  tmp.remove();
}, 40_000);

const show = async (file = config): Promise<{ pending: unknown; current: { rules: unknown[] }; live: { managed: string[] } }> => {
  const result = await cli('firewall', 'show', '--json', '--config', file);
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
    expect(applied.stdout).toMatch(/applied; confirm within [0-2] s/);

    // The detached watcher rolls it back once the 2 s are up: wait for that, however long it takes here.
    let after = await show();
    for (const until = Date.now() + 20_000; after.pending !== null && Date.now() < until; after = await show()) await sleep(200);
    expect(after.pending).toBeNull();
    expect(after.live.managed.join('\n')).not.toContain('add ssh');
    expect(after.current.rules).toEqual([]);
  }, 60_000);

  it('shows a pending apply, refuses a second one, and keeps the rules once confirmed', async () => {
    const env = { SSH_CONNECTION: '' };
    expect((await run(process.execPath, [CLI, 'firewall', 'apply', '--config', patient], 30_000, env)).code).toBe(0);
    const state = await show(patient);
    expect(state.pending).not.toBeNull();
    expect(state.live.managed.join('\n')).toContain('add ssh: allow');
    const text = await cli('firewall', 'show', '--config', patient);
    expect(text.stdout).toMatch(/APPLY PENDING: rolled back in \d+ s unless confirmed/);

    const again = await run(process.execPath, [CLI, 'firewall', 'apply', '--config', patient], 30_000, env);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('another apply is waiting for confirmation');

    const confirmed = await cli('firewall', 'confirm', '--config', patient);
    expect(confirmed.code, confirmed.stderr).toBe(0);
    expect(confirmed.stdout).toContain('confirmed: 1 rule, default policy drop');
    const kept = await show(patient);
    expect(kept.pending).toBeNull();
    expect(kept.current.rules).toHaveLength(1);
    expect(kept.live.managed.join('\n')).toContain('add ssh: allow');
    const nothing = await cli('firewall', 'confirm', '--config', patient);
    expect(nothing.code).toBe(1);
    expect(nothing.stderr).toContain('nothing to confirm');
  }, 30_000);

  it('rolls back on request', async () => {
    const env = { SSH_CONNECTION: '' };
    const draft = tmp.write('patient/config.d/tighter.toml', '[firewall]\ndefault_policy = "accept"\n');
    expect((await run(process.execPath, [CLI, 'firewall', 'apply', '--config', patient], 30_000, env)).code).toBe(0);
    const back = await cli('firewall', 'rollback', '--config', patient);
    expect(back.code, back.stderr).toBe(0);
    expect(back.stdout).toContain('rolled back to 1 rule, default policy drop');
    expect(draft).toContain('tighter.toml');
  }, 30_000);
});
