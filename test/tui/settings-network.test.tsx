import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { renderWithProviders, type ConsoleHarness } from './helpers/render-with-providers.js';

// The Settings pane's network-ban fields: `[settings] ipv4_prefix`/`ipv6_prefix` and
// `[settings.subnets]`, on a real engine (SQLite in a temp folder, dry-run firewall).

let h: ConsoleHarness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

const BS = '\x7f';
const DOWN = '\x1b[B';
const UP = '\x1b[A';
const overlay = (harness: ConsoleHarness): string => path.join(path.dirname(harness.configPath), 'config.d', 'console.toml');

/** The field indexes of the form. */
const FIELD = { ipv4: 10, ipv6: 11, subnets: 12, threshold: 13, window: 14, bantime: 15, subnetV4: 16, subnetV6: 17 };

/** Moves to field `index` from wherever the cursor is, in one write. */
async function goTo(harness: ConsoleHarness, index: number): Promise<void> {
  await harness.write(UP.repeat(20) + DOWN.repeat(index));
}

describe('Settings pane: network bans', () => {
  it('shows the prefixes and [settings.subnets] (defaults when the table is absent), scrolled into an 80x24 screen', async () => {
    h = await renderWithProviders({ pane: 'settings', size: { columns: 80, rows: 24 } });
    const first = await h.waitForFrame('Max retries');
    expect(first).toMatch(/↓ \d+ more/);
    await goTo(h, FIELD.subnetV6);
    const frame = await h.waitForFrame('the subnet an IPv6 ban falls in');
    expect(frame).toMatch(/↑ \d+ more/);
    expect(frame).toContain('Network bans');
    expect(frame).toMatch(/IPv4 ban prefix +32/);
    expect(frame).toMatch(/IPv6 ban prefix +128/);
    expect(frame).toContain('Many bans in one subnet');
    expect(frame).toMatch(/Subnet bans +off/);
    expect(frame).toMatch(/threshold +5/);
    expect(frame).toMatch(/window +1h/);
    expect(frame).toMatch(/ban time +1h/);
    expect(frame).toMatch(/IPv4 subnet +24/);
    expect(frame).toMatch(/IPv6 subnet +48/);
    for (const line of frame.split('\n')) expect(line.length).toBeLessThanOrEqual(80);
    expect(frame.split('\n').length).toBeLessThanOrEqual(24);
    // Back up to the top: the first field and no "↑".
    await goTo(h, 0);
    await h.waitForFrame((f) => f.includes('Intrusion detection') && !f.includes('↑'));
  });

  it('checks each value as it is typed with the config file\'s limits, and the subnet against the ban prefix', async () => {
    h = await renderWithProviders({ pane: 'settings' });
    await h.waitForFrame('Max retries');
    await goTo(h, FIELD.ipv6);
    await h.write(`\r${BS.repeat(3)}129`);
    await h.waitForFrame('ipv6_prefix must be a whole number from 1 to 128 (IPv6 prefix length), not "129"');
    await h.write(`\x1b`);
    await goTo(h, FIELD.threshold);
    await h.write(`\r${BS}1`);
    await h.waitForFrame('subnets.threshold must be a whole number >= 2, not "1"');
    await h.write(`\x1b`);
    await goTo(h, FIELD.subnetV4);
    await h.write(`\r${BS.repeat(2)}32`);
    await h.waitForFrame('subnets.ipv4_prefix must be a whole number from 1 to 31 (IPv4 subnet prefix length), not "32"');
    await h.write(`\x1b`);
    await goTo(h, FIELD.window);
    await h.write(`\r${BS.repeat(2)}permanent`);
    await h.waitForFrame('subnets.window: "permanent" is not a duration');
    await h.write(`\x1b`);

    // Subnet bans on, and the IPv4 ban prefix as wide as the /24 subnets: no ban could share one.
    await goTo(h, FIELD.subnets);
    await h.write(` ${UP.repeat(2)}\r${BS.repeat(2)}24\r`);
    const bad = 'with subnet bans on, subnets.ipv4_prefix (24) must be shorter than [settings] ipv4_prefix (24): a /24 subnet would hold one ban at most';
    // The problem wraps under the form: compared with its line breaks as spaces.
    await h.waitForFrame((f) => /! IPv4 ban prefix +32 +24/.test(f) && /\* Subnet bans +off +on/.test(f) && f.replace(/\s+/g, ' ').includes(bad));
    await h.write('w');
    await h.waitForFrame(`nothing saved: ${bad.slice(0, 60)}`);
    expect(existsSync(overlay(h))).toBe(false);
    expect(h.stack.engine.config.settings.subnets).toBeUndefined();
    // A narrower subnet puts it right: the problem leaves the ban prefix.
    await goTo(h, FIELD.subnetV4);
    await h.write(`\r${BS.repeat(2)}16\r`);
    await h.waitForFrame((f) => /\* IPv4 ban prefix +32 +24/.test(f) && /\* +IPv4 subnet +24 +16/.test(f));
  });

  it('saves the prefixes and the subnet keys typed in one write, in one patch: in force, and in the overlay file', async () => {
    // Wide enough for the whole "saved ..." line.
    h = await renderWithProviders({ pane: 'settings', size: { columns: 160, rows: 36 } });
    await h.waitForFrame('Max retries');
    // One chunk: the IPv6 ban prefix, subnet bans on, threshold, window, ban time, IPv6 subnet.
    await h.write(
      `${UP.repeat(20)}${DOWN.repeat(FIELD.ipv6)}\r${BS.repeat(3)}/64${DOWN} ${DOWN}\r${BS}3${DOWN}\r${BS.repeat(2)}30m${DOWN}\r${BS.repeat(2)}permanent${DOWN}${DOWN}\r${BS.repeat(2)}40\r`,
    );
    await h.waitForFrame((f) =>
      /\* IPv6 ban prefix +128 +\/64/.test(f) && /\* Subnet bans +off +on/.test(f) && /\* +threshold +5 +3/.test(f)
      && /\* +window +1h +30m/.test(f) && /\* +ban time +1h +permanent/.test(f) && /\* +IPv6 subnet +48 +40/.test(f));
    await h.waitForFrame('6 fields edited, not saved');
    await h.write('w');
    await h.waitForFrame('saved ipv6_prefix, subnets.enabled, subnets.threshold, subnets.window, subnets.bantime, subnets.ipv6_prefix to');
    await h.waitForFrame((f) => /  IPv6 ban prefix +64 *\n/.test(f) && /  Subnet bans +on *\n/.test(f) && /  +window +30m *\n/.test(f) && f.includes('no edits'));
    expect(h.stack.engine.config.settings.ipv6_prefix).toBe(64);
    expect(h.stack.engine.config.settings.subnets).toEqual({ enabled: true, ipv4_prefix: 24, ipv6_prefix: 40, threshold: 3, window: 1800, bantime: -1 });
    const file = readFileSync(overlay(h), 'utf8');
    expect(file).toMatch(/ipv6_prefix = 64/);
    expect(file).toMatch(/\[settings\.subnets\]/);
    expect(file).toMatch(/threshold = 3/);
    expect(file).toMatch(/window = "30m"/);
    expect(file).toMatch(/bantime = "permanent"/);
  });
});
