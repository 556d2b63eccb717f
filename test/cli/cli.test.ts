import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lines, makeTempDir, type TempDir } from '../engine/helpers.js';
import { cli, ensureCliBuilt } from '../helpers/cli.js';

let tmp: TempDir;

beforeAll(async () => {
  tmp = makeTempDir('portcullis-cli-');
  await ensureCliBuilt();
}, 200_000);
afterAll(() => tmp?.remove());

const SSHD_FILTER = lines(
  '[Definition]',
  'failregex = sshd\\[\\d+\\]: Failed password for <F-USER>\\S+</F-USER> from <HOST> port \\d+$',
  '            sshd\\[\\d+\\]: Connection closed by <HOST> \\[preauth\\]$',
  'ignoreregex = for monitor from',
);

const SSHD_LOG = lines(
  '2026-11-24T10:00:00Z sshd[1]: Failed password for root from 192.0.2.1 port 22',
  '2026-11-24T10:00:05Z sshd[1]: Accepted password for alice from 192.0.2.50 port 22',
  '2026-11-24T10:00:10Z sshd[2]: Connection closed by 2001:db8::7 [preauth]',
  '2026-11-24T10:00:15Z sshd[3]: Failed password for monitor from 192.0.2.9 port 22',
  '2026-11-24T10:00:20+01:00 sshd[4]: Failed password for bob from ::ffff:198.18.0.1 port 22',
);

describe('portcullis regex', () => {
  it('--json prints the failures with 1-based lines, ISO times, hosts and users, and the counts', async () => {
    const filter = tmp.write('sshd-test.conf', SSHD_FILTER);
    const log = tmp.write('auth.log', SSHD_LOG);
    const result = await cli('regex', log, filter, '--json');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      failures: [
        { line: 1, time: '2026-11-24T10:00:00.000Z', host: '192.0.2.1', user: 'root' },
        { line: 3, time: '2026-11-24T10:00:10.000Z', host: '2001:db8::7' },
        { line: 5, time: '2026-11-24T09:00:20.000Z', host: '198.18.0.1', user: 'bob' },
      ],
      lines: 5,
      matched: 3,
      ignored: 1,
      missed: 1,
    });
  });

  it('--json on a log with no match prints an empty failure list', async () => {
    const filter = tmp.write('sshd-test.conf', SSHD_FILTER);
    const log = tmp.write('quiet.log', lines('2026-11-24T10:00:00Z sshd[1]: Accepted key for alice'));
    const result = await cli('regex', log, filter, '--json');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ failures: [], lines: 1, matched: 0, ignored: 0, missed: 1 });
  });

  it('prints a human summary with the line counts and the hits of each failregex', async () => {
    const filter = tmp.write('sshd-test.conf', SSHD_FILTER);
    const log = tmp.write('auth.log', SSHD_LOG);
    const result = await cli('regex', log, filter);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Lines: 5 lines, 1 ignored, 3 matched, 1 missed');
    expect(result.stdout).toMatch(/#1\s+2\s+sshd-test\.conf:2\s/);
    expect(result.stdout).toMatch(/#2\s+1\s+sshd-test\.conf:3\s/);
  });

  it('exits 1 naming file:line and "lookahead" for a filter RE2 cannot run', async () => {
    const filter = tmp.write(
      'bad.conf',
      lines('[Definition]', 'failregex = ^ok from <HOST>$', '            ^bad(?=x) from <HOST>$'),
    );
    const log = tmp.write('auth.log', SSHD_LOG);
    const result = await cli('regex', log, filter, '--json');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${filter}:3:`);
    expect(result.stderr).toContain('lookahead');
    expect(result.stderr).not.toMatch(/\n\s+at /); // a message, not a stack trace
    expect(result.stdout).toBe('');
  });

  it('exits 1 with a clear message for a missing log file', async () => {
    const filter = tmp.write('sshd-test.conf', SSHD_FILTER);
    const missing = path.join(tmp.dir, 'no-such.log');
    const result = await cli('regex', missing, filter, '--json');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(missing);
    expect(result.stderr).toMatch(/no such file/i);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(result.stdout).toBe('');
  });

  it('exits 1 for a missing filter file', async () => {
    const log = tmp.write('auth.log', SSHD_LOG);
    const missing = path.join(tmp.dir, 'nope.conf');
    const result = await cli('regex', log, missing);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('nope.conf');
  });
});

const REPLAY_FILTER = lines('[Definition]', 'failregex = Failed password for \\S+ from <HOST>( port \\d+)?$');

/** One failure line at `minute` (and `second`) past 10:00 UTC. */
const fail = (ip: string, minute: number, second = 0): string =>
  `2026-11-24T10:${String(minute).padStart(2, '0')}:${String(second).padStart(2, '0')}Z sshd[9]: Failed password for root from ${ip} port 22`;

describe('portcullis replay', () => {
  it('--json lists the bans in order; spread failures never ban; a banned IP is banned once per bantime', async () => {
    const filter = tmp.write('replay.conf', REPLAY_FILTER);
    const A = '192.0.2.1';
    const B = '192.0.2.2';
    const C = '2001:db8::c';
    const log = tmp.write(
      'replay.log',
      lines(
        fail(A, 0), fail(B, 0), fail(A, 1), fail(A, 2), // A banned at 10:02
        fail(A, 3), fail(A, 4), fail(C, 5), fail(A, 5), fail(B, 6), fail(A, 6), // A is banned: not counted
        fail(C, 7), fail(C, 9), // C banned at 10:09
        fail(B, 12), fail(B, 18), fail(B, 24), fail(B, 30), // B: never 3 within 10 min
        fail(A, 33), fail(A, 34), fail(A, 35), // A's 30 min ban ended at 10:32: banned again
      ),
    );
    const result = await cli('replay', log, '--filter', filter, '--maxretry', '3', '--findtime', '10m', '--bantime', '30m', '--json');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      bans: [
        { time: '2026-11-24T10:02:00.000Z', host: A, failures: 3 },
        { time: '2026-11-24T10:09:00.000Z', host: C, failures: 3 },
        { time: '2026-11-24T10:35:00.000Z', host: A, failures: 3 },
      ],
    });
  });

  it('uses the default bantime of 10 minutes', async () => {
    const filter = tmp.write('replay.conf', REPLAY_FILTER);
    const A = '198.51.100.1';
    const log = tmp.write(
      'replay-default.log',
      lines(fail(A, 0), fail(A, 0, 30), fail(A, 1), fail(A, 5), fail(A, 6), fail(A, 7), fail(A, 13), fail(A, 14), fail(A, 15)),
    );
    const result = await cli('replay', log, '--filter', filter, '--maxretry', '3', '--findtime', '10m', '--json');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      bans: [
        { time: '2026-11-24T10:01:00.000Z', host: A, failures: 3 },
        { time: '2026-11-24T10:15:00.000Z', host: A, failures: 3 },
      ],
    });
  });

  it('rejects --maxretry 0 with an error exit', async () => {
    const filter = tmp.write('replay.conf', REPLAY_FILTER);
    const log = tmp.write('replay.log', lines(fail('192.0.2.1', 0)));
    const result = await cli('replay', log, '--filter', filter, '--maxretry', '0', '--json');
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/maxretry/);
    expect(result.stdout).toBe('');
  });

  it('rejects a findtime that is not a positive duration', async () => {
    const filter = tmp.write('replay.conf', REPLAY_FILTER);
    const log = tmp.write('replay.log', lines(fail('192.0.2.1', 0)));
    for (const bad of ['0', 'soon', 'permanent']) {
      const result = await cli('replay', log, '--filter', filter, '--findtime', bad, '--json');
      expect(result.code, `--findtime ${bad}`).not.toBe(0);
      expect(result.stderr, `--findtime ${bad}`).toMatch(/findtime/);
    }
  });
});
