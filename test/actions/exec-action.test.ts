import { existsSync, readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ExecAction } from '../../src/actions/exec-action.js';
import type { HookEvent } from '../../src/actions/hook-event.js';
import type { ExecActionSettings } from '../../src/config/schema.js';
import { runningProcesses } from '../helpers/processes.js';
import { makeTempDir, type TempDir } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait.js';

/** A hook that appends its argv as one JSON line to the file named by its first argument. */
const RECORDER = `#!${process.execPath}
const fs = require('node:fs');
const [out, ...rest] = process.argv.slice(2);
fs.appendFileSync(out, JSON.stringify(rest) + '\\n');
`;

/** Fails (exit 3) until its counter file has seen `n` runs, then records like RECORDER. */
const FLAKY = `#!${process.execPath}
const fs = require('node:fs');
const [out, count, need, ...rest] = process.argv.slice(2);
const seen = fs.existsSync(count) ? Number(fs.readFileSync(count, 'utf8')) : 0;
fs.writeFileSync(count, String(seen + 1));
if (seen + 1 < Number(need)) { process.stderr.write('not yet\\n'); process.exit(3); }
fs.appendFileSync(out, JSON.stringify(rest) + '\\n');
`;

/** Never ends on its own; writes its pid so the test can see it was killed. */
const HANG = `#!${process.execPath}
// Written whole, then renamed: the test never reads the pid half written (an empty pid would be 0).
require('node:fs').writeFileSync(process.argv[2] + '.part', String(process.pid));
require('node:fs').renameSync(process.argv[2] + '.part', process.argv[2]);
setInterval(() => {}, 1000);
`;

/** A program that runs until killed. */
const SLEEP = '/usr/bin/sleep';

const BAN: HookEvent = { event: 'ban', ip: '198.51.100.7', jail: 'sshd', bantime: 600, failures: 5, expiry: '2026-01-01T00:10:00.000Z' };

function settings(extra: Partial<ExecActionSettings>): ExecActionSettings {
  return { type: 'exec', timeout: 10, retries: 3, concurrency: 2, queue: 100, ...extra };
}

function lines(file: string): string[][] {
  return existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((line) => JSON.parse(line) as string[]) : [];
}

describe('exec action', () => {
  let tmp: TempDir;
  let logged: string[];
  const log = (level: string, message: string) => logged.push(`${level} ${message}`);
  const actions: ExecAction[] = [];
  beforeEach(() => {
    tmp = makeTempDir('portcullis-exec-');
    logged = [];
  });
  afterEach(async () => {
    await Promise.all(actions.splice(0).map((action) => action.stop()));
    tmp.remove();
  });
  const make = (extra: Partial<ExecActionSettings>, delay = () => 20) => {
    const action = new ExecAction('hook', settings(extra), log, delay);
    actions.push(action);
    return action;
  };

  it('runs the ban template with each placeholder filled into its own argument', async () => {
    const hook = tmp.write('hook.js', RECORDER);
    const out = `${tmp.dir}/out`;
    const action = make({ ban: [process.execPath, hook, out, 'ban', '<ip>', '<jail>', 'for=<bantime>s', '<failures>'], unban: [process.execPath, hook, out, 'unban', '<ip>'] });
    action.handle(BAN);
    action.handle({ ...BAN, event: 'unban' });
    await waitFor(() => action.status().done === 2, 'two runs');
    expect(lines(out).sort()).toEqual([['ban', '198.51.100.7', 'sshd', 'for=600s', '5'], ['unban', '198.51.100.7']].sort());
    expect(action.status()).toMatchObject({ done: 2, failed: 0, dropped: 0 });
  });

  it('passes a hostile value verbatim as one argument, never to a shell', async () => {
    const hook = tmp.write('hook.js', RECORDER);
    const out = `${tmp.dir}/out`;
    const marker = `${tmp.dir}/pwned`;
    const hostile = `$(touch ${marker}); \`touch ${marker}\` | touch ${marker} a b "c" 'd' *`;
    const action = make({ ban: [process.execPath, hook, out, '<jail>', 'x<ip>y'] });
    action.handle({ ...BAN, jail: hostile, ip: 'a b;c' });
    await waitFor(() => action.status().done === 1, 'the run');
    expect(lines(out)[0]).toEqual([hostile, 'xa b;cy']);
    expect(existsSync(marker)).toBe(false);
  });

  it('retries a failing run with backoff and logs each failure', async () => {
    const hook = tmp.write('flaky.js', FLAKY);
    const out = `${tmp.dir}/out`;
    const action = make({ ban: [process.execPath, hook, out, `${tmp.dir}/count`, '3', '<ip>'], retries: 3 });
    action.handle(BAN);
    await waitFor(() => action.status().done === 1, 'the third attempt', 15000);
    expect(lines(out)[0]).toEqual(['198.51.100.7']);
    expect(logged.filter((line) => line.startsWith('WARNING'))).toEqual([
      expect.stringMatching(/^WARNING exec action "hook": ban 198\.51\.100\.7 \(sshd\): failed \(attempt 1\): exit status 3: "not yet"; retrying/),
      expect.stringMatching(/failed \(attempt 2\)/),
    ]);
    expect(logged).toContain('NOTICE exec action "hook": ban 198.51.100.7 (sshd): succeeded on attempt 3');
  });

  it('gives up after the retries, with an error naming the cause', async () => {
    const hook = tmp.write('flaky.js', FLAKY);
    const action = make({ ban: [process.execPath, hook, `${tmp.dir}/out`, `${tmp.dir}/count`, '99'], retries: 2 });
    action.handle(BAN);
    await waitFor(() => action.status().failed === 1, 'giving up', 15000);
    expect(readFileSync(`${tmp.dir}/count`, 'utf8')).toBe('3');
    expect(logged.at(-1)).toMatch(/^ERROR exec action "hook": ban 198\.51\.100\.7 \(sshd\): gave up after 3 attempts: exit status 3/);
  });

  it('kills a run that outlives its timeout', async () => {
    // A unique sleep time marks the process, so the test can see it is gone.
    const seconds = `${600 + (process.pid % 1000)}.${Date.now() % 1000}`;
    const running = () => runningProcesses().some(({ argv }) => argv.join('\0') === `${SLEEP}\0${seconds}`);
    const action = make({ ban: [SLEEP, seconds], timeout: 1, retries: 0 });
    action.handle(BAN);
    await waitFor(running, 'the run to start', 10000);
    await waitFor(() => action.status().failed === 1, 'the timeout', 15000);
    expect(logged.at(-1)).toMatch(/gave up after 1 attempt: killed after the 1s timeout/);
    expect(running()).toBe(false);
  });

  it('reports a program that cannot be started', async () => {
    const action = make({ ban: [`${tmp.dir}/missing-program`], retries: 0 });
    action.handle(BAN);
    await waitFor(() => action.status().failed === 1, 'the failure');
    expect(logged.at(-1)).toMatch(/gave up after 1 attempt: spawn .*missing-program ENOENT/);
  });

  it('never waits: runs beyond concurrency queue up, and past the queue limit are dropped and logged', async () => {
    const hook = tmp.write('hang.js', HANG);
    const action = make({ ban: [process.execPath, hook, `${tmp.dir}/pid-<ip>`], timeout: 30, retries: 0, concurrency: 1, queue: 2 });
    const started = Date.now();
    for (let i = 1; i <= 5; i++) action.handle({ ...BAN, ip: `198.51.100.${i}` });
    expect(Date.now() - started).toBeLessThan(1000);
    expect(action.status()).toMatchObject({ running: 1, queued: 2, dropped: 2 });
    expect(logged.filter((line) => line.startsWith('ERROR'))).toEqual([
      expect.stringMatching(/ban 198\.51\.100\.4 \(sshd\): dropped, 2 runs already waiting \(queue limit 2\)/),
      expect.stringMatching(/ban 198\.51\.100\.5 \(sshd\): dropped/),
    ]);
    await waitFor(() => existsSync(`${tmp.dir}/pid-198.51.100.1`), 'the first run');
    // Stopping kills nothing by itself; end the hanging run so stop() returns.
    process.kill(Number(readFileSync(`${tmp.dir}/pid-198.51.100.1`, 'utf8')));
    await action.stop();
    expect(existsSync(`${tmp.dir}/pid-198.51.100.2`)).toBe(false);
  });
});
