import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/wait.js';
import { renderWithProviders, sshFailure, type ConsoleHarness } from './helpers/render-with-providers.js';

let h: ConsoleHarness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

describe('Logs pane', () => {
  it('follows new entries, filters by level and search, and Enter on a ban shows why', async () => {
    h = await renderWithProviders({ pane: 'logs' });
    await h.waitForFrame('following');
    h.appendLog(sshFailure('198.51.100.40'), sshFailure('198.51.100.40'), sshFailure('198.51.100.40'));
    await h.waitForFrame('Ban 198.51.100.40 (3 failures, 10m, ban #1)');
    expect(h.frame()).toContain('[sshd] Found 198.51.100.40');
    // NOTICE and above: the "Found" lines go, the ban stays.
    await h.press('l');
    await h.waitForFrame('level ≥ NOTICE');
    expect(h.frame()).not.toContain('Found 198.51.100.40');
    expect(h.frame()).toContain('Ban 198.51.100.40');
    await h.press('enter');
    await h.waitForFrame('Why (the matched lines):');
    expect(h.frame()).toMatch(/198\.51\.100\.40 banned by sshd/);
    expect(h.frame()).toContain('Failed password for root from 198.51.100.40');
    // The past bans come from the engine's store, asked for once the view opens.
    await h.waitForFrame('Past bans (30 days): 1');
    await h.press('esc');
    await h.waitForFrame('level ≥ NOTICE');
    await h.press('/');
    await h.type('no-such-text');
    await h.press('enter');
    await h.waitForFrame('0 of');
  });

  it('pauses when the cursor moves up, keeps the rows still, and f follows again', async () => {
    h = await renderWithProviders({ pane: 'logs' });
    h.appendLog(sshFailure('198.51.100.41'));
    await h.waitForFrame('Found 198.51.100.41');
    await h.press('up');
    await h.waitForFrame('paused');
    const before = h.frame();
    h.appendLog(sshFailure('198.51.100.42'));
    await h.model.request({ command: 'ban', ip: '203.0.113.80' });
    // The engine has logged both, and the model has them: only the paused view leaves them out.
    await waitFor(() => h!.model.logs.some((e) => e.message.includes('Found 198.51.100.42')), 'the engine to read the new line');
    h.model.changed(true);
    // The summary counts every entry the model holds: once it shows them all, the frame is past them.
    await h.waitForFrame(`of ${h.model.logs.length} entries`);
    expect(h.frame()).not.toContain('198.51.100.42');
    // The rows under the summary line stay as they were.
    expect(h.frame().split('\n').slice(4)).toEqual(before.split('\n').slice(4));
    await h.press('f');
    await h.waitForFrame('Found 198.51.100.42');
    expect(h.frame()).toContain('following');
  });
});

describe('Activity pane', () => {
  it('charts the last hour and lists the top addresses and jails', async () => {
    h = await renderWithProviders({ pane: 'activity' });
    await h.waitForFrame('Last hour');
    // The fourth failure comes while the address is banned: it is not counted again.
    h.appendLog(...Array.from({ length: 4 }, () => sshFailure('198.51.100.50')), sshFailure('2001:db8::50'));
    await h.waitForFrame((f) => /198\.51\.100\.50 +3 +1/.test(f) && f.includes('2001:db8::50'));
    await h.press('r');
    await h.waitForFrame('failures 4');
    const frame = h.frame();
    expect(frame).toMatch(/bans 1/);
    expect(frame).toMatch(/2001:db8::50 +1 +0/);
    expect(frame).toMatch(/sshd +4 +1/);
    // The chart: a y axis of failures per minute.
    expect(frame).toMatch(/┤|┼/);
  });
});
