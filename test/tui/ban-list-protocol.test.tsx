import { afterEach, describe, expect, it } from 'vitest';
import { InProcessControl, unpackBanColumns, type ControlChannel } from '../../src/control/index.js';
import { ConsoleModel } from '../../src/tui/index.js';
import { fakeHandlers } from '../control/helpers.js';
import { renderWithProviders, sshFailure, type ConsoleHarness } from './helpers/render-with-providers.js';

let h: ConsoleHarness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

describe('what the console asks the engine for its ban list', () => {
  it('reads the list packed (ban-columns, the same bans as `bans`) and the counts without every banned address', async () => {
    h = await renderWithProviders();
    h.appendLog(sshFailure('198.51.100.7'), sshFailure('198.51.100.7'), sshFailure('198.51.100.7'));
    await h.waitForFrame('198.51.100.7');
    await h.model.request({ command: 'ban', ip: '2001:db8::5', seconds: -1 });
    await h.model.request({ command: 'ban', ip: '198.51.100.0/28' });
    await h.waitForFrame('3 banned');
    expect(unpackBanColumns(await h.model.request({ command: 'ban-columns' }))).toEqual(await h.model.request({ command: 'bans' }));
    const sshd = (await h.model.request({ command: 'status' })).jails.find((j) => j.name === 'sshd');
    expect(sshd?.bannedIps).toEqual(['198.51.100.7']);
    const counts = await h.model.request({ command: 'status', bannedIps: false });
    expect(counts.jails.find((j) => j.name === 'sshd')?.bannedIps).toEqual([]);
    expect(counts.banned).toBe(3);
    expect(h.model.status?.jails.every((j) => j.bannedIps.length === 0)).toBe(true);
    // A reload of the list (as after dropped events) shows the same rows.
    await h.model.refreshBans();
    expect(h.model.bans.view('ip').at(2)).toEqual(expect.objectContaining({ ip: '2001:db8::5', expiresAt: null }));
  });

  it('still shows the bans and counts of a daemon that knows neither ban-columns nor status without addresses', async () => {
    const control = new InProcessControl(fakeHandlers());
    for (const ip of ['198.51.100.9', '198.51.100.10']) await control.request({ command: 'ban', ip });
    const asked: string[] = [];
    const oldDaemon: ControlChannel = {
      request: async (command: Parameters<ControlChannel['request']>[0]) => {
        asked.push(`${command.command}${'bannedIps' in command ? ' bannedIps' : ''}`);
        if (command.command === 'ban-columns') throw new Error('unknown command "ban-columns" (known: status, bans)');
        if ('bannedIps' in command) throw new Error('status: unknown field "bannedIps"');
        return control.request(command as never);
      },
      subscribe: (onEvent, events) => control.subscribe(onEvent, events),
      unsubscribe: () => control.unsubscribe(),
      close: () => control.close(),
    };
    const model = new ConsoleModel(oldDaemon, { attached: true, demo: false, readOnly: false, where: 'test' });
    await model.start();
    try {
      expect(model.bans.size).toBe(2);
      expect([0, 1].map((i) => model.bans.view('ip').at(i)?.ip)).toEqual(['198.51.100.9', '198.51.100.10']);
      expect(model.status?.banned).toBe(2);
      expect(asked).toEqual(expect.arrayContaining(['ban-columns', 'bans', 'status bannedIps', 'status']));
    } finally {
      await model.stop();
    }
  });
});
