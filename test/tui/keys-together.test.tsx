import { afterEach, describe, expect, it } from 'vitest';
import { renderWithProviders, type ConsoleHarness } from './helpers/render-with-providers.js';

// Keys that arrive in one read (held keys, fast typing over SSH, a paste) must act exactly as the
// same keys typed one at a time. Each test writes several keys in ONE write.

let h: ConsoleHarness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

const BS = '\x7f';
const bans = (harness: ConsoleHarness): string[] => harness.stack.engine.list().map((b) => b.ip).sort();

describe('keys that arrive together', () => {
  it('ban form: six letters and six Backspaces leave the field empty; a mixed edit bans the address typed', async () => {
    h = await renderWithProviders();
    await h.waitForFrame('nobody is banned');
    await h.write('b');
    await h.waitForFrame('Ban address [duration]:');
    await h.write(`abcdef${BS.repeat(6)}`);
    // Empty again: the placeholder and the help line, no error about "abcdef".
    await h.waitForFrame('IPv4/IPv6 address or CIDR, then an optional duration');
    expect(h.frame()).not.toMatch(/abcdef|is not an IP/);
    await h.write(`no${BS}${BS}198.51.100.7 2x${BS}${BS}1h\r`);
    await h.waitForFrame('banned 198.51.100.7 for 1h');
    expect(bans(h)).toEqual(['198.51.100.7']);
  });

  it('the / filter: "sshd" and four Backspaces in one write clear it', async () => {
    h = await renderWithProviders();
    await h.model.request({ command: 'ban', ip: '198.51.100.8' });
    await h.waitForFrame('1 banned');
    await h.write('/sshd');
    await h.waitForFrame('matching "sshd"');
    await h.write(`${BS.repeat(4)}\r`);
    await h.waitForFrame((f) => f.includes('1 banned ·') && !f.includes('matching'));
  });

  it('a key that opens a line, the text and Enter in one write: the : command runs', async () => {
    h = await renderWithProviders();
    await h.waitForFrame('nobody is banned');
    await h.write(':ban 198.51.100.9 30m\r');
    await h.waitForFrame('banned 198.51.100.9 for 30m');
    expect(bans(h)).toEqual(['198.51.100.9']);
    // And a form opened, filled and sent in one write.
    await h.write('b198.51.100.10\r');
    await h.waitForFrame('banned 198.51.100.10');
    expect(bans(h)).toEqual(['198.51.100.10', '198.51.100.9']);
  });

  it('key tables take several keys at once: jjj moves three rows, k one back', async () => {
    // Two list rows: the summary then says where the cursor is.
    h = await renderWithProviders({ size: { columns: 100, rows: 9 } });
    for (const ip of ['198.51.100.21', '198.51.100.22', '198.51.100.23', '198.51.100.24', '198.51.100.25']) await h.model.request({ command: 'ban', ip });
    await h.waitForFrame('1/5');
    await h.write('jjj');
    await h.waitForFrame('4/5');
    await h.write('kjjk');
    await h.waitForFrame('4/5');
    await h.write('k');
    await h.waitForFrame('3/5');
  });

  it('trusted form: range, Tab, note and Enter in one write add the range with its note', async () => {
    h = await renderWithProviders({ pane: 'trusted' });
    await h.waitForFrame('config file');
    await h.write('a198.51.100.0/24\toffice VPN\r');
    await h.waitForFrame((f) => /198\.51\.100\.0\/24 +added at run time +office VPN/.test(f));
  });

  it('a bracketed paste is text for the field, and never key commands for a list', async () => {
    h = await renderWithProviders({ pane: 'trusted' });
    await h.waitForFrame('config file');
    await h.write('a');
    await h.waitForFrame('Range:');
    await h.write('\x1b[200~2001:db8:1::/48\r\n\x1b[201~');
    await h.waitForFrame('valid');
    expect(h.frame()).toContain('2001:db8:1::/48');
    await h.press('esc');
    await h.waitForFrame((f) => !f.includes('Range:'));
    // Pasted into the list: "a" would open the form and "d" would remove; a paste does neither.
    await h.write('\x1b[200~ad\x1b[201~');
    await h.write('2');
    await h.waitForFrame('a add  d remove');
    expect(h.frame()).not.toContain('Range:');
  });
});
