import { afterEach, describe, expect, it } from 'vitest';
import { renderWithProviders, type ConsoleHarness } from './helpers/render-with-providers.js';

let h: ConsoleHarness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

describe('console shell', () => {
  it('switches panes with number keys, Tab and Shift-Tab', async () => {
    h = await renderWithProviders();
    await h.waitForFrame('nobody is banned');
    await h.press('2');
    await h.waitForFrame('trusted ranges');
    await h.press('tab', 'tab');
    await h.waitForFrame((f) => f.includes('following') || f.includes('paused'));
    await h.press('S-tab', 'S-tab', 'S-tab');
    await h.waitForFrame('nobody is banned');
  });

  it('keeps a pane\'s state while another pane is shown', async () => {
    h = await renderWithProviders({ pane: 'firewall' });
    await h.waitForFrame('LIVE');
    await h.press('e');
    await h.waitForFrame('DRAFT');
    await h.press('p');
    await h.waitForFrame('unsaved changes');
    await h.press('1');
    await h.waitForFrame('nobody is banned');
    await h.press('6');
    await h.waitForFrame('DRAFT');
    expect(h.frame()).toContain('unsaved changes');
    // Quitting with a draft asks first.
    await h.press('1', 'q');
    await h.waitForFrame('Quit and drop the unsaved firewall rule draft? (y/N)');
    await h.press('n');
    await h.waitForFrame('cancelled');
  });

  it('shows the live counts and where the engine runs in the header', async () => {
    h = await renderWithProviders();
    await h.model.request({ command: 'ban', ip: '198.51.100.3' });
    await h.waitForFrame((f) => /banned 1\b/.test(f));
    expect(h.frame()).toMatch(/jails 1\/1/);
    expect(h.frame()).toContain('fw dry-run');
    expect(h.frame()).toContain('detect on');
    expect(h.frame()).toContain('in-process');
  });

  it('renders the hint bar and the ? help from the same key table', async () => {
    h = await renderWithProviders();
    await h.waitForFrame('u unban');
    await h.press('?');
    await h.waitForFrame('Banned pane');
    const help = h.frame();
    expect(help).toMatch(/u\s+unban/);
    expect(help).toMatch(/U\s+unban all \(asks first\)/);
    expect(help).toMatch(/Everywhere/);
    await h.press('esc');
    await h.waitForFrame('u unban');
  });

  it('fits the help of a pane with many keys into 80x24', async () => {
    h = await renderWithProviders({ size: { columns: 80, rows: 24 }, pane: 'firewall' });
    await h.waitForFrame('LIVE');
    await h.press('e');
    await h.waitForFrame('DRAFT');
    await h.press('?');
    await h.waitForFrame('Everywhere');
    const lines = h.frame().split('\n');
    expect(lines.length).toBeLessThanOrEqual(24);
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(80);
    expect(h.frame()).toContain('Firewall pane');
    expect(h.frame()).toMatch(/q\s+quit/);
  });

  it('runs : commands and reports mistakes without changing anything', async () => {
    h = await renderWithProviders();
    await h.press(':');
    await h.type('ban 198.51.100.44 30m');
    await h.press('enter');
    await h.waitForFrame('banned 198.51.100.44 for 30m');
    await h.press(':');
    await h.type('ban 300.1.1.1');
    await h.press('enter');
    await h.waitForFrame('"300.1.1.1" is not an IP address or CIDR range');
    await h.press(':');
    await h.type('trust 203.0.113.0/24 office');
    await h.press('enter');
    await h.waitForFrame('trusted 203.0.113.0/24');
    await h.press(':');
    await h.type('jail sshd off');
    await h.press('enter');
    await h.waitForFrame('jail sshd disabled');
    await h.waitForFrame((f) => /jails 0\/1/.test(f));
    expect(h.stack.engine.list().map((b) => b.ip)).toEqual(['198.51.100.44']);
  });

  it('read-only hides the keys that change anything and refuses : changes', async () => {
    h = await renderWithProviders({ readOnly: true });
    await h.waitForFrame('read-only');
    expect(h.frame()).not.toContain('u unban');
    await h.model.request({ command: 'ban', ip: '198.51.100.5' });
    await h.waitForFrame('198.51.100.5');
    await h.press('u', 'U');
    await h.press(':');
    await h.type('unban 198.51.100.5');
    await h.press('enter');
    await h.waitForFrame('read-only console');
    expect(h.stack.engine.list()).toHaveLength(1);
  });

  it('fits 80x24 and follows a resize', async () => {
    h = await renderWithProviders({ size: { columns: 80, rows: 24 } });
    await h.waitForFrame('nobody is banned');
    const lines = h.frame().split('\n');
    expect(lines.length).toBeLessThanOrEqual(24);
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(80);
    expect(lines[2]).toContain('7 Activity');
  });
});
