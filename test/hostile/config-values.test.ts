import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/index.js';
import { cli, ensureCliBuilt } from '../helpers/cli.js';
import { makeTempDir, type TempDir } from '../helpers/temp-dir.js';

// Every kind of wrong value, through the real loader: each must be a ConfigError whose message
// names the file, the line (where the file has one) and the key, quotes the value visibly, and
// carries no stack trace. Nothing loads by accident.

interface Case {
  name: string;
  text: string | Buffer;
  /** 1-based line the message must name. */
  line: number;
  /** Key path the message must name; null for a TOML syntax error (no key yet). */
  key: string | null;
  /** What the message must say about it. */
  says: RegExp;
}

const JAIL = '[jails.web]\nlogpath = ["/var/log/web.log"]\n';

const CASES: Case[] = [
  { name: 'string for an integer', text: '[settings]\nmaxretry = "five"\n', line: 2, key: 'settings.maxretry', says: /expected an integer >= 1, got "five"/ },
  { name: 'fraction for an integer', text: '[settings]\nmaxretry = 2.5\n', line: 2, key: 'settings.maxretry', says: /integer/ },
  { name: 'zero maxretry', text: '[settings]\n\nmaxretry = 0\n', line: 3, key: 'settings.maxretry', says: />= 1, got 0/ },
  { name: 'boolean for a duration', text: '[settings]\nbantime = true\n', line: 2, key: 'settings.bantime', says: /bad duration true/ },
  { name: 'negative duration', text: '[settings]\nfindtime = -5\n', line: 2, key: 'settings.findtime', says: /bad duration -5/ },
  { name: 'zero duration', text: '[settings]\nfindtime = 0\n', line: 2, key: 'settings.findtime', says: /bad duration 0/ },
  { name: 'NaN duration', text: '[settings]\nfindtime = nan\n', line: 2, key: 'settings.findtime', says: /bad duration NaN/ },
  { name: 'infinite duration', text: '[settings]\nbantime = inf\n', line: 2, key: 'settings.bantime', says: /bad duration Infinity/ },
  { name: 'negative duration string', text: '[settings]\nbantime = "-10m"\n', line: 2, key: 'settings.bantime', says: /bad duration "-10m"/ },
  { name: 'duration past what a date holds', text: '[settings]\nbantime = "9999999999w"\n', line: 2, key: 'settings.bantime', says: /longer than 100 years \(use "permanent"/ },
  { name: 'largest safe integer as a duration', text: `[jails.web]\nlogpath = ["/l"]\nfindtime = ${Number.MAX_SAFE_INTEGER}\n`, line: 3, key: 'jails.web.findtime', says: /longer than 100 years/ },
  { name: 'integer TOML cannot hold', text: '[settings]\nmaxretry = 99999999999999999999\n', line: 2, key: null, says: /TOML syntax error: integer value cannot be represented/ },
  { name: 'date for a duration', text: '[settings]\nbantime = 1979-05-27\n', line: 2, key: 'settings.bantime', says: /bad duration the date 1979-05-27/ },
  { name: 'CIDR prefix too long', text: '[trusted]\nranges = ["10.0.0.0/33"]\n', line: 2, key: 'trusted.ranges[0]', says: /"10.0.0.0\/33" is not an IP address or CIDR/ },
  { name: 'IPv6 prefix too long', text: '[trusted]\nranges = [\n  "::1",\n  "2001:db8::/129",\n]\n', line: 4, key: 'trusted.ranges[1]', says: /is not an IP address or CIDR/ },
  { name: 'three-part address', text: '[trusted]\nranges = ["1.2.3"]\n', line: 2, key: 'trusted.ranges[0]', says: /"1.2.3" is not/ },
  { name: 'escape sequence as an address', text: '[trusted]\nranges = ["\\u001b]52;c;eA==\\u0007\\u009b2J"]\n', line: 2, key: 'trusted.ranges[0]', says: /"\\u001b\]52;c;eA==\\u0007\\u009b2J" is not/ },
  { name: 'unknown key', text: '[settings]\nmaxretri = 3\n', line: 2, key: 'settings.maxretri', says: /unknown key \(did you mean "maxretry"\?\)/ },
  { name: 'unknown table', text: '[setings]\nmaxretry = 3\n', line: 1, key: 'setings', says: /unknown key/ },
  { name: 'filter as a path out of filter.d', text: `${JAIL}filter = "../../etc/passwd"\n`, line: 3, key: 'jails.web.filter', says: /expected a filter name .*absolute path of a \.conf or \.local filter file, got "\.\.\/\.\.\/etc\/passwd"/ },
  { name: 'filter as an absolute path to no filter file', text: `${JAIL}filter = "/etc/shadow"\n`, line: 3, key: 'jails.web.filter', says: /absolute path of a \.conf or \.local filter file, got "\/etc\/shadow"/ },
  { name: 'filter option with a bad name', text: `${JAIL}filter_options = { "mo de" = "x" }\n`, line: 3, key: 'jails.web.filter_options."mo de"', says: /filter option names use letters/ },
  { name: 'filter option that is not a string', text: `${JAIL}filter_options = { mode = 2 }\n`, line: 3, key: 'jails.web.filter_options.mode', says: /expected a string/ },
  { name: 'jail name as a path', text: '[jails."../x"]\nlogpath = ["/l"]\n', line: 1, key: 'jails."../x"', says: /jail names may only use/ },
  { name: 'NUL in a log path', text: '[jails.web]\nlogpath = ["/var/log/a\\u0000b"]\n', line: 2, key: 'jails.web.logpath[0]', says: /without control characters, got "\/var\/log\/a\\u0000b"/ },
  { name: 'table where a value goes', text: '[settings.maxretry]\nx = 1\n', line: 1, key: 'settings.maxretry', says: /expected an integer/ },
  { name: 'value where a table goes', text: 'jails = 3\n', line: 1, key: 'jails', says: /expected a table of jails, got 3/ },
  { name: 'unknown action', text: `${JAIL}actions = ["firewall", "shell"]\n`, line: 3, key: 'jails.web.actions[1]', says: /unknown action "shell"/ },
  { name: 'port out of range', text: '[[firewall.rules]]\nname = "a"\naction = "allow"\nports = [70000]\n', line: 4, key: 'firewall.rules[0].ports[0]', says: /70000 is not a port/ },
  { name: 'duplicate key', text: '[settings]\nmaxretry = 3\nmaxretry = 4\n', line: 3, key: null, says: /TOML syntax error: .*redefine/ },
  { name: 'duplicate table', text: '[settings]\nmaxretry = 3\n\n[settings]\nbantime = 60\n', line: 4, key: null, says: /TOML syntax error: .*redefine/ },
  { name: 'unclosed table header', text: '[settings]\nmaxretry = 3\n[jails.sshd\n', line: 3, key: null, says: /TOML syntax error/ },
  { name: 'unclosed string', text: '[settings]\nbantime = "10m\n', line: 2, key: null, says: /TOML syntax error/ },
  { name: 'prototype key', text: '[settings]\n__proto__ = 1\n', line: 2, key: null, says: /TOML syntax error: .*unsafe/ },
  { name: 'NUL byte in the file', text: '[settings]\nmaxretry = 3\0\n', line: 2, key: null, says: /TOML syntax error/ },
  { name: 'raw ESC in a key', text: '[settings]\n"a\x1b[2Jb" = 3\n', line: 2, key: null, says: /TOML syntax error: control characters/ },
  { name: 'deeply nested arrays', text: `x = ${'['.repeat(5000)}${']'.repeat(5000)}\n`, line: 1, key: null, says: /TOML syntax error: .*nested/ },
  {
    name: 'invalid UTF-8',
    text: Buffer.concat([Buffer.from('[settings]\nmaxretry = 3\n[jails.web]\nlogpath = ["/var/log/'), Buffer.from([0xff, 0xfe]), Buffer.from('.log"]\n')]),
    line: 4, key: null, says: /not UTF-8: byte 0xff/,
  },
  {
    name: 'Latin-1 text (not UTF-8)',
    text: Buffer.from('# configuration de la m\xe9thode\n[settings]\nmaxretry = 3\n', 'latin1'),
    line: 1, key: null, says: /not UTF-8: byte 0xe9/,
  },
];

let tmp: TempDir;
beforeAll(() => {
  tmp = makeTempDir('portcullis-bad-config-');
});
afterAll(() => tmp.remove());

function loadError(name: string, text: string | Buffer): { file: string; error: unknown } {
  const file = tmp.write(`${name.replace(/\W+/g, '-')}.toml`, text);
  try {
    loadConfig(file);
  } catch (error) {
    return { file, error };
  }
  return { file, error: null };
}

describe('wrong config values', () => {
  it.each(CASES)('$name: a clear error naming file, line and key', ({ name, text, line, key, says }) => {
    const { file, error } = loadError(name, text);
    expect(error, 'the config must not load').toBeInstanceOf(ConfigError);
    const message = (error as ConfigError).message;
    const first = message.split('\n')[0]!;
    expect(first.startsWith(`${file}:${line}: ${key === null ? '' : `${key}: `}`), first).toBe(true);
    expect(first).toMatch(says);
    expect(error).toMatchObject({ file, line, ...(key === null ? {} : { key }) });
    expect(message).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f-\x9f]/);
    expect(message).not.toMatch(/\n\s+at /);
  });

  it('refuses a config that is not a regular file, or is huge, without reading it', () => {
    const big = tmp.write('big.toml', Buffer.alloc(5 << 20, 0x23));
    expect(() => loadConfig(big)).toThrow(/too large for a configuration file/);
    expect(() => loadConfig('/dev/zero')).toThrow(/\/dev\/zero: cannot read: not a regular file/);
    expect(() => loadConfig(tmp.dir)).toThrow(ConfigError);
  });

  it('lists every problem of a file in one pass, top to bottom', () => {
    const { error } = loadError('many', '[settings]\nmaxretry = -1\nbantime = "soon"\n[trusted]\nranges = ["300.1.1.1"]\n');
    expect((error as ConfigError).problems.map((p) => [p.line, p.key])).toEqual([[2, 'settings.maxretry'], [3, 'settings.bantime'], [5, 'trusted.ranges[0]']]);
  });
});

describe('wrong config values on the command line', () => {
  beforeAll(async () => {
    await ensureCliBuilt();
  }, 180_000);

  it.each([
    ['filter as a path out of filter.d'], ['invalid UTF-8'], ['duration past what a date holds'], ['escape sequence as an address'], ['unclosed table header'],
  ])('%s: one line on stderr, exit 1, no stack trace', async (name) => {
    const { text } = CASES.find((c) => c.name === name)!;
    const file = tmp.write(`cli-${name.replace(/\W+/g, '-')}.toml`, text);
    const result = await cli('bans', '--config', file);
    expect(result.code).toBe(1);
    expect(result.stderr.startsWith(`portcullis: ${file}:`)).toBe(true);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(result.stderr).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f-\x9f]/);
    expect(result.stdout).toBe('');
  }, 60_000);
});
