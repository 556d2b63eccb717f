import { describe, expect, it } from 'vitest';
import { LineSplitter } from '../../src/control/line-splitter.js';
import { COMMAND_NAMES, connectError, ControlConnectError, isRequestError, parseRequest, parseServerMessage, type CommandHandlers } from '../../src/control/index.js';
import { fakeHandlers } from './helpers.js';

function errorOf(line: string): string {
  const parsed = parseRequest(line);
  if (!isRequestError(parsed)) throw new Error(`expected an error for ${line}`);
  return parsed.error;
}

describe('parseRequest', () => {
  it('accepts every command in its documented shape', () => {
    const good = [
      { id: 1, command: 'status' },
      { id: 2, command: 'bans' },
      { id: 2, command: 'ban-columns' },
      { id: 2, command: 'status', bannedIps: false },
      { id: 3, command: 'ban', ip: '192.0.2.7', seconds: 600, jail: 'sshd' },
      { id: 4, command: 'ban', ip: '2001:db8::/48', seconds: -1 },
      { id: 5, command: 'unban', ip: '192.0.2.7' },
      { id: 6, command: 'unban', all: true },
      { id: 7, command: 'trust', action: 'add', range: '198.51.100.0/24', note: 'office' },
      { id: 8, command: 'trust', action: 'list' },
      { id: 9, command: 'jails' },
      { id: 10, command: 'jail', name: 'sshd', enabled: false },
      { id: 11, command: 'reload' },
      { id: 12, command: 'logs', follow: true, limit: 50 },
      { id: 13, command: 'firewall', action: 'apply', force: true },
      { id: 14, command: 'subscribe', events: ['ban', 'unban'] },
      { id: 15, command: 'unsubscribe' },
      { id: 16, command: 'activity' },
      { id: 17, command: 'config' },
      { id: 18, command: 'settings', patch: { enabled: false, bantime: '1h', findtime: 600, maxretry: 3, escalation: { enabled: true, factor: 2, scope: 'jail' } } },
      { id: 18, command: 'settings', patch: { ipv4_prefix: 32, ipv6_prefix: 64, subnets: { enabled: true, ipv4_prefix: 24, ipv6_prefix: 48, threshold: 3, window: '30m', bantime: 'permanent' } } },
      { id: 19, command: 'jail-add', name: 'web', filter: 'nginx-http-auth', logpath: ['/var/log/nginx/error.log'], maxretry: 4, bantime: 'permanent', actions: ['firewall'], enabled: true },
      { id: 20, command: 'jail-remove', name: 'web' },
      { id: 21, command: 'filter-test', filter: 'sshd', lines: ['a line'] },
      { id: 22, command: 'filter-test', jail: 'sshd', tail: 50 },
      { id: 23, command: 'filter-test', text: '[Definition]\nfailregex = ^x <HOST>$\n', jail: 'sshd' },
      { id: 24, command: 'filter-save', name: 'my-app', text: '[Definition]\nfailregex = ^x <HOST>$\n' },
      { id: 25, command: 'filter-show', name: 'sshd' },
      { id: 26, command: 'firewall', action: 'draft', rules: [{ name: 'ssh', action: 'allow', protocol: 'tcp', ports: [22, '8000-8100'], sources: ['10.0.0.0/8'] }], default_policy: 'drop' },
      { id: 27, command: 'why', ip: '192.0.2.7' },
      { id: 28, command: 'read-only' },
      { id: 29, command: 'filter-list' },
      { id: 30, command: 'jail-add', name: 'mail', filter: '/etc/fail2ban/filter.d/postfix.conf', logpath: ['/var/log/mail.log'] },
      { id: 31, command: 'blocklists' },
      { id: 32, command: 'blocklist-update', name: 'spamhaus-drop' },
      { id: 33, command: 'blocklist-update' },
    ];
    expect(new Set(good.map((r) => r.command))).toEqual(new Set(COMMAND_NAMES));
    for (const request of good) expect(parseRequest(JSON.stringify(request))).toEqual(request);
  });

  it('names the field at fault and keeps the id so the answer finds its caller', () => {
    expect(parseRequest('{"id":3,"command":"ban","ip":"192.0.2.7","seconds":1.5}')).toEqual({
      id: 3,
      error: 'ban: "seconds" must be a whole number of seconds >= 1, or -1 (permanent), got 1.5',
    });
    expect(errorOf('{"id":1,"command":"ban"}')).toBe('ban: "ip" is missing');
    expect(errorOf('{"id":1,"command":"ban","ip":"not-an-ip"}')).toBe('ban: "ip" must be an IP address or CIDR range, got "not-an-ip"');
    expect(errorOf('{"id":1,"command":"ban","ip":"192.0.2.7","secs":60}')).toBe('ban: unknown field "secs"');
    expect(errorOf('{"id":1,"command":"ban","ip":"192.0.2.7","jail":"a b"}')).toMatch(/^ban: "jail" must be a jail name/);
    expect(errorOf('{"id":1,"command":"unban"}')).toBe('unban: needs "ip" or "all": true');
    expect(errorOf('{"id":1,"command":"unban","ip":"192.0.2.7","all":true}')).toBe('unban: give either "ip" or "all", not both');
    expect(errorOf('{"id":1,"command":"trust","action":"add"}')).toBe('trust: "range" is missing (needed by "trust add")');
    expect(errorOf('{"id":1,"command":"trust","action":"drop","range":"10.0.0.1"}')).toBe('trust: "action" must be one of add, rm, list, got "drop"');
    expect(errorOf('{"id":1,"command":"jail","name":"sshd","enabled":"yes"}')).toBe('jail: "enabled" must be true or false, got "yes"');
    expect(errorOf('{"id":1,"command":"logs","limit":0}')).toBe('logs: "limit" must be a whole number >= 1, got 0');
    expect(errorOf('{"id":1,"command":"firewall","action":"nuke"}')).toMatch(/^firewall: "action" must be one of show, apply, confirm, rollback/);
    expect(errorOf('{"id":1,"command":"subscribe","events":["ban",7]}')).toBe('subscribe: "events[1]" must be an event name, got 7');
    expect(errorOf('{"id":1,"command":"blocklist-update","name":"Drop List"}')).toMatch(/^blocklist-update: "name" must be a blocklist name \(1-16 of a-z/);
    expect(errorOf('{"id":1,"command":"blocklists","name":"drop"}')).toBe('blocklists: unknown field "name"');
  });

  it('checks the console\'s commands field by field', () => {
    const error = (request: object) => errorOf(JSON.stringify({ id: 1, ...request }));
    expect(error({ command: 'settings', patch: { maxretry: 0 } })).toBe('settings: "patch.maxretry" must be an integer >= 1, got 0');
    expect(error({ command: 'settings', patch: { bantime: '10x' } })).toMatch(/^settings: "patch.bantime" must be a duration \(600, "10m", .* or "permanent"\), got "10x"$/);
    expect(error({ command: 'settings', patch: { findtime: -1 } })).toMatch(/^settings: "patch.findtime" must be a duration/);
    expect(error({ command: 'settings', patch: { escalation: { factr: 2 } } })).toBe('settings: unknown field "patch.escalation.factr"');
    expect(error({ command: 'settings', patch: { escalation: { scope: 'world' } } })).toBe('settings: "patch.escalation.scope" must be "jail" or "all", got "world"');
    expect(error({ command: 'settings', patch: {} })).toBe('settings: "patch" changes nothing: give at least one setting');
    expect(error({ command: 'settings' })).toBe('settings: "patch" is missing');
    // The network-ban keys, with the config file's limits.
    expect(error({ command: 'settings', patch: { ipv4_prefix: 33 } })).toBe('settings: "patch.ipv4_prefix" must be a whole number from 1 to 32 (IPv4 prefix length), got 33');
    expect(error({ command: 'settings', patch: { ipv6_prefix: 64.5 } })).toBe('settings: "patch.ipv6_prefix" must be a whole number from 1 to 128 (IPv6 prefix length), got 64.5');
    expect(error({ command: 'settings', patch: { subnets: { ipv4_prefix: 32 } } })).toBe('settings: "patch.subnets.ipv4_prefix" must be a whole number from 1 to 31 (IPv4 subnet prefix length), got 32');
    expect(error({ command: 'settings', patch: { subnets: { ipv6_prefix: 0 } } })).toBe('settings: "patch.subnets.ipv6_prefix" must be a whole number from 1 to 127 (IPv6 subnet prefix length), got 0');
    expect(error({ command: 'settings', patch: { subnets: { threshold: 1 } } })).toBe('settings: "patch.subnets.threshold" must be an integer >= 2, got 1');
    expect(error({ command: 'settings', patch: { subnets: { window: 'permanent' } } })).toMatch(/^settings: "patch.subnets.window" must be a duration \(600, "10m", "1h", "1d" or "1w"\), got "permanent"$/);
    expect(error({ command: 'settings', patch: { subnets: { bantime: '1x' } } })).toMatch(/^settings: "patch.subnets.bantime" must be a duration .* or "permanent"\), got "1x"$/);
    expect(error({ command: 'settings', patch: { subnets: { enabled: 'yes' } } })).toBe('settings: "patch.subnets.enabled" must be true or false, got "yes"');
    expect(error({ command: 'settings', patch: { subnets: { treshold: 3 } } })).toBe('settings: unknown field "patch.subnets.treshold"');
    expect(error({ command: 'jail-add', name: 'web', filter: 'x', logpath: [] })).toBe('jail-add: "logpath" must be a list of at least one log file, got []');
    expect(error({ command: 'jail-add', name: 'web', filter: '../etc/passwd', logpath: ['/l'] })).toMatch(/^jail-add: "filter" must be a filter name/);
    expect(error({ command: 'jail-add', name: 'web', filter: 'sshd.conf', logpath: ['/l'] })).toMatch(/^jail-add: "filter" must be a filter name, or the absolute path of a \.conf or \.local filter file, got "sshd\.conf"/);
    expect(error({ command: 'jail-add', name: 'web', filter: 'sshd', logpath: ['/l'], actions: ['mail'] })).toBe('jail-add: "actions[0]" must be one of firewall, email, got "mail"');
    expect(error({ command: 'filter-test', filter: 'sshd', text: 'x', lines: [] })).toBe('filter-test: give either "filter" or "text", not both');
    expect(error({ command: 'filter-test', lines: ['x'] })).toBe('filter-test: needs "filter", "text" or "jail"');
    expect(error({ command: 'filter-test', filter: 'sshd' })).toBe('filter-test: needs "lines", or "jail" to read the end of its log');
    expect(error({ command: 'filter-test', jail: 'sshd', tail: 5001 })).toBe('filter-test: "tail" must be a whole number 1-5000, got 5001');
    expect(error({ command: 'filter-test', filter: 'sshd', lines: ['x'], tail: 5 })).toBe('filter-test: "tail" is only used when reading a jail\'s log, not with "lines"');
    expect(error({ command: 'filter-save', name: 'a/b', text: '' })).toMatch(/^filter-save: "name" must be a filter name/);
    expect(error({ command: 'firewall', action: 'apply', rules: [] })).toBe('firewall: "rules" is only used by "firewall draft", not "firewall apply"');
    expect(error({ command: 'firewall', action: 'draft' })).toBe('firewall: "draft" needs "rules", "default_policy" or both');
    expect(error({ command: 'firewall', action: 'draft', default_policy: 'reject' })).toBe('firewall: "default_policy" must be "accept" or "drop", got "reject"');
    expect(error({ command: 'firewall', action: 'draft', rules: [{ name: 'x', action: 'allow', port: 22 }] })).toBe('firewall: unknown field "rules[0].port"');
    expect(error({ command: 'why', ip: 'nobody' })).toBe('why: "ip" must be an IP address or CIDR range, got "nobody"');
  });

  it('refuses unknown commands, bad ids and what is not a JSON object', () => {
    expect(parseRequest('{"id":4,"command":"shutdown"}')).toEqual({ id: 4, error: expect.stringMatching(/^unknown command "shutdown" \(known: status, bans, /) });
    expect(parseRequest('{"id":4}')).toEqual({ id: 4, error: '"command" is missing' });
    expect(parseRequest('{"command":"status"}')).toEqual({ id: null, error: '"id" is missing' });
    expect(parseRequest('{"id":-1,"command":"status"}')).toEqual({ id: null, error: '"id" must be a whole number >= 0, got -1' });
    expect(parseRequest('[1,2]')).toEqual({ id: null, error: 'a request must be a JSON object, got [1,2]' });
    expect(errorOf('{"id":1,')).toMatch(/^invalid JSON: /);
  });
});

describe('parseServerMessage', () => {
  it('tells answers, errors and events apart', () => {
    expect(parseServerMessage('{"id":1,"ok":true,"result":[1]}')).toEqual({ id: 1, ok: true, result: [1] });
    expect(parseServerMessage('{"id":null,"ok":false,"error":"x"}')).toEqual({ id: null, ok: false, error: 'x' });
    expect(parseServerMessage('{"event":"ban","data":{"ip":"192.0.2.7"}}')).toEqual({ event: 'ban', data: { ip: '192.0.2.7' } });
    expect(parseServerMessage('{"id":1}')).toHaveProperty('error');
    expect(parseServerMessage('nope')).toHaveProperty('error');
  });
});

describe('LineSplitter', () => {
  it('joins lines across chunks, multi-byte characters included', () => {
    const splitter = new LineSplitter(100);
    const bytes = Buffer.from('{"a":"é"}\n{"b":1}\r\n{"c"');
    const cut = bytes.indexOf(0xc3) + 1; // inside the two bytes of "é"
    expect(splitter.push(bytes.subarray(0, cut)).lines).toEqual([]);
    expect(splitter.push(bytes.subarray(cut)).lines).toEqual(['{"a":"é"}', '{"b":1}']);
    expect(splitter.push(Buffer.from(':2}\n')).lines).toEqual(['{"c":2}']);
  });

  it('gives up on a line longer than the limit, even without a newline', () => {
    const splitter = new LineSplitter(10);
    expect(splitter.push(Buffer.from('short\n0123456789'))).toEqual({ lines: ['short'], overflow: false });
    expect(splitter.push(Buffer.from('X'))).toEqual({ lines: [], overflow: true });
    expect(splitter.push(Buffer.from('\nok\n'))).toEqual({ lines: [], overflow: true });
  });
});

describe('connectError', () => {
  const path = '/run/portcullis/portcullis.sock';
  const withCode = (code: string) => Object.assign(new Error(`connect ${code} ${path}`), { code });

  it('says what to do for the usual failures', () => {
    expect(connectError(withCode('ENOENT'), path).message).toBe(`no portcullis daemon is listening on ${path}`);
    expect(connectError(withCode('ECONNREFUSED'), path).message).toBe(`no portcullis daemon is listening on ${path}`);
    expect(connectError(withCode('EACCES'), path).message).toBe(`permission denied on ${path}: run as root or as the daemon's user`);
    expect(connectError(withCode('EPERM'), path).message).toBe(`permission denied on ${path}: run as root or as the daemon's user`);
    const other = connectError(withCode('EMFILE'), path);
    expect(other).toBeInstanceOf(ControlConnectError);
    expect(other).toMatchObject({ code: 'EMFILE', socketPath: path, message: `cannot connect to ${path}: connect EMFILE ${path}` });
  });
});

describe('CommandHandlers', () => {
  it('is a record no command can be left out of (checked by tsc)', () => {
    const { reload: _reload, ...missingReload } = fakeHandlers();
    // @ts-expect-error -- `reload` is unbound
    const incomplete: CommandHandlers = missingReload;
    // @ts-expect-error -- the server keeps subscriptions itself
    const extra: CommandHandlers = { ...fakeHandlers(), subscribe: async () => ({ subscribed: true, events: null }) };
    expect(incomplete).toBeDefined();
    expect(extra).toBeDefined();
  });
});
