import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/wait.js';
import { renderWithProviders, type ConsoleHarness } from './helpers/render-with-providers.js';
import { sshFailure } from './helpers/log-lines.js';

// What the operator must see from every pane: a pending firewall apply, detection off, counts
// that agree, messages that belong to the pane they were said on, the keys that work now.

let h: ConsoleHarness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

const hintBar = (frame: string): string => frame.trimEnd().split('\n').at(-1) ?? '';

describe('console shell state', () => {
  it('a pending apply counts down in the header on every pane; C confirms it from the Banned pane', async () => {
    h = await renderWithProviders({ confirmTimeout: '60s' });
    await h.waitForFrame('nobody is banned');
    await h.model.request({ command: 'firewall', action: 'apply', force: true });
    await h.waitForFrame((f) => /APPLY PENDING: rollback in (59|60)s · C confirms · R rolls back now/.test(f));
    expect(hintBar(h.frame())).toMatch(/^C confirm the applied rules  R roll them back now/);
    for (const key of ['2', '3', '4', '5', '7']) {
      await h.press(key);
      await h.waitForFrame((f) => f.includes('APPLY PENDING: rollback in'));
    }
    await h.press('1');
    await h.waitForFrame('nobody is banned');
    // r is the list's "reverse" here, not a rollback.
    await h.press('r');
    await h.waitForFrame('sorted by banned at ↑');
    expect(h.stack.applier.pending()).not.toBeNull();
    await h.press('C');
    await h.waitForFrame('confirmed');
    await h.waitForFrame((f) => !f.includes('APPLY PENDING'));
    expect(h.stack.applier.pending()).toBeNull();
  });

  it(':rollback rolls a pending apply back from any pane, and says when nothing waits', async () => {
    h = await renderWithProviders({ pane: 'logs', confirmTimeout: '60s' });
    await h.waitForFrame('following');
    await h.write(':rollback\r');
    await h.waitForFrame('nothing to roll back: no firewall apply is waiting');
    await h.model.request({ command: 'firewall', action: 'apply', force: true });
    await h.waitForFrame('APPLY PENDING');
    await h.write(':rollback\r');
    await h.waitForFrame('rolled back to');
    await h.waitForFrame((f) => !f.includes('APPLY PENDING'));
    expect(h.stack.applier.pending()).toBeNull();
  });

  it('detection off is said in the header and in the Banned pane', async () => {
    h = await renderWithProviders();
    await h.model.request({ command: 'ban', ip: '198.51.100.30' });
    await h.waitForFrame('1 banned');
    await h.model.request({ command: 'settings', patch: { enabled: false } });
    await h.model.refreshStatus();
    h.model.changed(true);
    await h.waitForFrame('DETECTION OFF: nothing is banned and no ban is enforced');
    expect(h.frame()).toContain('Detection is OFF: these bans are kept but not enforced');
  });

  it('the header counts the bans the list shows, at once', async () => {
    h = await renderWithProviders();
    await h.waitForFrame('nobody is banned');
    await h.model.request({ command: 'ban', ip: '198.51.100.31' });
    const frame = await h.waitForFrame('1 banned');
    expect(frame).toMatch(/banned 1 +fail\/h/);
  });

  it('a message goes with its pane; in : mode the hint bar shows the command line\'s keys', async () => {
    h = await renderWithProviders();
    await h.waitForFrame('nobody is banned');
    await h.write(':nosuchverb\r');
    await h.waitForFrame('unknown command "nosuchverb"');
    await h.press('2');
    await h.waitForFrame('trusted ranges');
    expect(h.frame()).not.toContain('unknown command');
    await h.press(':');
    await h.waitForFrame((f) => hintBar(f).startsWith('Enter run  Esc cancel'));
    expect(hintBar(h.frame())).not.toContain('add');
    await h.press('esc');
    await h.waitForFrame((f) => hintBar(f).startsWith('a add'));
  });

  it('at 160 columns the jail column is whole; at 80 the hint bar keeps whole hints and ? shows the rest by section, Esc once', async () => {
    h = await renderWithProviders({ size: { columns: 160, rows: 30 } });
    const now = Date.now();
    h.model.bans.reset([{ ip: '2001:db8:aaaa:bbbb:cccc:dddd:eeee:1', jail: 'nginx-http-auth-long-name', bannedAt: now, expiresAt: now + 600_000, count: 1, reason: [] }]);
    h.model.changed(true);
    await h.waitForFrame('1 banned');
    expect(h.frame()).toMatch(/2001:db8:aaaa:bbbb:cccc:dddd:eeee:1 +nginx-http-auth-long-name /);
    await h.close();

    h = await renderWithProviders({ size: { columns: 80, rows: 24 } });
    await h.waitForFrame('nobody is banned');
    const bar = hintBar(h.frame());
    expect(bar).toMatch(/\? more$/);
    expect(bar).not.toContain('…');
    await h.press('?');
    await h.waitForFrame('Everywhere');
    const help = h.frame();
    expect(help).toContain('Banned pane');
    expect(help).toContain(': commands');
    // Once in the help's own lines (the hint bar under it says how to close it).
    const body = help.trimEnd().split('\n').slice(0, -1).join('\n');
    expect(body.match(/\bEsc\b/g)?.length).toBe(1);
    expect(hintBar(help)).toBe('Esc/?/q close the help');
    await h.press('esc');
    await h.waitForFrame('nobody is banned');
  });

  it('Enter on a ban shows the matched lines, wrapped, and the address\'s past bans', async () => {
    h = await renderWithProviders({ size: { columns: 80, rows: 24 } });
    await h.model.request({ command: 'ban', ip: '198.51.100.32', seconds: 60 });
    await h.model.request({ command: 'unban', ip: '198.51.100.32' });
    // The second ban comes from the log, with a matched line longer than the 80 columns.
    const user = 'averyveryverylongusernamethatrunsonandon';
    h.appendLog(sshFailure('198.51.100.32', user), sshFailure('198.51.100.32', user), sshFailure('198.51.100.32', user));
    await waitFor(() => h!.model.bans.get('198.51.100.32')?.count === 2, 'the second ban to reach the console');
    await h.waitForFrame('1 banned');
    await h.press('enter');
    await h.waitForFrame('Why (the matched lines):');
    // The whole line, over two rows: its end too.
    await h.waitForFrame((f) => f.includes(user) && f.includes('ssh2'));
    await h.waitForFrame('Past bans (30 days): 2');
  });
});
