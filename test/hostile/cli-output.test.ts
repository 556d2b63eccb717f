import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatBans } from '../../src/commands/ban-format.js';
import { displayWidth } from '../../src/domain/index.js';
import type { BanRecord } from '../../src/engine/types.js';
import { cli, ensureCliBuilt } from '../helpers/cli.js';
import { makeTempDir, type TempDir } from '../helpers/temp-dir.js';

const RAW = /[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e]/;

describe('portcullis regex output with hostile user names', () => {
  let tmp: TempDir;
  beforeAll(async () => {
    await ensureCliBuilt();
    tmp = makeTempDir('portcullis-hostile-cli-');
  }, 180_000);
  afterAll(() => tmp?.remove());

  it('shows escape sequences, C1 and bidi controls in a user name as escapes, never raw', async () => {
    const user = 'x\x1b]52;c;cm0gLXJmIH4=\x07\x1b[2J\u009b31m\u202eevil\b管理员';
    const log = tmp.write('auth.log', `Nov 24 08:12:03 gate sshd[4101]: Failed password for invalid user ${user} from 198.51.100.7 port 52814 ssh2\n`);
    const result = await cli('regex', '--verbose', log, 'sshd');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('198.51.100.7');
    expect(result.stdout).not.toMatch(RAW);
    expect(result.stdout).toContain('\\x1b]52;c;cm0gLXJmIH4=\\x07\\x1b[2J\\u009b31m\\u202eevil\\x08管理员');
  }, 60_000);
});

describe('bans table', () => {
  const ban = (ip: string, jail: string, expiresAt: number | null): BanRecord => ({ ip, jail, bannedAt: Date.UTC(2026, 0, 1), expiresAt, count: 1, reason: [] });

  it('pads columns by display width and escapes what it shows', () => {
    const text = formatBans([ban('198.51.100.1', 'sshd', null), ban('198.51.100.2', '网站登录', null), ban('198.51.100.3', 'x\x1b[2J', null)], false);
    const rows = text.trimEnd().split('\n');
    expect(text).not.toMatch(RAW);
    // The time column starts at the same terminal column on every row.
    const column = rows.map((row) => displayWidth(row.slice(0, row.indexOf('2026-'))));
    expect(new Set(column).size).toBe(1);
  });

  it('lists a ban whose end is past what a Date holds instead of throwing', () => {
    expect(() => formatBans([ban('198.51.100.4', 'manual', 8.64e15 + 1)], true)).not.toThrow();
    expect(formatBans([ban('198.51.100.4', 'manual', 8.64e15 + 1)], true)).toContain('"expiresAt":"8640000000000001"');
  });
});
