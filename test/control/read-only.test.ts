import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { changesState, COMMAND_NAMES, ControlClient, ControlServer, InProcessControl, parseRequest, type Request } from '../../src/control/index.js';
import { makeTempDir, type TempDir } from '../helpers/temp-dir.js';
import { fakeHandlers, LineClient } from './helpers.js';

let temp: TempDir;
let socketPath: string;
let server: ControlServer;
const clients: Array<{ close(): unknown }> = [];

beforeEach(async () => {
  temp = makeTempDir('portcullis-ro-');
  socketPath = path.join(temp.dir, 'portcullis.sock');
  server = new ControlServer(socketPath, fakeHandlers());
  await server.start();
});
afterEach(async () => {
  for (const client of clients.splice(0)) await client.close();
  await server.stop();
  temp.remove();
});

async function connect(readOnly: boolean): Promise<ControlClient> {
  const client = await ControlClient.connect(socketPath, 5000, { readOnly });
  clients.push(client);
  return client;
}

const request = (text: object): Request => {
  const parsed = parseRequest(JSON.stringify({ id: 1, ...text }));
  if ('error' in parsed) throw new Error(parsed.error);
  return parsed;
};

describe('read-only connections', () => {
  it('the daemon refuses a read-only client every command that changes state, and serves the reads', async () => {
    const viewer = await connect(true);
    await expect(viewer.request({ command: 'ban', ip: '192.0.2.7' })).rejects.toThrow('read-only connection: "ban" changes state and is refused');
    await expect(viewer.request({ command: 'unban', all: true })).rejects.toThrow('"unban" changes state');
    await expect(viewer.request({ command: 'trust', action: 'add', range: '192.0.2.0/24' })).rejects.toThrow('"trust add" changes state');
    await expect(viewer.request({ command: 'firewall', action: 'apply' })).rejects.toThrow('"firewall apply" changes state');
    await expect(viewer.request({ command: 'jail', name: 'sshd', enabled: false })).rejects.toThrow('"jail" changes state');
    await expect(viewer.request({ command: 'reload' })).rejects.toThrow('"reload" changes state');
    await expect(viewer.request({ command: 'filter-save', name: 'x', text: '[Definition]\n' })).rejects.toThrow('"filter-save" changes state');
    await expect(viewer.request({ command: 'status' })).resolves.toMatchObject({ backend: 'dry-run' });
    await expect(viewer.request({ command: 'trust', action: 'list' })).resolves.toMatchObject({ action: 'list' });
    await expect(viewer.request({ command: 'firewall', action: 'show' })).resolves.toMatchObject({ action: 'show' });
    // Nothing reached the handlers: the ban was never made.
    await expect(viewer.request({ command: 'bans' })).resolves.toEqual([]);
    // A client that did not ask for read-only is not affected.
    const admin = await connect(false);
    await expect(admin.request({ command: 'ban', ip: '192.0.2.8' })).resolves.toMatchObject({ ip: '192.0.2.8' });
    await expect(viewer.request({ command: 'bans' })).resolves.toHaveLength(1);
  });

  it('is for the life of the connection: there is no command that turns it off', async () => {
    const raw = await LineClient.connect(socketPath);
    clients.push(raw);
    raw.send({ id: 1, command: 'read-only' });
    expect(await raw.next()).toEqual({ id: 1, ok: true, result: { readOnly: true } });
    raw.send({ id: 2, command: 'read-only', enabled: false });
    expect(await raw.next()).toMatchObject({ id: 2, ok: false, error: 'read-only: unknown field "enabled"' });
    raw.send({ id: 3, command: 'ban', ip: '192.0.2.9' });
    expect(await raw.next()).toMatchObject({ id: 3, ok: false, error: 'read-only connection: "ban" changes state and is refused' });
  });

  it('the in-process channel refuses the same commands when read-only', async () => {
    const channel = new InProcessControl(fakeHandlers(), { readOnly: true });
    await expect(channel.request({ command: 'ban', ip: '192.0.2.7' })).rejects.toThrow('read-only connection: "ban" changes state and is refused');
    await expect(channel.request({ command: 'bans' })).resolves.toEqual([]);
  });

  it('classifies every command', () => {
    const reads = ['status', 'bans', 'ban-columns', 'jails', 'logs', 'activity', 'config', 'filter-test', 'filter-show', 'filter-list', 'why', 'blocklists', 'subscribe', 'unsubscribe', 'read-only'];
    const samples: Record<string, object> = {
      ban: { ip: '192.0.2.1' }, unban: { all: true }, jail: { name: 'a', enabled: true }, settings: { patch: { enabled: false } },
      'jail-add': { name: 'a', filter: 'sshd', logpath: ['/x'] }, 'jail-remove': { name: 'a' }, 'filter-save': { name: 'a', text: 'x' },
      'filter-test': { filter: 'sshd', lines: ['x'] }, 'filter-show': { name: 'a' }, why: { ip: '192.0.2.1' },
      trust: { action: 'rm', range: '192.0.2.1' }, firewall: { action: 'confirm' },
    };
    for (const command of COMMAND_NAMES) {
      expect(changesState(request({ command, ...samples[command] })), command).toBe(!reads.includes(command));
    }
  });
});
