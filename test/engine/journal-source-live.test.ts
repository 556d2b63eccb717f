import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { JournalSource, type JournalEvent } from '../../src/engine/source/journal-source.js';
import type { SourcePosition } from '../../src/engine/types.js';
import { waitFor } from '../helpers/wait.js';

const waitForLive = (done: () => boolean, what: string, ms = 15_000): Promise<void> => waitFor(done, what, ms, 20);

const TAG = 'portcullis-test';
const HERE = fileURLToPath(import.meta.url);
const ROOT = path.resolve(path.dirname(HERE), '..', '..');
const PRIVATE_JOURNALD = path.join(path.dirname(HERE), 'fixtures', 'journal', 'private-journald.sh');
const INSIDE_PRIVATE = 'PORTCULLIS_PRIVATE_JOURNALD';

/** Why the live test cannot run here, or null when journald runs and can be written and read. */
function liveSkipReason(): { reason: string; noDaemon: boolean } | null {
  const probe = spawnSync('journalctl', ['-n', '1', '--no-pager', '--quiet'], { encoding: 'utf8', timeout: 10_000 });
  if (probe.error) return { reason: `journalctl cannot run (${probe.error.message})`, noDaemon: false };
  if (probe.status !== 0) return { reason: `journalctl -n 1 failed: ${probe.stderr.trim()}`, noDaemon: false };
  if (!writer()) return { reason: 'neither systemd-cat nor logger is installed', noDaemon: false };
  // journalctl also succeeds with no journald ("No journal files were found"): check the daemon.
  if (!existsSync('/run/systemd/journal/socket')) return { reason: 'journald is not running (no /run/systemd/journal/socket)', noDaemon: true };
  return null;
}

/**
 * Where journald is not running (a container), root can still run the live test against a real
 * journald and journalctl: a private journald in a mount namespace of its own, with the test run
 * again inside it. Returns the journald binary, or why not.
 */
function privateJournald(): { journald: string } | { reason: string } {
  if (process.env[INSIDE_PRIVATE] !== undefined) return { reason: 'already inside the private journald' };
  if (process.getuid?.() !== 0) return { reason: 'a private journald needs root' };
  const journald = ['/lib/systemd/systemd-journald', '/usr/lib/systemd/systemd-journald'].find((p) => existsSync(p));
  if (!journald) return { reason: 'systemd-journald is not installed' };
  if (spawnSync('unshare', ['--mount', '--propagation', 'private', 'true']).status !== 0) return { reason: 'unshare --mount fails here' };
  return { journald };
}

function writer(): 'systemd-cat' | 'logger' | null {
  for (const name of ['systemd-cat', 'logger'] as const) {
    if (!spawnSync(name, ['--help'], { stdio: 'ignore' }).error) return name;
  }
  return null;
}

/** Writes one message (bytes as given) to the journal under TAG. */
function log(message: string | Buffer): void {
  const result =
    writer() === 'systemd-cat'
      ? spawnSync('systemd-cat', ['-t', TAG], { input: Buffer.concat([Buffer.from(message), Buffer.from('\n')]), timeout: 10_000 })
      : spawnSync('logger', ['-t', TAG], { input: message, timeout: 10_000 });
  if (result.status !== 0) throw new Error(`cannot write to the journal: ${String(result.stderr)}`);
}

const skip = liveSkipReason();
const fallback = skip?.noDaemon ? privateJournald() : null;
if (skip && fallback && 'journald' in fallback) {
  console.warn(`journal-source live test: ${skip.reason}; running it next to a private journald`);
} else if (skip) {
  console.warn(`journal-source live test skipped: ${skip.reason}${fallback && 'reason' in fallback ? `, and ${fallback.reason}` : ''}`);
}

describe.skipIf(skip !== null)('JournalSource on the live journal', () => {
  const running: JournalSource[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((s) => s.stop()));
  });

  function open(cursor?: string) {
    const got = { lines: [] as string[], position: undefined as SourcePosition | undefined, events: [] as JournalEvent[] };
    const source = new JournalSource({
      jail: 'live',
      matches: [`SYSLOG_IDENTIFIER=${TAG}`],
      startAt: 'beginning',
      ...(cursor === undefined ? {} : { cursor }),
      onLines: (lines, position) => {
        got.lines.push(...lines);
        got.position = position;
      },
      onEvent: (event) => got.events.push(event),
    });
    running.push(source);
    source.start();
    return { source, got };
  }

  it('reads a message logged with the tag, follows new ones, and resumes after the cursor', async () => {
    const token = `portcullis-live-${process.pid}-${Date.now()}`;
    log(`${token} one`);
    const first = open();
    const mine = () => first.got.lines.filter((l) => l.includes(token));
    await waitForLive(() => mine().length === 1, 'the first message');
    const host = '\\S+';
    expect(mine()[0]).toMatch(new RegExp(`^[A-Z][a-z]{2} [ \\d]\\d \\d\\d:\\d\\d:\\d\\d ${host} ${TAG}(\\[\\d+\\])?: ${token} one$`));

    // Not UTF-8: journalctl prints it as an array of bytes, decoded with U+FFFD.
    log(Buffer.concat([Buffer.from(`${token} two `), Buffer.from([0xff, 0xfe]), Buffer.from('x')]));
    await waitForLive(() => mine().length === 2, 'a followed message');
    expect(mine()[1]).toMatch(new RegExp(`: ${token} two \uFFFD\uFFFDx$`));
    const cursor = first.got.position?.cursor;
    expect(cursor).toMatch(/^s=[0-9a-f]+;i=[0-9a-f]+;/);
    await first.source.stop();

    log(`${token} three`);
    const resumed = open(cursor);
    await waitForLive(() => resumed.got.lines.some((l) => l.includes(`${token} three`)), 'the message after the cursor');
    expect(resumed.got.lines.filter((l) => l.includes(token)).map((l) => l.slice(l.indexOf(token)))).toEqual([`${token} three`]);
    expect(resumed.got.events.filter((e) => e.type !== 'started')).toEqual([]);
  });
});

describe.skipIf(!(fallback && 'journald' in fallback))('JournalSource on a private journald', () => {
  it('passes the live test against a real journald and journalctl', () => {
    const journald = fallback && 'journald' in fallback ? fallback.journald : '';
    const vitest = path.join(ROOT, 'node_modules', 'vitest', 'vitest.mjs');
    const run = spawnSync(
      'unshare',
      ['--mount', '--propagation', 'private', 'sh', PRIVATE_JOURNALD, journald, process.execPath, vitest, 'run', HERE],
      { cwd: ROOT, encoding: 'utf8', timeout: 120_000, env: { ...process.env, [INSIDE_PRIVATE]: '1', NO_COLOR: '1', FORCE_COLOR: '0' } },
    );
    const output = `${run.stdout}${run.stderr}`;
    expect(run.status, output).toBe(0);
    expect(output).toMatch(/Tests\s+1 passed/);
  });
});
