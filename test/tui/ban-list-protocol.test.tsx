import { afterEach, describe, expect, it } from 'vitest';
import { InProcessControl, unpackBanColumns, type ControlChannel, type EventListener } from '../../src/control/index.js';
import { ConsoleModel } from '../../src/tui/index.js';
import { fakeHandlers, listingParts } from '../control/helpers.js';
import { renderWithProviders, sshFailure, type ConsoleHarness } from './helpers/render-with-providers.js';

let h: ConsoleHarness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

/**
 * A daemon of an older version over `control`: each request is noted in `asked` (its command, and
 * its field `field` if given) and refused with `refusal(command)` when that gives a message.
 */
function olderDaemon(control: InProcessControl, asked: string[], field: string, refusal: (command: Record<string, unknown>) => string | null): ControlChannel {
  return {
    request: async (command: Parameters<ControlChannel['request']>[0]) => {
      asked.push(`${command.command}${field in command ? ` ${field}` : ''}`);
      const refused = refusal(command);
      if (refused) throw new Error(refused);
      return control.request(command as never);
    },
    subscribe: (onEvent, events) => control.subscribe(onEvent, events),
    unsubscribe: () => control.unsubscribe(),
    close: () => control.close(),
  };
}

/** A console model started on `channel`, given to `check`, then stopped. */
async function withModel(channel: ControlChannel, check: (model: ConsoleModel) => void): Promise<void> {
  const model = new ConsoleModel(channel, { attached: true, demo: false, readOnly: false, where: 'test' });
  await model.start();
  try {
    check(model);
  } finally {
    await model.stop();
  }
}

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
    const oldDaemon = olderDaemon(control, asked, 'bannedIps', (command) =>
      command['command'] === 'ban-columns' ? 'unknown command "ban-columns" (known: status, bans)' : 'bannedIps' in command ? 'status: unknown field "bannedIps"' : null,
    );
    await withModel(oldDaemon, (model) => {
      expect(model.bans.size).toBe(2);
      expect([0, 1].map((i) => model.bans.view('ip').at(i)?.ip)).toEqual(['198.51.100.9', '198.51.100.10']);
      expect(model.status?.banned).toBe(2);
      expect(asked).toEqual(expect.arrayContaining(['ban-columns', 'bans', 'status bannedIps', 'status']));
    });
  });

  it('reads the list in parts, keeping the bans and unbans that come between them', async () => {
    const control = new InProcessControl(fakeHandlers());
    for (const ip of ['198.51.100.1', '198.51.100.2', '198.51.100.3']) await control.request({ command: 'ban', ip });
    let listener: EventListener | null = null;
    const asked: unknown[] = [];
    // A daemon that sends one ban a part, and whose engine unbans .3 (still to come in a later
    // part) and bans .4 while the parts are on their way.
    const daemon: ControlChannel = {
      request: async (command: Parameters<ControlChannel['request']>[0], options?: { onPart?: (part: never) => void }) => {
        if (command.command !== 'ban-columns') return control.request(command as never);
        asked.push(command);
        const parts = listingParts(await control.request({ command: 'bans' }), 1);
        options?.onPart?.(parts[0] as never);
        await control.request({ command: 'unban', ip: '198.51.100.3' });
        listener?.('unban', { ip: '198.51.100.3', jail: 'manual', reason: 'manual' } as never);
        const record = await control.request({ command: 'ban', ip: '198.51.100.4' });
        listener?.('ban', { record } as never);
        options?.onPart?.(parts[1] as never);
        return parts[2] as never;
      },
      subscribe: async (onEvent) => {
        listener = onEvent;
      },
      unsubscribe: async () => {
        listener = null;
      },
      close: () => control.close(),
    };
    await withModel(daemon, (model) => {
      expect(asked).toEqual([{ command: 'ban-columns', part: 65_536 }]);
      expect([0, 1, 2, 3].map((i) => model.bans.view('ip').at(i)?.ip)).toEqual(['198.51.100.1', '198.51.100.2', '198.51.100.4', undefined]);
    });
  });

  it('reads the list in one answer from a daemon that does not send it in parts', async () => {
    const control = new InProcessControl(fakeHandlers());
    for (const ip of ['198.51.100.9', '198.51.100.10']) await control.request({ command: 'ban', ip });
    const asked: string[] = [];
    const daemon = olderDaemon(control, asked, 'part', (command) => ('part' in command ? 'ban-columns: unknown field "part"' : null));
    await withModel(daemon, (model) => {
      expect(model.bans.size).toBe(2);
      expect(asked).toEqual(expect.arrayContaining(['ban-columns part', 'ban-columns']));
      expect(asked).not.toContain('bans');
    });
  });
});
