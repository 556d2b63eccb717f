import { afterEach, describe, expect, it } from 'vitest';
import { renderWithProviders, sshFailure, type ConsoleHarness } from './helpers/render-with-providers.js';

let h: ConsoleHarness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

describe('a subnet ban in the console', () => {
  it('is listed with the bans inside it, and its Why view says why it was made', async () => {
    h = await renderWithProviders({ extraConfig: '[settings.subnets]\nenabled = true\nthreshold = 3\n', size: { columns: 120, rows: 30 } });
    for (const host of [21, 22, 23]) h.appendLog(...Array.from({ length: 3 }, () => sshFailure(`198.18.9.${host}`)));
    await h.waitForFrame('198.18.9.0/24');
    expect(h.frame()).toMatch(/198\.18\.9\.0\/24 +subnet/);
    expect(h.frame()).toMatch(/4 banned/);
    await h.press('/');
    await h.type('/24');
    await h.press('enter');
    await h.waitForFrame('1 banned matching');
    await h.press('enter');
    await h.waitForFrame('Why (a subnet ban: the bans inside it)');
    expect(h.frame()).toContain('subnet 198.18.9.0/24: 3 addresses banned within 1h');
    expect(h.frame()).toContain('198.18.9.23 (banned by sshd)');
    // The engine log (the Logs pane) says it too.
    await h.press('esc', 'esc', '4');
    await h.waitForFrame('subnet 198.18.9.0/24: 3 addresses banned within 1h; 1h, ban #1');
  });
});
