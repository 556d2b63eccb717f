import { appendFileSync, readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openEngineStack, type EngineStack } from '../../src/commands/engine-stack.js';
import { MAX_LINE_LENGTH } from '../../src/engine/source/line-reader.js';
import { dryRunBans, safePaths, safeSections } from '../helpers/safe-config.js';
import { makeTempDir, type TempDir } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait.js';

// Hostile bytes in a followed log, through the real follower, the shipped sshd filter and the
// engine (SQLite in a temp folder, dry-run firewall). maxretry 1: every failure bans, so what
// is banned is exactly what was attributed.

let tmp: TempDir;
let authLog: string;
let stack: EngineStack | null = null;
const bans: string[] = [];

const stamp = (): string => new Date(Date.now() - 30_000).toISOString();
const head = (): string => `${stamp()} web1 sshd[4242]: Failed password for invalid user `;
const failure = (ip: string, user = 'root'): string => `${head()}${user} from ${ip} port 52814 ssh2\n`;
const banned = (): string[] => dryRunBans(safePaths(tmp.dir).stateDir);

beforeEach(async () => {
  tmp = makeTempDir('portcullis-hostile-');
  authLog = tmp.write('auth.log', '');
  const config = tmp.write('config.toml', [
    '[settings]', 'maxretry = 1', 'findtime = "10m"', 'bantime = "1h"',
    safeSections(tmp.dir),
    '[jails.sshd]', 'logpath = ["auth.log"]', 'start_at = "beginning"', '',
  ].join('\n'));
  bans.length = 0;
  stack = await openEngineStack(config, {
    onEvent: (message) => {
      if (message.event === 'ban') bans.push(message.data.record.ip);
    },
  });
  await stack.start();
});
afterEach(async () => {
  await stack?.stop();
  stack = null;
  tmp.remove();
});

describe('a followed log with hostile lines', () => {
  it('skips a 10 MiB line and still bans from the failure right after it', async () => {
    appendFileSync(authLog, failure('198.51.100.1'));
    await waitFor(() => bans.length === 1, 'the first ban', 10_000);
    // 10 MiB written in pieces, as a writer would, then the next failure in the same write.
    const piece = 'A'.repeat(1 << 20);
    appendFileSync(authLog, head());
    for (let i = 0; i < 10; i++) appendFileSync(authLog, piece);
    appendFileSync(authLog, ` from 198.51.100.2 port 1 ssh2\n${failure('198.51.100.3')}`);
    await waitFor(() => bans.includes('198.51.100.3'), 'the ban after the 10 MiB line', 20_000);
    expect(bans).toEqual(['198.51.100.1', '198.51.100.3']);
    expect(banned().sort()).toEqual(['198.51.100.1', '198.51.100.3']);
  }, 30_000);

  it('never bans an address the attacker placed where an overlong line is cut', async () => {
    // The user name is built so that the first MAX_LINE_LENGTH characters end exactly like a
    // real sshd line from the victim's address: a line cut there would blame the victim.
    const fake = ' from 198.51.100.66 port 1 ssh2';
    const start = head();
    const padding = 'A'.repeat(MAX_LINE_LENGTH - start.length - fake.length);
    const line = `${start}${padding}${fake}${'B'.repeat(4096)} from 203.0.113.9 port 22 ssh2\n`;
    expect(line.indexOf(fake) + fake.length).toBe(MAX_LINE_LENGTH);
    appendFileSync(authLog, line + failure('198.51.100.4'));
    await waitFor(() => bans.includes('198.51.100.4'), 'the ban after the overlong line', 10_000);
    expect(bans).not.toContain('198.51.100.66');
    expect(banned()).not.toContain('198.51.100.66');
  });

  it('keeps NUL bytes and invalid UTF-8 inside their own line: the failures around them go to the right address', async () => {
    const bytes = Buffer.concat([
      Buffer.from(failure('198.51.100.10', 'nul\0user')),
      // An incomplete 3-byte sequence right before the newline must not swallow it.
      Buffer.from(head()), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from(' from 198.51.100.11 port 1 ssh2'), Buffer.from([0xe2, 0x82]), Buffer.from('\n'),
      Buffer.from(failure('198.51.100.12')),
      Buffer.from([0x00, 0x00, 0xc0, 0x80, 0x0a]), // NULs and an overlong encoding of NUL, alone on a line
      Buffer.from(failure('198.51.100.13', 'ok\x1b[2J\x1b]52;c;Y2xpcA==\x07')),
    ]);
    appendFileSync(authLog, bytes);
    await waitFor(() => bans.includes('198.51.100.13'), 'the last ban', 10_000);
    // The line whose end is broken UTF-8 is not a clean sshd line: it may count or not, but no
    // other line's address is ever taken for it.
    expect(bans.filter((ip) => ip !== '198.51.100.11')).toEqual(['198.51.100.10', '198.51.100.12', '198.51.100.13']);
  });

  it('writes what it logs from such lines to the engine log file escaped, never raw', async () => {
    appendFileSync(authLog, failure('198.51.100.20', 'x\x1b]52;c;cm0gLXJmIH4=\x07\x1b[2J\u009b31m\u202eevil\r\b'));
    await waitFor(() => bans.includes('198.51.100.20'), 'the ban', 10_000);
    stack!.log.flush();
    const text = readFileSync(safePaths(tmp.dir).logFile, 'utf8');
    expect(text).toContain('198.51.100.20');
    expect(text).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f-\x9f\u202e]/);
    expect(text).toContain('\\x1b]52;c;cm0gLXJmIH4=\\x07\\x1b[2J\\u009b31m\\u202eevil\\r\\x08');
  });
});
