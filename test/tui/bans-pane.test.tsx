import { afterEach, describe, expect, it } from 'vitest';
import { sleep } from '../helpers/wait.js';
import { renderWithProviders, sshFailure, type ConsoleHarness } from './helpers/render-with-providers.js';

let h: ConsoleHarness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

describe('Banned pane', () => {
  it('shows a ban made from the log, and u unbans it: the row goes and the engine lifts it', async () => {
    h = await renderWithProviders();
    h.appendLog(sshFailure('198.51.100.7'), sshFailure('198.51.100.7'), sshFailure('198.51.100.7'));
    await h.waitForFrame('198.51.100.7');
    expect(h.frame()).toContain('sshd');
    expect(h.frame()).toMatch(/1 banned/);
    await h.press('u');
    await h.waitForFrame((f) => !f.includes('198.51.100.7  '));
    await h.waitForFrame('nobody is banned');
    expect(h.stack.engine.list().map((b) => b.ip)).not.toContain('198.51.100.7');
  });

  it('bans by hand from the b form, refusing a bad address with a message and no change', async () => {
    h = await renderWithProviders();
    await h.press('b');
    await h.waitForFrame('Ban address');
    await h.type('198.51.100.300');
    await h.waitForFrame('is not an IP address');
    await h.press('enter');
    await h.waitForFrame('is not an IP address');
    expect(h.stack.engine.list()).toHaveLength(0);
    for (let i = 0; i < 3; i++) await h.press('backspace');
    await h.type('9 2h');
    await h.press('enter');
    await h.waitForFrame('banned 198.51.100.9 for 2h');
    expect(h.stack.engine.list().map((b) => b.ip)).toEqual(['198.51.100.9']);
    expect(h.frame()).toMatch(/198\.51\.100\.9 +manual/);
  });

  it('U asks before unbanning everything; n keeps the bans, y lifts them all', async () => {
    h = await renderWithProviders();
    for (const ip of ['198.51.100.1', '198.51.100.2', '2001:db8::7']) await h.model.request({ command: 'ban', ip });
    await h.waitForFrame('2001:db8::7');
    await h.press('U');
    await h.waitForFrame('Unban all 3 addresses? (y/N)');
    await h.press('n');
    await h.waitForFrame('cancelled');
    expect(h.stack.engine.list()).toHaveLength(3);
    await h.press('U');
    await h.waitForFrame('(y/N)');
    await h.press('y');
    await h.waitForFrame('nobody is banned');
    expect(h.stack.engine.list()).toHaveLength(0);
  });

  it('t moves an address to the trusted ranges, lifting its ban', async () => {
    h = await renderWithProviders();
    await h.model.request({ command: 'ban', ip: '203.0.113.5' });
    await h.waitForFrame('203.0.113.5');
    await h.press('t');
    await h.waitForFrame('203.0.113.5 is trusted now');
    expect(h.stack.engine.list()).toHaveLength(0);
    await h.press('2');
    await h.waitForFrame((f) => /203\.0\.113\.5 +added at run time/.test(f));
  });

  it('sorts by each column, filters with /, and Enter shows the matched lines', async () => {
    h = await renderWithProviders();
    await h.model.request({ command: 'ban', ip: '198.51.100.10' });
    await h.model.request({ command: 'ban', ip: '198.51.100.9' });
    h.appendLog(sshFailure('203.0.113.77'), sshFailure('203.0.113.77'), sshFailure('203.0.113.77'));
    await h.waitForFrame('203.0.113.77');
    await h.press('s', 's');
    await h.waitForFrame('sorted by address ↓');
    await h.press('r');
    await h.waitForFrame('sorted by address ↑');
    // By value, not by text: .9 before .10.
    const rows = h.frame().split('\n').filter((l) => /^\S*(198|203)\./.test(l.trim()));
    expect(rows.map((r) => r.trim().split(/\s+/)[0])).toEqual(['198.51.100.9', '198.51.100.10', '203.0.113.77']);
    await h.press('/');
    await h.type('203.0');
    await h.press('enter');
    await h.waitForFrame('1 banned matching "203.0" (of 3)');
    await h.press('enter');
    await h.waitForFrame('Why (the matched lines)');
    expect(h.frame()).toContain('Failed password for root from 203.0.113.77');
    await h.press('esc');
    await h.waitForFrame('1 banned matching');
    await h.press('esc');
    await h.waitForFrame('3 banned');
  });

  it('shows log text with control characters as escapes, never raw (a log line cannot drive the terminal)', async () => {
    h = await renderWithProviders({ size: { columns: 200, rows: 30 } });
    const user = 'x\x1b]0;owned\x07\x1b[2J';
    h.appendLog(sshFailure('198.51.100.66', user), sshFailure('198.51.100.66', user), sshFailure('198.51.100.66', user));
    await h.waitForFrame('198.51.100.66');
    await h.press('enter');
    await h.waitForFrame('Why (the matched lines)');
    expect(h.frame()).toContain('for x\\x1b]0;owned\\x07\\x1b[2J from 198.51.100.66');
    expect(h.frame()).not.toContain('\x1b]0;');
    expect(h.frame()).not.toContain('\x1b[2J');
    await h.press('esc', '4');
    await h.waitForFrame('\\x1b]0;owned');
    expect(h.frame()).not.toContain('\x1b]0;');
  });

  it('asks before banning or trusting a wide range, and refuses to ban the operator\'s own SSH session', async () => {
    h = await renderWithProviders();
    await h.press(':');
    await h.type('ban 10.0.0.0/8 1h');
    await h.press('enter');
    await h.waitForFrame('Ban 10.0.0.0/8 (16,777,216 addresses)? (y/N)');
    await h.press('n');
    await h.waitForFrame('cancelled');
    expect(h.stack.engine.list()).toHaveLength(0);
    await h.press(':');
    await h.type('trust 0.0.0.0/0');
    await h.press('enter');
    await h.waitForFrame('Trust 0.0.0.0/0 (4,294,967,296 addresses)?');
    await h.press('n');
    await h.waitForFrame('cancelled');
    const saved = process.env['SSH_CONNECTION'];
    process.env['SSH_CONNECTION'] = '198.51.100.200 50022 198.18.0.1 22';
    try {
      await h.press('b');
      await h.waitForFrame('Ban address');
      await h.type('198.51.100.0/24');
      await h.press('enter');
      await h.waitForFrame('not banned: 198.51.100.0/24 holds 198.51.100.200, the address of your own SSH session');
      expect(h.stack.engine.list()).toHaveLength(0);
      await h.press(':');
      await h.type('ban 198.51.100.201');
      await h.press('enter');
      await h.waitForFrame('banned 198.51.100.201');
    } finally {
      if (saved === undefined) delete process.env['SSH_CONNECTION'];
      else process.env['SSH_CONNECTION'] = saved;
    }
    expect(h.stack.engine.list().map((b) => b.ip)).toEqual(['198.51.100.201']);
  });

  it('keeps the cursor on its address while new bans push the rows down', async () => {
    // Two rows of list: the summary then says where the cursor is (`2/3`).
    h = await renderWithProviders({ size: { columns: 100, rows: 9 } });
    for (const ip of ['198.51.100.1', '198.51.100.2', '198.51.100.3']) {
      await h.model.request({ command: 'ban', ip });
      await sleep(5);
    }
    await h.waitForFrame('3 banned');
    // Newest first: .3, .2, .1; the cursor goes to .2.
    await h.press('down');
    await h.waitForFrame('2/3');
    await h.model.request({ command: 'ban', ip: '203.0.113.4' });
    await sleep(5);
    await h.model.request({ command: 'ban', ip: '203.0.113.5' });
    await h.waitForFrame('5 banned');
    // Still on .2, now the fourth row.
    await h.waitForFrame('4/5');
    await h.press('u');
    await h.waitForFrame('unbanned 198.51.100.2');
    expect(h.stack.engine.list().map((b) => b.ip).sort()).toEqual(['198.51.100.1', '198.51.100.3', '203.0.113.4', '203.0.113.5']);
  });

  it('moves the cursor where the key says when a ban came in since the last frame', async () => {
    h = await renderWithProviders({ size: { columns: 100, rows: 9 } });
    const now = Date.now();
    const ban = (ip: string, ago: number) => ({ ip, jail: 'sshd', bannedAt: now - ago, expiresAt: now + 600_000, count: 1, reason: [] });
    h.model.bans.reset([ban('198.51.100.1', 3000), ban('198.51.100.2', 2000), ban('198.51.100.3', 1000)]);
    h.model.changed(true);
    await h.waitForFrame('3 banned');
    await h.press('end');
    await h.waitForFrame('3/3');
    // A ban the model holds but no frame has shown yet (events are drawn up to 250 ms later):
    // Home must still go to the first row, not back to the address the cursor was on.
    h.model.bans.put(ban('198.51.100.4', 0));
    await h.press('home');
    await h.waitForFrame('1/4');
    await h.press('end');
    await h.waitForFrame('4/4');
    h.model.bans.put(ban('198.51.100.5', 0));
    await h.press('up');
    // Up from the last row (.1), now the fifth: the fourth row.
    await h.waitForFrame('4/5');
    await h.press('home');
    await h.waitForFrame('1/5');
    // End goes to the end of the list with the bans not drawn yet.
    for (const ip of ['198.51.100.6', '198.51.100.7', '198.51.100.8']) h.model.bans.put(ban(ip, 0));
    await h.press('end');
    await h.waitForFrame('8/8');
  });

  it('scrolls 100,000 bans drawing only the visible rows', async () => {
    h = await renderWithProviders({ size: { columns: 80, rows: 24 } });
    const now = Date.now();
    const records = Array.from({ length: 100_000 }, (_, i) => ({
      ip: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
      jail: 'sshd',
      bannedAt: now - i * 1000,
      expiresAt: now + 600_000,
      count: 1,
      reason: [],
    }));
    h.model.bans.reset(records);
    h.model.changed(true);
    await h.waitForFrame('100,000 banned');
    await h.press('end');
    await h.waitForFrame('100000/100000');
    // The oldest ban (index 99,999) is the last row, newest first.
    expect(h.frame()).toContain('10.1.134.159');
    expect(h.frame().split('\n').length).toBeLessThanOrEqual(24);
  });
});

describe('Banned pane with a fleet', () => {
  it('shows a ban sent by another node as jail@node, and says so in its detail', async () => {
    h = await renderWithProviders({ size: { columns: 120, rows: 24 } });
    const expiresAt = Date.now() + 3_600_000;
    await h.stack.engine.bans.banRemote({ ip: '198.18.44.7', jail: 'sshd', expiresAt, reason: ['sent by web02'], origin: 'web02' });
    await h.waitForFrame((f) => /198\.18\.44\.7 +sshd@web02 /.test(f));
    await h.press('enter');
    await h.waitForFrame('banned by sshd on web02');
  });
});
