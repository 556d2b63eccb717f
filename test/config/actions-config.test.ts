import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/index.js';
import { catchConfigError } from './helpers.js';

const FILE = 'config.toml';
const JAIL = '[jails.web]\nlogpath = ["/var/log/web.log"]\n';

/** Problems of a config as "line key: message". */
function problems(text: string): string[] {
  return catchConfigError(() => parseConfig(text, FILE)).problems.map((p) => `${p.line ?? '?'} ${p.key}: ${p.message}`);
}

describe('[actions.NAME]', () => {
  it('reads an exec hook with defaults, and a jail may name it', () => {
    const config = parseConfig(`[actions.slack]\ntype = "exec"\nban = ["/usr/local/bin/hook", "ban", "<ip>", "<jail>"]\n${JAIL}actions = ["firewall", "slack"]\n`, FILE);
    expect(config.actions?.slack).toEqual({ type: 'exec', ban: ['/usr/local/bin/hook', 'ban', '<ip>', '<jail>'], timeout: 10, retries: 3, concurrency: 2, queue: 1000 });
    expect(config.jails.web!.actions).toEqual(['firewall', 'slack']);
  });

  it('reads a webhook with every key', () => {
    const config = parseConfig([
      '[actions.alert]', 'type = "webhook"', 'url = "https://hooks.example.test/ban"', 'headers = { Authorization = "Bearer x", "X-Team" = "ops" }',
      'events = ["ban"]', 'timeout = "3s"', 'retries = 0', 'concurrency = 4', 'queue = 50', '',
    ].join('\n'), FILE);
    expect(config.actions?.alert).toEqual({
      type: 'webhook', url: 'https://hooks.example.test/ban', headers: { Authorization: 'Bearer x', 'X-Team': 'ops' }, events: ['ban'], timeout: 3, retries: 0, concurrency: 4, queue: 50,
    });
  });

  it('names file, line and key of each mistake in a value', () => {
    const text = [
      '[actions.a]', 'type = "exec"', 'ban = ["hook", "<address>"]', // 1-3
      '[actions.b]', 'type = "webhook"', 'url = "ftp://x.test/"', 'headers = { "Bad Name" = "v" }', 'timeot = "1s"', // 4-8
      '[actions.c]', 'type = "exec"', 'retries = 11', '', // 9-11
    ].join('\n');
    expect(catchConfigError(() => parseConfig(text, FILE)).message).toContain(FILE);
    expect(problems(text).sort()).toEqual([
      '11 actions.c.retries: expected an integer 0-10, got 11',
      '3 actions.a.ban[0]: "hook" is not an absolute program path',
      '3 actions.a.ban[1]: unknown placeholder <address> (known: <ip>, <jail>, <bantime>, <failures>)',
      '6 actions.b.url: "ftp://x.test/" is not an http:// or https:// URL',
      '7 actions.b.headers."Bad Name": "Bad Name" is not a header name',
      '8 actions.b.timeot: unknown key (did you mean "timeout"?)',
    ].sort());
  });

  it('checks the keys of the type, the name and the jails that use it', () => {
    expect(problems('[actions.a]\ntype = "exec"\nban = ["/bin/true"]\nurl = "http://x.test/"\n')).toEqual(['4 actions.a.url: is for type = "webhook", not "exec"']);
    expect(problems('[actions.a]\ntype = "exec"\ntimeout = "5s"\n')).toEqual([expect.stringMatching(/^\S+ actions\.a\.ban: an exec action needs `ban`, `unban` or both$/)]);
    expect(problems('[actions.a]\ntype = "webhook"\n')).toEqual([expect.stringMatching(/^\S+ actions\.a\.url: a webhook action needs `url`$/)]);
    expect(problems('[actions.a]\ntype = "webhook"\nurl = "http://x.test/"\nheaders = { X = "a\\r\\nB: c" }\n')).toEqual(['4 actions.a.headers.X: expected a header value without line breaks']);
    expect(problems('[actions.a]\ntype = "exec"\nban = ["/bin/true"]\ntimeout = "1h"\n')).toEqual([expect.stringMatching(/^4 actions\.a\.timeout: expected at most "10m"/)]);
    expect(problems('[actions.email]\ntype = "webhook"\nurl = "http://x.test/"\n')).toEqual([expect.stringMatching(/^1 actions\.email: "email" is a built-in action; give the hook another name$/)]);
    expect(problems(`[actions.hook]\ntype = "webhook"\nurl = "http://x.test/"\n${JAIL}actions = ["firewall", "sms"]\n`)).toEqual([
      '6 jails.web.actions[1]: unknown action "sms" (known: "firewall", "email", "hook"; hooks are defined under [actions.NAME])',
    ]);
  });

  it('reads the hooks config.example.toml shows, once uncommented', () => {
    const example = readFileSync(fileURLToPath(new URL('../../config.example.toml', import.meta.url)), 'utf8').split('\n');
    const start = example.indexOf('# [actions.notify-slack]');
    const end = example.findIndex((line, i) => i > start && !line.startsWith('#'));
    const text = example.slice(start, end).filter((line) => /^# [\[a-z]/.test(line) && !/^# [a-z].*[^"\]\d}]$/.test(line)).map((line) => line.slice(2)).join('\n');
    const config = parseConfig(`${text}\n`, FILE);
    expect(Object.keys(config.actions ?? {})).toEqual(['notify-slack', 'alert']);
    expect(config.actions?.alert).toMatchObject({ type: 'webhook', headers: { Authorization: 'Bearer change-me' }, events: ['ban', 'unban'], timeout: 10 });
    expect(config.actions?.['notify-slack']).toMatchObject({ type: 'exec', retries: 3, concurrency: 2, queue: 1000 });
  });
});
