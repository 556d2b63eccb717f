import { appendFileSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openEngineStack, type EngineStack } from '../../src/commands/engine-stack.js';
import { overlayFile } from '../../src/config/index.js';
import { ControlClient, ControlServer } from '../../src/control/index.js';
import type { LogEntry } from '../../src/engine/engine-log.js';
import { makeTempDir, type TempDir } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait.js';
import { dryRunBans, safePaths, safeSections } from '../helpers/safe-config.js';

// The `settings` command with the network-ban keys, over the daemon's control socket: real SQLite
// and the dry-run firewall in a temp folder.

let tmp: TempDir;
let configFile: string;
let authLog: string;
let stack: EngineStack | null = null;
let server: ControlServer | null = null;
let client: ControlClient | null = null;
/** The engine log lines heard over the socket. */
let heard: LogEntry[] = [];

const failure = (ip: string, port: number) =>
  `${new Date(Date.now() - 30_000).toISOString()} web1 sshd[${port}]: Failed password for root from ${ip} port ${port} ssh2\n`;

beforeEach(async () => {
  tmp = makeTempDir('portcullis-settings-net-');
  authLog = tmp.write('auth.log', '');
  configFile = tmp.write('config.toml', ['[settings]', 'maxretry = 2', safeSections(tmp.dir), '[jails.sshd]', 'logpath = ["auth.log"]', 'start_at = "beginning"', ''].join('\n'));
  heard = [];
  stack = await openEngineStack(configFile, { onEvent: ({ event, data }) => server?.broadcast(event, data) });
  server = new ControlServer(path.join(tmp.dir, 'run', 'test.sock'), stack.handlers);
  await server.start();
  client = await ControlClient.connect(server.socketPath);
  await client.subscribe((event, data) => event === 'log' && heard.push(data as LogEntry), ['log']);
  await stack.start();
});
afterEach(async () => {
  await client?.close();
  await server?.stop();
  await stack?.stop();
  client = null;
  server = null;
  stack = null;
  tmp.remove();
});

describe('settings: network-ban keys', () => {
  it('takes the ban prefixes and [settings.subnets] in one patch, writes them to the overlay and bans by them', async () => {
    const settings = await client!.request({
      command: 'settings',
      patch: { ipv6_prefix: 64, subnets: { enabled: true, ipv4_prefix: 20, threshold: 3, window: '30m', bantime: 'permanent' } },
    });
    expect(settings).toMatchObject({ ipv4_prefix: 32, ipv6_prefix: 64, subnets: { enabled: true, ipv4_prefix: 20, ipv6_prefix: 48, threshold: 3, window: 1800, bantime: -1 } });
    expect(stack!.engine.config.settings.subnets).toEqual({ enabled: true, ipv4_prefix: 20, ipv6_prefix: 48, threshold: 3, window: 1800, bantime: -1 });
    const overlay = readFileSync(overlayFile(configFile), 'utf8');
    expect(overlay).toMatch(/ipv6_prefix = 64/);
    expect(overlay).toMatch(/\[settings\.subnets\]/);
    expect(overlay).toMatch(/bantime = "permanent"/);
    await waitFor(() => heard.some((e) => e.message.startsWith('Settings changed at run time: ipv6_prefix = 64, subnets.enabled = true')), 'the engine log line');

    // The jail now counts IPv6 failures per /64: two addresses of one /64 make one ban of it.
    appendFileSync(authLog, failure('2001:db8:7:1::a', 1) + failure('2001:db8:7:1::b', 2));
    await waitFor(() => dryRunBans(safePaths(tmp.dir).stateDir).includes('2001:db8:7:1::/64'), 'the /64 ban', 15_000);
  });

  it('refuses a subnet no wider than the bans, naming the key, and keeps the overlay as it was', async () => {
    await client!.request({ command: 'settings', patch: { subnets: { enabled: true } } });
    const overlay = readFileSync(overlayFile(configFile), 'utf8');
    await expect(client!.request({ command: 'settings', patch: { ipv4_prefix: 24 } })).rejects.toThrow(
      /settings\.subnets\.ipv4_prefix: must be shorter than \[settings\] ipv4_prefix \(24\): a \/24 subnet would hold one ban at most/,
    );
    await expect(client!.request({ command: 'settings', patch: { subnets: { threshold: 1 } } })).rejects.toThrow('"patch.subnets.threshold" must be an integer >= 2, got 1');
    expect(readFileSync(overlayFile(configFile), 'utf8')).toBe(overlay);
    expect(stack!.engine.config.settings.ipv4_prefix).toBe(32);
  });
});
