import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { compileFilter, loadFilter } from '../../src/engine/filter/index.js';
import { MAX_LINE_LENGTH } from '../../src/engine/source/line-reader.js';
import {
  JournalSource,
  type JournalEvent,
  type JournalSourceOptions,
} from '../../src/engine/source/journal-source.js';
import type { SourcePosition } from '../../src/engine/types.js';
import { makeTempDir, type TempDir } from './helpers.js';
import { sleep, waitFor } from '../helpers/wait.js';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'journal');
const FIXTURE = path.join(FIXTURES, 'sshd.json');
const FAKE = path.join(FIXTURES, 'fake-journalctl.mjs');
const ENTRIES = readFileSync(FIXTURE, 'utf8')
  .trim()
  .split('\n')
  .map((text) => JSON.parse(text) as Record<string, unknown>);
const CURSORS = ENTRIES.map((e) => e.__CURSOR as string);
/** Entry 7 (a 70,000-character user name) is skipped, as an overlong file line is. */
const OVERLONG = 7;
const LINES = ENTRIES.length - 1;

// Local time must be the process's zone, not UTC: New York is UTC-4 on 14 March 2026 (EDT).
const savedTz = process.env.TZ;
beforeAll(() => {
  process.env.TZ = 'America/New_York';
});
afterAll(() => {
  if (savedTz === undefined) delete process.env.TZ;
  else process.env.TZ = savedTz;
});

let tmp: TempDir;
const running: JournalSource[] = [];
beforeEach(() => {
  tmp = makeTempDir('portcullis-journal-');
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.stop()));
  tmp.remove();
});

/** The fake journalctl printing `file` (see fixtures/journal/fake-journalctl.mjs). */
function fake(file: string, flags: string[] = []): ChildProcess {
  return spawn(process.execPath, [FAKE, file, ...flags], { stdio: ['ignore', 'pipe', 'pipe'] });
}

interface Followed {
  source: JournalSource;
  lines: string[];
  batches: { lines: string[]; position: SourcePosition }[];
  events: JournalEvent[];
  /** Arguments of each spawn, with when it happened. */
  spawns: { args: string[]; at: number }[];
}

function follow(
  spawnJournal: (args: string[], call: number) => ChildProcess,
  options: Partial<JournalSourceOptions> = {},
): Followed {
  const got: Followed = { source: null as unknown as JournalSource, lines: [], batches: [], events: [], spawns: [] };
  got.source = new JournalSource({
    jail: 'sshd',
    matches: ['_SYSTEMD_UNIT=ssh.service + _COMM=sshd'],
    startAt: 'end',
    backoff: { initialMs: 60_000, maxMs: 60_000 },
    ...options,
    onLines: (lines, position) => {
      got.lines.push(...lines);
      got.batches.push({ lines, position });
    },
    onEvent: (event) => got.events.push(event),
    spawnJournal: (args) => {
      got.spawns.push({ args, at: Date.now() });
      return spawnJournal(args, got.spawns.length);
    },
  });
  running.push(got.source);
  got.source.start();
  return got;
}

const EXPECTED_FAILURES = [
  ['198.18.4.7', '2026-03-14T09:15:05.000Z'],
  ['198.18.4.7', '2026-03-14T09:15:06.000Z'],
  ['198.19.200.3', '2026-03-14T09:15:10.000Z'],
  ['2001:db8::dead:beef', '2026-03-14T09:15:12.000Z'],
  ['2001:db8:0:1::7', '2026-03-14T09:15:18.000Z'],
  ['198.18.9.9', '2026-03-14T09:15:23.000Z'],
  ['2001:db8:1::2', '2026-03-14T09:15:25.000Z'],
];

describe('JournalSource on a recorded journalctl -o json stream', () => {
  it('delivers each entry as a syslog line dated by the journal in local time', async () => {
    const got = follow(() => spawn('cat', [FIXTURE]));
    await waitFor(() => got.lines.length === LINES, 'all entries');
    expect(got.lines[0]).toBe('Mar 14 05:15:02 web1 sshd[812]: Server listening on 0.0.0.0 port 22.');
    expect(got.lines[1]).toBe('Mar 14 05:15:05 web1 sshd-session[2301]: Invalid user admin from 198.18.4.7 port 50122');
    expect(got.lines[4]).toBe(
      'Mar 14 05:15:12 web1 sshd[2303]: Failed password for invalid user oracle from 2001:db8::dead:beef port 61000 ssh2',
    );
    // A MESSAGE that is not UTF-8 arrives as bytes and is decoded with U+FFFD, as a file line is.
    expect(got.lines[6]).toBe('Mar 14 05:15:18 web1 sshd-session[2305]: Invalid user r\uFFFD\uFFFD\uFFFDot from 2001:db8:0:1::7 port 4242');
    // The 70,000-character user name is skipped like an overlong file line, not cut.
    expect(got.lines.some((line) => line.length > MAX_LINE_LENGTH || line.includes('AAAA'))).toBe(false);
    // No SYSLOG_IDENTIFIER / SYSLOG_PID: the tag is _COMM[_PID], as journalctl's short output does.
    expect(got.lines[8]).toBe('Mar 14 05:15:25 web1 sshd-session[2308]: Failed password for invalid user test from 2001:db8:1::2 port 2200 ssh2');
    expect(got.source.stats).toMatchObject({ entries: 12, lines: 11, truncated: 1, skipped: 0, invalid: 0 });
    const last = got.batches.at(-1)!.position;
    expect(last).toEqual({ source: 'journal:sshd', inode: 0, offset: 0, firstLineHash: '', cursor: CURSORS.at(-1) });
    expect(got.source.position()).toEqual(last);
  });

  it('gives lines on which the shipped sshd filter finds the failures, at the journal times', async () => {
    const got = follow(() => spawn('cat', [FIXTURE]));
    await waitFor(() => got.lines.length === LINES, 'all entries');
    const filter = compileFilter(loadFilter('sshd'), { now: () => Date.UTC(2026, 2, 14, 10) });
    const failures = got.lines.flatMap((line) => {
      const result = filter.matchLine(line, 0);
      return result.kind === 'failure' ? [[result.ip, new Date(result.time).toISOString()]] : [];
    });
    expect(failures).toEqual(EXPECTED_FAILURES);
  });

  it('reports the cursor of the last entry of each batch as the stream trickles in', async () => {
    const got = follow(() => fake(FIXTURE, ['--chunk=700', '--delay=1']));
    await waitFor(() => got.lines.length === LINES, 'all entries', 20_000);
    expect(got.batches.length).toBeGreaterThan(5);
    let seen = 0;
    for (const batch of got.batches) {
      seen += batch.lines.length; // every fixture entry has a MESSAGE; only the overlong one gives no line
      // A batch that ends with the overlong entry carries that entry's cursor.
      const last = seen - 1 >= OVERLONG ? [CURSORS[seen]] : seen === OVERLONG ? [CURSORS[seen - 1], CURSORS[OVERLONG]] : [CURSORS[seen - 1]];
      expect(last).toContain(batch.position.cursor);
    }
    const whole = follow(() => spawn('cat', [FIXTURE]));
    await waitFor(() => whole.lines.length === LINES, 'all entries');
    expect(got.lines).toEqual(whole.lines);
  });

  it('stops journalctl, and no lines come after stop()', async () => {
    const got = follow(() => fake(FIXTURE, ['--chunk=300', '--delay=5']));
    await waitFor(() => got.lines.length >= 2, 'a few lines');
    await got.source.stop();
    const count = got.lines.length;
    await sleep(100);
    expect(got.lines.length).toBe(count);
    expect(count).toBeLessThan(LINES);
    expect(got.events.map((e) => e.type)).toEqual(['started']);
  });
});

describe('JournalSource arguments', () => {
  const empty = () => spawn('cat', ['/dev/null']);

  it('follows new entries only at startAt end, with the matches after "--"', async () => {
    const got = follow(empty);
    await waitFor(() => got.spawns.length === 1, 'the spawn');
    expect(got.spawns[0]!.args).toEqual([
      '--follow',
      '--output=json',
      '--output-fields=MESSAGE,SYSLOG_IDENTIFIER,SYSLOG_PID,_COMM,_PID,_HOSTNAME',
      '--all',
      '--no-pager',
      '--quiet',
      '--lines=0',
      '--',
      '_SYSTEMD_UNIT=ssh.service',
      '+',
      '_COMM=sshd',
    ]);
  });

  it('reads the whole journal at startAt beginning', async () => {
    const got = follow(empty, { startAt: 'beginning', matches: ['_SYSTEMD_UNIT=sshd.service _COMM=sshd'] });
    await waitFor(() => got.spawns.length === 1, 'the spawn');
    const args = got.spawns[0]!.args;
    expect(args).toContain('--no-tail');
    expect(args).not.toContain('--lines=0');
    expect(args.slice(args.indexOf('--'))).toEqual(['--', '_SYSTEMD_UNIT=sshd.service', '_COMM=sshd']);
  });

  it('resumes after a stored cursor, whatever startAt says', async () => {
    const got = follow(empty, { cursor: CURSORS[4] });
    await waitFor(() => got.spawns.length === 1, 'the spawn');
    const args = got.spawns[0]!.args;
    expect(args).toContain(`--after-cursor=${CURSORS[4]}`);
    expect(args).toContain('--no-tail');
    expect(args).not.toContain('--lines=0');
    expect(got.source.position().cursor).toBe(CURSORS[4]);
  });

  it('throws on a journalmatch that is not FIELD=value', () => {
    const make = (matches: string[]) =>
      new JournalSource({ jail: 'x', matches, startAt: 'end', onLines: () => {} });
    expect(() => make(['--since=today'])).toThrow(/not FIELD=value/);
    expect(() => make(['_COMM=sshd +'])).toThrow(/"\+" needs a match/);
  });

  it('spawns the real journalctl by name with an argument array, never a shell', async () => {
    const bin = path.join(tmp.dir, 'bin');
    const argsFile = path.join(tmp.dir, 'args.txt');
    const script = tmp.write(
      'bin/journalctl',
      `#!/bin/sh\nprintf '%s\\n' "$@" > '${argsFile}'\nexec cat '${FIXTURE}'\n`,
    );
    chmodSync(script, 0o755);
    const savedPath = process.env.PATH;
    process.env.PATH = `${bin}:${savedPath ?? ''}`;
    try {
      const lines: string[] = [];
      const source = new JournalSource({
        jail: 'sshd',
        matches: ['_COMM=$(touch${IFS}pwned);`touch${IFS}pwned2`'],
        startAt: 'end',
        backoff: { initialMs: 60_000, maxMs: 60_000 },
        onLines: (batch) => lines.push(...batch),
      });
      running.push(source);
      source.start();
      await waitFor(() => lines.length === LINES, 'the fake journalctl output');
      const args = readFileSync(argsFile, 'utf8').trim().split('\n');
      expect(args.at(-1)).toBe('_COMM=$(touch${IFS}pwned);`touch${IFS}pwned2`');
      expect(existsSync('pwned') || existsSync('pwned2')).toBe(false);
    } finally {
      process.env.PATH = savedPath;
    }
  });
});

describe('JournalSource restarts', () => {
  it('restarts an exited journalctl from the last cursor, with a doubling delay', async () => {
    const head = tmp.write('head.json', `${readFileSync(FIXTURE, 'utf8').split('\n').slice(0, 3).join('\n')}\n`);
    const got = follow(
      (_args, call) =>
        call === 1
          ? fake(head, ['--exit=1', '--stderr=Failed to get journal fd: boom'])
          : // Quick to fail: a run that lives as long as the longest delay counts as healthy.
            spawn('false', [], { stdio: ['ignore', 'pipe', 'pipe'] }),
      { backoff: { initialMs: 50, maxMs: 400 } },
    );
    await waitFor(() => got.spawns.length >= 6, 'six starts');
    await got.source.stop();
    expect(got.lines).toHaveLength(3);
    expect(got.spawns[0]!.args).toContain('--lines=0');
    for (const spawned of got.spawns.slice(1)) {
      expect(spawned.args).toContain(`--after-cursor=${CURSORS[2]}`);
      expect(spawned.args).not.toContain('--lines=0');
    }
    const exits = got.events.filter((e) => e.type === 'exited');
    expect(exits[0]!.message).toMatch(/journalctl exited with code 1 \(Failed to get journal fd: boom\); restarting in 50 ms/);
    expect(exits.slice(1, 5).map((e) => /restarting in (\d+) ms/.exec(e.message ?? '')?.[1])).toEqual(['100', '200', '400', '400']);
    // The first run read entries, so its restart waits the first step; failures then double it.
    const expected = [50, 100, 200, 400, 400];
    for (let i = 0; i < 5; i++) {
      expect(got.spawns[i + 1]!.at - got.spawns[i]!.at).toBeGreaterThanOrEqual(expected[i]! - 5);
    }
    expect(got.source.stats.restarts).toBe(got.spawns.length - 1);
    expect(got.events.filter((e) => e.type === 'error').map((e) => e.message)).toContain('journalctl: Failed to get journal fd: boom');
  });

  it('restarts a source that has seen no entry from the time it started, not from the new end', async () => {
    const before = Date.now();
    const got = follow((_args, call) => (call === 1 ? fake('-', ['--exit=1']) : fake('-')), {
      backoff: { initialMs: 10, maxMs: 10 },
    });
    await waitFor(() => got.spawns.length === 2, 'the restart');
    const since = got.spawns[1]!.args.find((a) => a.startsWith('--since=@'));
    expect(since).toBeDefined();
    const seconds = Number(since!.slice('--since=@'.length));
    expect(seconds * 1000).toBeGreaterThanOrEqual(before - 1);
    expect(seconds * 1000).toBeLessThanOrEqual(got.spawns[0]!.at + 1);
    expect(got.spawns[1]!.args).toContain('--no-tail');
    expect(got.spawns[1]!.args).not.toContain('--lines=0');
  });

  it('drops a cursor that journalctl rejects instead of failing forever', async () => {
    const got = follow(
      (args) =>
        args.some((a) => a.startsWith('--after-cursor='))
          ? fake('-', ['--exit=1', '--stderr=Failed to seek to cursor: Invalid argument'])
          : fake(FIXTURE),
      { cursor: 's=not-a-cursor', startAt: 'beginning', backoff: { initialMs: 10, maxMs: 10 } },
    );
    await waitFor(() => got.lines.length === LINES, 'the journal from its beginning');
    expect(got.spawns).toHaveLength(2);
    expect(got.spawns[1]!.args).toContain('--no-tail');
    expect(got.spawns[1]!.args.some((a) => a.startsWith('--after-cursor='))).toBe(false);
    expect(got.events.some((e) => e.type === 'error' && /rejected the saved cursor s=not-a-cursor/.test(e.message ?? ''))).toBe(true);
  });

  it('reports a missing journalctl clearly and keeps trying, slowly', async () => {
    const got = follow((args) => spawn(path.join(tmp.dir, 'no-such-journalctl'), args), { missingRetryMs: 50 });
    await waitFor(() => got.spawns.length >= 3, 'retries');
    const errors = got.events.filter((e) => e.type === 'error');
    expect(errors[0]!.message).toMatch(/^journalctl not found \(.*ENOENT.*\): backend = "journal" needs systemd's journalctl on PATH; trying again in 50 ms$/);
    expect(got.events.some((e) => e.type === 'exited')).toBe(false);
    expect(got.spawns[2]!.at - got.spawns[1]!.at).toBeGreaterThanOrEqual(45);
  });
});
