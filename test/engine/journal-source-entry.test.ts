import { spawn } from 'node:child_process';
import { hostname } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  decodeField,
  journalLine,
  journalMatchArgs,
  JsonLineSplitter,
  MAX_ENTRY_BYTES,
  syslogTime,
} from '../../src/engine/source/journal-entry.js';
import { JournalSource } from '../../src/engine/source/journal-source.js';
import type { SourcePosition } from '../../src/engine/types.js';
import { makeTempDir, type TempDir } from './helpers.js';

const FAKE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'journal', 'fake-journalctl.mjs');

const savedTz = process.env.TZ;
beforeAll(() => {
  process.env.TZ = 'UTC';
});
afterAll(() => {
  if (savedTz === undefined) delete process.env.TZ;
  else process.env.TZ = savedTz;
});

/** 2026-03-14 09:15:02.123456 UTC in journal microseconds. */
const T = '1773479702123456';
const cursor = (n: number) => `s=8d2b6f0e4c1a4f7e9b3d5a6c7e8f9012;i=${(0x100 + n).toString(16)};b=3f9a1c2e5b7d4e6f8a0b1c2d3e4f5a6b;m=1f;t=64cf86ba953c0;x=${n}`;
const entry = (n: number, fields: Record<string, unknown>) =>
  JSON.stringify({ __CURSOR: cursor(n), __REALTIME_TIMESTAMP: T, _HOSTNAME: 'web1', SYSLOG_IDENTIFIER: 'sshd', _PID: '7', ...fields });

describe('journalLine', () => {
  it('builds the syslog form from the journal fields', () => {
    expect(journalLine(entry(1, { MESSAGE: 'hello', SYSLOG_PID: '42' }))).toEqual({
      cursor: cursor(1),
      line: 'Mar 14 09:15:02 web1 sshd[42]: hello',
      truncated: false,
    });
    expect(journalLine(entry(1, { MESSAGE: 'hello', _PID: undefined }))?.line).toBe('Mar 14 09:15:02 web1 sshd: hello');
    const noHost = JSON.stringify({ __CURSOR: cursor(2), __REALTIME_TIMESTAMP: T, _COMM: 'sshd', MESSAGE: 'x' });
    expect(journalLine(noHost)?.line).toBe(`Mar 14 09:15:02 ${hostname()} sshd: x`);
  });

  it('pads a one-digit day with a space, as syslog does', () => {
    expect(syslogTime(Date.UTC(2026, 0, 5, 1, 2, 3))).toBe('Jan  5 01:02:03');
  });

  it('keeps a message to one line: control characters as rsyslog writes them, a final newline dropped', () => {
    const line = journalLine(entry(1, { MESSAGE: 'one\ntwo\x1b[0m\ttab\n' }))?.line;
    expect(line).toBe('Mar 14 09:15:02 web1 sshd[7]: one#012two#033[0m\ttab');
  });

  it('decodes byte arrays with U+FFFD and takes the first of repeated fields', () => {
    expect(decodeField([104, 105, 0xff])).toBe('hi\uFFFD');
    expect(decodeField(['first', 'second'])).toBe('first');
    expect(decodeField([[0xc3, 0xa9], 'x'])).toBe('é');
    expect(decodeField(null)).toBeUndefined();
    expect(decodeField([300])).toBeUndefined();
  });

  it('gives the cursor but no line for an entry without MESSAGE, and null for what is not JSON', () => {
    expect(journalLine(entry(3, {}))).toEqual({ cursor: cursor(3), line: null, truncated: false });
    expect(journalLine(entry(3, { MESSAGE: null }))?.line).toBeNull();
    expect(journalLine('-- No entries --')).toBeNull();
    expect(journalLine('[1,2]')).toBeNull();
  });
});

describe('journalMatchArgs (fail2ban journalmatch)', () => {
  it('turns "+" into OR-groups and blanks into AND terms', () => {
    expect(journalMatchArgs(['_SYSTEMD_UNIT=ssh.service + _COMM=sshd'])).toEqual(['_SYSTEMD_UNIT=ssh.service', '+', '_COMM=sshd']);
    expect(journalMatchArgs(['_SYSTEMD_UNIT=sshd.service  _COMM=sshd + _COMM=sshd-session'])).toEqual([
      '_SYSTEMD_UNIT=sshd.service',
      '_COMM=sshd',
      '+',
      '_COMM=sshd-session',
    ]);
  });

  it('ORs separate entries and skips empty ones', () => {
    expect(journalMatchArgs(['_SYSTEMD_UNIT=ssh.service', '', 'SYSLOG_FACILITY=10 PRIORITY=5'])).toEqual([
      '_SYSTEMD_UNIT=ssh.service',
      '+',
      'SYSLOG_FACILITY=10',
      'PRIORITY=5',
    ]);
    expect(journalMatchArgs([])).toEqual([]);
  });

  it('takes quoted values with blanks, a "+" inside a value, and absolute paths', () => {
    expect(journalMatchArgs(['_SYSTEMD_UNIT="my app.service" MESSAGE_ID=a+b', '/usr/sbin/sshd'])).toEqual([
      '_SYSTEMD_UNIT=my app.service',
      'MESSAGE_ID=a+b',
      '+',
      '/usr/sbin/sshd',
    ]);
  });

  it('rejects what journalctl would take as an option or refuse', () => {
    for (const bad of ['--since=today', '-n', 'sshd', '_comm=sshd', '+ _COMM=sshd', '_COMM=sshd + + _PID=1', '_COMM="sshd']) {
      expect(() => journalMatchArgs([bad]), bad).toThrow(/journalmatch/);
    }
  });
});

describe('JsonLineSplitter', () => {
  it('holds at most its bound of an endless line, and finds the cursor wherever it is in it', () => {
    const splitter = new JsonLineSplitter();
    const head = Buffer.from('{"MESSAGE":"');
    expect(splitter.push(head)).toEqual([]);
    const filler = Buffer.alloc(64 * 1024, 0x41);
    let maxHeld = 0;
    for (let i = 0; i < 80; i++) {
      expect(splitter.push(filler)).toEqual([]);
      maxHeld = Math.max(maxHeld, splitter.heldBytes);
    }
    expect(maxHeld).toBeLessThanOrEqual(MAX_ENTRY_BYTES);
    expect(splitter.heldBytes).toBe(0);
    // The cursor split across two chunks, after 5 MiB of message.
    const tail = `","__CURSOR":"${cursor(9)}","_PID":"1"}\n${entry(10, { MESSAGE: 'next' })}\n`;
    expect(splitter.push(Buffer.from(tail.slice(0, 20)))).toEqual([]);
    const out = splitter.push(Buffer.from(tail.slice(20)));
    expect(out).toEqual([
      { kind: 'overlong', cursor: cursor(9) },
      { kind: 'json', text: entry(10, { MESSAGE: 'next' }) },
    ]);
  });

  it('does not take an escaped "__CURSOR" inside a message for the cursor', () => {
    const splitter = new JsonLineSplitter(64);
    const text = JSON.stringify({ MESSAGE: `x"__CURSOR":"fake" ${'y'.repeat(100)}`, __CURSOR: 'real' });
    expect(splitter.push(Buffer.from(`${text}\n`))).toEqual([{ kind: 'overlong', cursor: 'real' }]);
  });

  it('keeps multi-byte characters split across chunks intact', () => {
    const splitter = new JsonLineSplitter();
    const bytes = Buffer.from(`${entry(1, { MESSAGE: 'zażółć' })}\n`);
    const cut = bytes.indexOf(Buffer.from('ż')) + 1;
    const out = [...splitter.push(bytes.subarray(0, cut)), ...splitter.push(bytes.subarray(cut))];
    expect(out).toEqual([{ kind: 'json', text: entry(1, { MESSAGE: 'zażółć' }) }]);
  });
});

describe('JournalSource bounds', () => {
  let tmp: TempDir;
  const running: JournalSource[] = [];
  beforeEach(() => {
    tmp = makeTempDir('portcullis-journal-');
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map((s) => s.stop()));
    tmp.remove();
  });

  it('skips and counts entries over the bound, keeps their cursor, and reads on', async () => {
    const huge = JSON.stringify({ MESSAGE: 'B'.repeat(2 * 1024 * 1024), __REALTIME_TIMESTAMP: T, __CURSOR: cursor(5) });
    const stream = [
      entry(1, { MESSAGE: 'first' }),
      '-- No entries --',
      entry(2, { MESSAGE: 'second', _PID: ['9', '10'] }),
      entry(3, {}),
      huge,
      entry(4, { MESSAGE: 'C'.repeat(100_000) }),
      '',
    ].join('\n');
    const file = tmp.write('stream.json', stream);
    const lines: string[] = [];
    const positions: SourcePosition[] = [];
    const source = new JournalSource({
      jail: 'sshd',
      matches: [],
      startAt: 'end',
      backoff: { initialMs: 60_000, maxMs: 60_000 },
      onLines: (batch, position) => {
        lines.push(...batch);
        positions.push(position);
      },
      spawnJournal: () => spawn(process.execPath, [FAKE, file, '--chunk=65536'], { stdio: ['ignore', 'pipe', 'pipe'] }),
    });
    running.push(source);
    source.start();
    const until = Date.now() + 10_000;
    while (positions.at(-1)?.cursor !== cursor(4) && Date.now() < until) await new Promise((r) => setTimeout(r, 5));
    expect(lines.slice(0, 2)).toEqual(['Mar 14 09:15:02 web1 sshd[7]: first', 'Mar 14 09:15:02 web1 sshd[9]: second']);
    expect(lines).toHaveLength(2); // the overlong one is skipped, not cut
    expect(positions.map((p) => p.cursor)).toContain(cursor(5));
    expect(source.stats).toMatchObject({ entries: 4, lines: 2, skipped: 1, invalid: 1, truncated: 1 });
  });
});
