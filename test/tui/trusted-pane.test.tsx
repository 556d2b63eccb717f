import { afterEach, describe, expect, it } from 'vitest';
import { renderWithProviders, type ConsoleHarness } from './helpers/render-with-providers.js';

let h: ConsoleHarness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

const runtimeRanges = (harness: ConsoleHarness): string[] =>
  harness.stack.engine.trusted.list().filter((t) => t.origin === 'runtime').map((t) => t.range);

describe('Trusted pane', () => {
  it('a bad CIDR shows an error as it is typed and Enter changes nothing', async () => {
    h = await renderWithProviders({ pane: 'trusted' });
    await h.waitForFrame('config file');
    await h.press('a');
    await h.waitForFrame('Range:');
    await h.type('198.51.100.0/33');
    await h.waitForFrame('"198.51.100.0/33" is not an IPv4/IPv6 address or CIDR range');
    await h.press('enter');
    await h.waitForFrame('is not an IPv4/IPv6 address');
    expect(runtimeRanges(h)).toEqual([]);
    await h.press('esc');
    await h.waitForFrame((f) => !f.includes('Range:'));
    expect(runtimeRanges(h)).toEqual([]);
  });

  it('adds an IPv6 range with a note, lifting a ban inside it, and d removes it', async () => {
    h = await renderWithProviders({ pane: 'trusted' });
    await h.model.request({ command: 'ban', ip: '2001:db8:1::5' });
    await h.press('a');
    await h.waitForFrame('Range:');
    await h.type('2001:db8:1::/48');
    await h.waitForFrame('valid');
    await h.press('tab');
    await h.type('office VPN');
    await h.press('enter');
    await h.waitForFrame((f) => /2001:db8:1::\/48 +added at run time +office VPN/.test(f));
    expect(runtimeRanges(h)).toEqual(['2001:db8:1::/48']);
    expect(h.stack.engine.list()).toHaveLength(0);
    await h.press('down', 'down');
    await h.waitForFrame('2001:db8:1::/48');
    // The cursor is on the run-time range (listed after the config's).
    await h.press('end', 'd');
    await h.waitForFrame('no longer trusted: 2001:db8:1::/48');
    expect(runtimeRanges(h)).toEqual([]);
  });

  it('will not remove a range of the config file, and says where to remove it', async () => {
    h = await renderWithProviders({ pane: 'trusted' });
    await h.waitForFrame('config file');
    await h.press('home', 'd');
    await h.waitForFrame((f) => /in the config file's \[trusted\] ranges|this host's own address/.test(f));
    expect(h.stack.engine.trusted.list().some((t) => t.range.startsWith('127.'))).toBe(true);
  });
});
