import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openEngineStack, type EngineStack } from '../../src/commands/engine-stack.js';
import { overlayFile, userFilterDir } from '../../src/config/index.js';
import { ControlClient, ControlServer, InProcessControl } from '../../src/control/index.js';
import type { LogEntry } from '../../src/engine/engine-log.js';
import { SHIPPED_FILTER_DIR } from '../../src/engine/filter/index.js';
import { makeTempDir, type TempDir } from '../helpers/temp-dir.js';
import { sleep, waitFor } from '../helpers/wait.js';
import { dryRunBans, safePaths, safeSections } from '../helpers/safe-config.js';

// The engine as the console runs it in-process: real SQLite in a temp folder, the dry-run
// firewall with its state file there too, InProcessControl over the stack's handlers.

let tmp: TempDir;
let configFile: string;
let authLog: string;
let stack: EngineStack | null = null;
let control: InProcessControl;
let events: Array<{ event: string; data: unknown }>;

const failure = (ip: string, port: number) =>
  `${new Date(Date.now() - 30_000).toISOString()} web1 sshd[${port}]: Failed password for root from ${ip} port ${port} ssh2\n`;
const firewallBans = (): string[] => dryRunBans(safePaths(tmp.dir).stateDir);
const eventsOf = (name: string) => events.filter((e) => e.event === name).map((e) => e.data);

function configText(extra = ''): string {
  return [
    '[settings]', 'maxretry = 2', 'findtime = "10m"', 'bantime = "1h"',
    safeSections(tmp.dir, ['confirm_timeout = 1']),
    '[jails.sshd]', 'logpath = ["auth.log"]', 'start_at = "beginning"', 'ignoreregex = ["for monitor from"]',
    extra, '',
  ].join('\n');
}

async function open(): Promise<void> {
  events = [];
  const opened = await openEngineStack(configFile, { onEvent: ({ event, data }) => control.broadcast(event, data) });
  stack = opened;
  control = new InProcessControl(opened.handlers);
  await control.subscribe((event, data) => events.push({ event, data }));
  await opened.start();
}

beforeEach(async () => {
  tmp = makeTempDir('portcullis-stack-');
  authLog = tmp.write('auth.log', '');
  configFile = tmp.write('config.toml', configText());
  await open();
});
afterEach(async () => {
  await stack?.stop();
  stack = null;
  tmp.remove();
});

describe('openEngineStack with InProcessControl', () => {
  it('bans from the log and reports it as the daemon does: events, status, activity, why', async () => {
    appendFileSync(authLog, failure('198.18.90.1', 1) + failure('198.18.90.1', 2));
    await waitFor(() => eventsOf('ban').length === 1, 'the ban', 10_000);
    expect(eventsOf('failure')).toHaveLength(2);
    expect(eventsOf('ban')[0]).toMatchObject({ type: 'ban', record: { ip: '198.18.90.1', jail: 'sshd' } });
    const logs = eventsOf('log') as LogEntry[];
    expect(logs.some((e) => e.level === 'NOTICE' && e.message.startsWith('Ban 198.18.90.1'))).toBe(true);

    const status = await control.request({ command: 'status' });
    expect(status).toMatchObject({ backend: 'dry-run', banned: 1, failuresLastHour: 2, detection: true, jailsRunning: 1, configPath: configFile });
    const activity = await control.request({ command: 'activity' });
    expect(activity.minutes).toHaveLength(60);
    expect(activity.minutes.reduce((n, m) => n + m.failures, 0)).toBe(2);
    expect(activity.minutes[59]!.start).toBe(Math.floor(Date.now() / 60_000) * 60_000);
    expect(activity.topIps).toEqual([{ ip: '198.18.90.1', failures: 2, bans: 1 }]);
    expect(activity.topJails).toEqual([{ jail: 'sshd', failures: 2, bans: 1 }]);

    const why = await control.request({ command: 'why', ip: '198.18.90.1' });
    expect(why).toMatchObject({ ip: '198.18.90.1', banned: true, record: { jail: 'sshd', count: 1 } });
    expect(why.record!.reason).toHaveLength(2);
    expect(why.record!.reason[0]).toContain('Failed password for root from 198.18.90.1');
    expect(why.history).toHaveLength(1);
    expect(await control.request({ command: 'why', ip: '198.18.90.2' })).toEqual({ ip: '198.18.90.2', banned: false, history: [] });
  });

  it('reports the configuration, where each jail comes from, and the filters', async () => {
    tmp.write('filter.d/my-app.conf', '[Definition]\nfailregex = ^bad login from <HOST>$\n');
    await control.request({ command: 'jail-add', name: 'app', filter: 'my-app', logpath: ['app.log'], maxretry: 7, bantime: 'permanent' });
    const config = await control.request({ command: 'config' });
    expect(config).toMatchObject({ configPath: configFile, overlayPath: overlayFile(configFile) });
    expect(config.settings).toMatchObject({ enabled: true, maxretry: 2, findtime: 600, bantime: 3600, escalation: { enabled: false } });
    expect(config.jails).toEqual([
      {
        name: 'sshd', enabled: true, filter: 'sshd', filterFile: path.join(SHIPPED_FILTER_DIR, 'sshd.conf'), logpath: [authLog], backend: 'file', maxretry: 2, findtime: 600, bantime: 3600,
        actions: ['firewall'], ignoreregex: ['for monitor from'], definedIn: 'config',
      },
      {
        name: 'app', enabled: true, filter: 'my-app', filterFile: path.join(userFilterDir(configFile), 'my-app.conf'), logpath: [path.join(tmp.dir, 'app.log')], backend: 'file', maxretry: 7, findtime: 600,
        bantime: -1, actions: ['firewall'], ignoreregex: [], definedIn: 'overlay',
      },
    ]);
    expect(config.firewall).toEqual({ backend: 'dry-run', default_policy: 'accept', confirm_timeout: 1, rules: [] });
    expect(config.filters[0]).toEqual({ name: 'my-app', path: path.join(userFilterDir(configFile), 'my-app.conf'), shipped: false });
    expect(config.filters.filter((f) => f.shipped).map((f) => f.name)).toContain('sshd');
    expect(config.filters.map((f) => f.name)).not.toContain('common');
  });

  it('changes settings in the overlay, refuses bad values, and turns detection off and on', async () => {
    const settings = await control.request({ command: 'settings', patch: { maxretry: 3, bantime: '2h', escalation: { enabled: true, factor: 3 } } });
    expect(settings).toMatchObject({ maxretry: 3, bantime: 7200, escalation: { enabled: true, factor: 3 } });
    expect(stack!.engine.config.settings.maxretry).toBe(3);
    expect(readFileSync(configFile, 'utf8')).toBe(configText());
    expect(readFileSync(overlayFile(configFile), 'utf8')).toContain('maxretry = 3');
    expect((eventsOf('log') as LogEntry[]).some((e) => e.level === 'NOTICE' && e.message.startsWith('Settings changed at run time: ') && e.message.includes('maxretry = 3'))).toBe(true);
    await expect(control.request({ command: 'settings', patch: { maxretry: 0 } })).rejects.toThrow('settings: "patch.maxretry" must be an integer >= 1, got 0');
    await expect(control.request({ command: 'settings', patch: { escalation: { maxtime: 'permanent' } } })).rejects.toThrow(/"patch.escalation.maxtime" must be a duration/);
    // A whole-config check the protocol cannot make: the overlay stays as it was.
    const overlay = readFileSync(overlayFile(configFile), 'utf8');
    await expect(control.request({ command: 'settings', patch: { escalation: { multipliers: [1, 2], enabled: 'yes' as unknown as boolean } } })).rejects.toThrow(/escalation.enabled/);
    expect(readFileSync(overlayFile(configFile), 'utf8')).toBe(overlay);

    appendFileSync(authLog, failure('198.18.91.1', 1) + failure('198.18.91.1', 2) + failure('198.18.91.1', 3));
    await waitFor(() => firewallBans().length === 1, 'the ban', 10_000);
    expect((await control.request({ command: 'settings', patch: { enabled: false } })).enabled).toBe(false);
    expect(firewallBans()).toEqual([]);
    expect(await control.request({ command: 'status' })).toMatchObject({ detection: false, jailsRunning: 0 });
    // Nothing is read while off.
    appendFileSync(authLog, failure('198.18.91.2', 4) + failure('198.18.91.2', 5) + failure('198.18.91.2', 6));
    await sleep(300);
    expect(eventsOf('failure')).toHaveLength(3);
    await control.request({ command: 'settings', patch: { enabled: true } });
    expect(firewallBans()).toEqual(['198.18.91.1']);
    expect(await control.request({ command: 'status' })).toMatchObject({ detection: true, jailsRunning: 1 });
  });

  it('adds and removes jails at run time, refusing what it cannot do', async () => {
    await expect(control.request({ command: 'jail-add', name: 'sshd', filter: 'sshd', logpath: ['x.log'] })).rejects.toThrow(`jail "sshd" exists already (in ${configFile})`);
    await expect(control.request({ command: 'jail-add', name: 'web', filter: 'no-such', logpath: ['x.log'] })).rejects.toThrow(/no-such: no filter of that name/);
    tmp.write('filter.d/broken.conf', '[Definition]\n\nfailregex = ^x (?<=y) <HOST>$\n');
    await expect(control.request({ command: 'jail-add', name: 'web', filter: 'broken', logpath: ['x.log'] })).rejects.toThrow(`${path.join(tmp.dir, 'filter.d', 'broken.conf')}:3: RE2 cannot run`);
    expect(existsSync(overlayFile(configFile))).toBe(false);

    const webLog = tmp.write('web.log', '');
    const added = await control.request({ command: 'jail-add', name: 'web', filter: 'nginx-http-auth', logpath: [webLog], findtime: '5m' });
    expect(added).toMatchObject({ name: 'web', enabled: true, filter: 'nginx-http-auth', findtime: 300, maxretry: 2, definedIn: 'overlay' });
    expect((await control.request({ command: 'status' })).jailsRunning).toBe(2);
    expect(eventsOf('config')).toContainEqual({ change: 'jail-add', name: 'web' });

    await expect(control.request({ command: 'jail-remove', name: 'sshd' })).rejects.toThrow(`jail sshd is defined in ${configFile}; disable it instead (or remove it there)`);
    await expect(control.request({ command: 'jail-remove', name: 'nope' })).rejects.toThrow('no jail named "nope"');
    expect(await control.request({ command: 'jail-remove', name: 'web' })).toEqual({ name: 'web', removed: true });
    expect(Object.keys(stack!.engine.config.jails)).toEqual(['sshd']);
    expect((await control.request({ command: 'status' })).jailsRunning).toBe(1);

    // Disabling a jail of the admin's file still works, and it stays 'config'.
    await control.request({ command: 'jail', name: 'sshd', enabled: false });
    expect((await control.request({ command: 'config' })).jails[0]).toMatchObject({ name: 'sshd', enabled: false, definedIn: 'config' });
  });

  it('tests filters on given lines, on the end of a jail\'s log, and on unsaved text', async () => {
    const at = new Date(Date.now() - 60_000).toISOString();
    const lines = [
      `${at} web1 sshd[1]: Failed password for root from 198.18.92.1 port 1 ssh2`,
      `${at} web1 sshd[2]: Accepted password for root from 198.18.92.2 port 2 ssh2`,
      `${at} web1 sshd[3]: Failed password for monitor from 198.18.92.3 port 3 ssh2`,
      'no date here at all',
    ];
    const byName = await control.request({ command: 'filter-test', filter: 'sshd', lines });
    expect(byName).toMatchObject({ filter: 'sshd', matched: 2, missed: 2 });
    expect(byName.results[0]).toMatchObject({ matched: true, ignored: false, host: '198.18.92.1', ip: '198.18.92.1', regexIndex: expect.any(Number), regex: expect.any(String) });
    // A login is a multi-line part of sshd's bookkeeping (it counts after failures as another user), never a failure alone.
    expect(byName.results[1]).toMatchObject({ line: lines[1], matched: false, why: expect.stringMatching(/multi-line part with no failure of its own/) });
    expect(byName.results[3]).toMatchObject({ matched: false, why: 'no timestamp found' });
    // The jail's own ignoreregex counts when the jail is named.
    const byJail = await control.request({ command: 'filter-test', jail: 'sshd', lines });
    expect(byJail.results[2]).toMatchObject({ matched: false, ignored: true, why: expect.stringMatching(/^ignored by ignoreregex #\d+$/) });

    appendFileSync(authLog, Array.from({ length: 300 }, (_, i) => failure(`198.18.93.${i % 200}`, i)).join(''));
    const tail = await control.request({ command: 'filter-test', jail: 'sshd', tail: 5 });
    expect(tail.results).toHaveLength(5);
    expect(tail.results[4]!.line).toContain('port 299 ');
    expect((await control.request({ command: 'filter-test', jail: 'sshd' })).results).toHaveLength(200);

    const draft = '[Definition]\nfailregex = ^\\s*web1 sshd\\[\\d+\\]: Failed \\S+ for \\S+ from <HOST>\n';
    expect(await control.request({ command: 'filter-test', text: draft, lines: lines.slice(0, 1) })).toMatchObject({ filter: 'draft', matched: 1 });
    const bad = await control.request({ command: 'filter-test', text: '[Definition]\nfailregex = ^from$\n', lines });
    expect(bad).toEqual({ filter: 'draft', error: expect.stringContaining(`${path.join(userFilterDir(configFile), 'draft.conf')}:2: failregex has no <HOST>`), results: [], matched: 0, missed: 0 });
  });

  it('saves, shows and shadows filters, reloading the jails that use them', async () => {
    await expect(control.request({ command: 'filter-save', name: 'mine', text: '[Definition]\nfailregex = ^x\n' })).rejects.toThrow(/mine\.conf:2: failregex has no <HOST>/);
    expect(existsSync(path.join(userFilterDir(configFile), 'mine.conf'))).toBe(false);
    const saved = await control.request({ command: 'filter-save', name: 'mine', text: '[Definition]\nfailregex = ^bad from <HOST>$' });
    expect(saved).toEqual({ name: 'mine', path: path.join(userFilterDir(configFile), 'mine.conf'), shadowsShipped: false, reloaded: false });
    expect(await control.request({ command: 'filter-show', name: 'mine' })).toEqual({ name: 'mine', path: saved.path, text: '[Definition]\nfailregex = ^bad from <HOST>$\n', shipped: false });

    const shipped = await control.request({ command: 'filter-show', name: 'sshd' });
    expect(shipped.shipped).toBe(true);
    expect(shipped.text).toContain('[Definition]');
    const own = '[Definition]\nfailregex = ^.*Failed \\S+ for \\S+ from <HOST>\n';
    const shadow = await control.request({ command: 'filter-save', name: 'sshd', text: own });
    expect(shadow).toMatchObject({ shadowsShipped: true, reloaded: true });
    expect(await control.request({ command: 'filter-show', name: 'sshd' })).toMatchObject({ shipped: false, text: own });
    appendFileSync(authLog, failure('198.18.94.1', 1) + failure('198.18.94.1', 2));
    await waitFor(() => eventsOf('ban').length === 1, 'a ban through the saved filter', 10_000);
    await expect(control.request({ command: 'filter-show', name: 'nothing' })).rejects.toThrow(/nothing: no filter of that name/);
  });

  it('drafts, shows, applies and confirms rules, and rolls back an apply left unconfirmed, announcing each step', async () => {
    const drafted = await control.request({
      command: 'firewall', action: 'draft', default_policy: 'drop',
      rules: [{ name: 'ssh', action: 'allow', protocol: 'tcp', ports: [22] }, { name: 'web', action: 'allow', ports: [80, '8000-8100'] }],
    });
    expect(drafted).toMatchObject({ action: 'draft', data: { defaultPolicy: 'drop', rules: [{ name: 'ssh' }, { name: 'web' }] } });
    expect(readFileSync(configFile, 'utf8')).toBe(configText());
    await expect(control.request({ command: 'firewall', action: 'draft', rules: [{ name: 'x', action: 'allow', protocol: 'icmp', ports: [1] }] }))
      .rejects.toThrow(/firewall.rules\[0\].ports: ports need protocol "tcp" or "udp"/);

    const shown = await control.request({ command: 'firewall', action: 'show' });
    expect(shown.data).toMatchObject({ backend: 'dry-run', draft: { defaultPolicy: 'drop' }, pending: null });
    const applied = await control.request({ command: 'firewall', action: 'apply', force: true });
    const deadline = (applied.data as { pending: { deadline: number } }).pending.deadline;
    expect(deadline).toBeGreaterThan(Date.now());
    expect(((await control.request({ command: 'firewall', action: 'show' })).data as { pending: { deadline: number } }).pending.deadline).toBe(deadline);
    expect(eventsOf('firewall')).toEqual([{ state: 'applied', deadline }]);
    await control.request({ command: 'firewall', action: 'confirm' });
    expect(eventsOf('firewall')).toEqual([{ state: 'applied', deadline }, { state: 'confirmed' }]);

    // Apply again and let the 1 s timeout pass: rolled back, and subscribers hear it.
    await control.request({ command: 'firewall', action: 'draft', default_policy: 'accept' });
    await control.request({ command: 'firewall', action: 'apply', force: true });
    await waitFor(() => eventsOf('firewall').length === 4, 'the rollback', 5000);
    expect(eventsOf('firewall')[3]).toEqual({ state: 'rolled-back', reason: 'timeout' });
    expect(((await control.request({ command: 'firewall', action: 'show' })).data as { pending: unknown }).pending).toBeNull();
  });

  it('checks a rule apply against the operator session it is given, never against its own environment', async () => {
    await control.request({ command: 'firewall', action: 'draft', rules: [], default_policy: 'drop' });
    const saved = process.env['SSH_CONNECTION'];
    // The environment of whoever started the engine: not the operator's, and ignored.
    process.env['SSH_CONNECTION'] = '198.51.100.200 50022 198.18.0.1 22';
    try {
      const applied = await control.request({ command: 'firewall', action: 'apply' });
      expect(applied.message).toContain('applied');
      await control.request({ command: 'firewall', action: 'rollback' });
      await stack!.stop();
      const opened = await openEngineStack(configFile, { operatorSession: { address: '198.51.100.200', port: 22 } });
      stack = opened;
      await opened.start();
      const channel = new InProcessControl(opened.handlers);
      const refused = await channel.request({ command: 'firewall', action: 'apply' });
      // A refusal is data the caller can act on, not an error text to parse.
      expect(refused.action === 'apply' && !refused.data.applied && refused.data.warnings).toEqual([
        'the default policy "drop" refuses new SSH connections from 198.51.100.200 (your session) to port 22',
      ]);
      expect(applierPending()).toBe(false);
      // A request names its caller's session, which wins over the engine's operator's.
      const other = await channel.request({ command: 'firewall', action: 'apply', session: { address: '198.18.0.9', port: 22 } });
      expect(other.action === 'apply' && !other.data.applied && other.data.warnings[0]).toContain('198.18.0.9 (your session)');
      const ban = channel.request({ command: 'ban', ip: '198.18.0.0/24', session: { address: '198.18.0.9', port: 22 } });
      await expect(ban).rejects.toThrow('not banned: 198.18.0.0/24 holds 198.18.0.9, the address of your own SSH session');
    } finally {
      if (saved === undefined) delete process.env['SSH_CONNECTION'];
      else process.env['SSH_CONNECTION'] = saved;
    }
  });

  function applierPending(): boolean {
    return existsSync(path.join(tmp.dir, 'state', 'firewall-pending.json'));
  }

  it('stops cleanly: the lock is released, unconfirmed rules are rolled back, and a new stack opens on the same state', async () => {
    await control.request({ command: 'firewall', action: 'draft', default_policy: 'drop' });
    await control.request({ command: 'firewall', action: 'apply', force: true });
    await stack!.stop();
    await stack!.stop();
    expect(existsSync(path.join(tmp.dir, 'state', 'firewall-pending.json'))).toBe(false);
    await open();
    expect((await control.request({ command: 'status' })).jailsRunning).toBe(1);
  });

  it('serves the same commands and events over the control socket', async () => {
    await stack!.stop();
    let server: ControlServer | null = null;
    const opened = await openEngineStack(configFile, { onEvent: ({ event, data }) => server?.broadcast(event, data) });
    stack = opened;
    server = new ControlServer(path.join(tmp.dir, 'run', 'test.sock'), opened.handlers);
    await server.start();
    const client = await ControlClient.connect(server.socketPath);
    try {
      const heard: Array<{ event: string; data: unknown }> = [];
      await client.subscribe((event, data) => heard.push({ event, data }), ['ban', 'log', 'firewall']);
      await opened.start();
      appendFileSync(authLog, failure('198.18.95.1', 1) + failure('198.18.95.1', 2));
      await waitFor(() => heard.some((e) => e.event === 'ban'), 'the ban over the socket', 10_000);
      expect(heard.some((e) => e.event === 'log' && typeof (e.data as LogEntry).message === 'string')).toBe(true);
      expect((await client.request({ command: 'activity' })).topIps[0]).toEqual({ ip: '198.18.95.1', failures: 2, bans: 1 });
      expect(await client.request({ command: 'why', ip: '198.18.95.1' })).toMatchObject({ banned: true, record: { jail: 'sshd' } });
      expect((await client.request({ command: 'config' })).jails.map((j) => j.name)).toEqual(['sshd']);
      await expect(client.request({ command: 'settings', patch: { maxretry: 0 } })).rejects.toThrow('"patch.maxretry" must be an integer >= 1, got 0');
      await client.request({ command: 'firewall', action: 'draft', default_policy: 'drop' });
      await client.request({ command: 'firewall', action: 'apply', force: true });
      await client.request({ command: 'firewall', action: 'rollback' });
      await waitFor(() => heard.filter((e) => e.event === 'firewall').length === 2, 'the firewall events');
      expect(heard.filter((e) => e.event === 'firewall').map((e) => (e.data as { state: string }).state)).toEqual(['applied', 'rolled-back']);
    } finally {
      await client.close();
      await server.stop();
    }
  });
});
