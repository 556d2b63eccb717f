import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { renderWithProviders, type ConsoleHarness } from './helpers/render-with-providers.js';

let h: ConsoleHarness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

const overlay = (harness: ConsoleHarness): string => path.join(path.dirname(harness.configPath), 'config.d', 'console.toml');

/** Moves from the first field down to `field` (0 = detection, 3 = maxretry, ...). */
async function goTo(harness: ConsoleHarness, field: number): Promise<void> {
  await harness.press(...Array.from({ length: 10 }, () => 'up'), ...Array.from({ length: field }, () => 'down'));
}

/** Opens the selected text field, empties it and types `text` (not yet kept). */
async function retype(harness: ConsoleHarness, text: string, length: number): Promise<void> {
  await harness.press('enter', ...Array.from({ length }, () => 'backspace'));
  await harness.type(text);
}

describe('Settings pane', () => {
  it('shows the settings in force and where saving goes, at 80x24', async () => {
    h = await renderWithProviders({ pane: 'settings', size: { columns: 80, rows: 24 } });
    const frame = await h.waitForFrame('Max retries');
    expect(frame).toContain(overlay(h).slice(0, 20));
    expect(frame).toMatch(/Intrusion detection +on/);
    expect(frame).toMatch(/Ban time +10m/);
    expect(frame).toMatch(/Find time +10m/);
    expect(frame).toMatch(/Max retries +3/);
    expect(frame).toMatch(/Escalation +off/);
    expect(frame).toMatch(/factor +2/);
    expect(frame).toMatch(/multipliers +none/);
    expect(frame).toMatch(/max time +1w/);
    expect(frame).toMatch(/counted in +all/);
    expect(frame).toContain('w save');
    for (const line of frame.split('\n')) expect(line.length).toBeLessThanOrEqual(80);
    expect(frame.split('\n').length).toBeLessThanOrEqual(24);
  });

  it('refuses a bad maxretry as it is typed, and w saves nothing', async () => {
    h = await renderWithProviders({ pane: 'settings' });
    await h.waitForFrame('Max retries');
    await goTo(h, 3);
    await retype(h, '0', 1);
    await h.waitForFrame('maxretry must be a whole number >= 1, not "0"');
    await h.press('enter');
    await h.waitForFrame((f) => /! Max retries +3 +0/.test(f));
    await h.press('w');
    await h.waitForFrame('nothing saved: maxretry must be a whole number >= 1');
    expect(h.stack.engine.config.settings.maxretry).toBe(3);
    expect((await h.model.request({ command: 'config' })).settings.maxretry).toBe(3);
    expect(existsSync(overlay(h))).toBe(false);
    // Durations are checked too, with the forms they take.
    await goTo(h, 2);
    await retype(h, 'permanent', 3);
    await h.waitForFrame('findtime: "permanent" is not a duration');
    await h.press('esc');
    await h.waitForFrame((f) => /Find time +10m *\n/.test(f));
    // x drops the bad draft.
    await h.press('x');
    await h.waitForFrame('edits discarded');
    await h.waitForFrame((f) => /  Max retries +3 *\n/.test(f) && f.includes('no edits'));
  });

  it('saves maxretry and bantime in one patch: the frame shows them in force and the overlay file holds them', async () => {
    h = await renderWithProviders({ pane: 'settings' });
    await h.waitForFrame('Max retries');
    await goTo(h, 3);
    await retype(h, '5', 1);
    await h.waitForFrame('valid');
    await h.press('up'); // keeps it and moves on, to findtime
    await h.press('up'); // bantime
    await retype(h, '1h30m', 3);
    await h.press('enter');
    await h.waitForFrame((f) => /\* Ban time +10m +1h30m/.test(f) && /\* Max retries +3 +5/.test(f));
    await h.waitForFrame('2 fields edited, not saved');
    await h.press('w');
    await h.waitForFrame('saved bantime, maxretry to');
    await h.waitForFrame((f) => /  Ban time +1h30m *\n/.test(f) && /  Max retries +5 *\n/.test(f) && f.includes('no edits'));
    expect(h.stack.engine.config.settings.maxretry).toBe(5);
    expect(h.stack.engine.config.settings.bantime).toBe(5400);
    const file = readFileSync(overlay(h), 'utf8');
    expect(file).toMatch(/maxretry = 5/);
    expect(file).toMatch(/bantime = "1h30m"/);
  });

  it('shows the engine refusing the whole config, and changes nothing', async () => {
    h = await renderWithProviders({ pane: 'settings' });
    await h.waitForFrame('Max retries');
    // A broken overlay written by hand after the start: every later change must fail the whole check.
    const broken = '[jails.sshd]\nmaxretry = 0\n';
    h.dir.write('config.d/console.toml', broken);
    await goTo(h, 3);
    await retype(h, '5', 1);
    await h.press('enter');
    await h.waitForFrame((f) => /\* Max retries +3 +5/.test(f));
    await h.press('w');
    await h.waitForFrame('jails.sshd.maxretry');
    expect(h.frame()).toMatch(/\* Max retries +3 +5/);
    expect(h.stack.engine.config.settings.maxretry).toBe(3);
    expect(readFileSync(overlay(h), 'utf8')).toBe(broken);
  });

  it('edits escalation: space toggles and cycles, multipliers take a comma list', async () => {
    h = await renderWithProviders({ pane: 'settings' });
    await h.waitForFrame('Max retries');
    await goTo(h, 4);
    await h.press('space');
    await h.waitForFrame((f) => /\* Escalation +off +on/.test(f));
    await goTo(h, 6);
    await h.press('e');
    await h.type('1, 4,x');
    await h.waitForFrame('multipliers: "x" is not a number > 0');
    await h.press('backspace');
    await h.type('24');
    await h.press('enter');
    await h.waitForFrame((f) => /\* +multipliers +none +1, 4,24/.test(f));
    await goTo(h, 9);
    await h.press('space');
    await h.waitForFrame((f) => /\* +counted in +all +jail/.test(f));
    await h.press('w');
    await h.waitForFrame((f) => /  +multipliers +1, 4, 24/.test(f) && /  Escalation +on/.test(f));
    expect(h.stack.engine.config.settings.escalation).toMatchObject({ enabled: true, multipliers: [1, 4, 24], scope: 'jail' });
    expect(readFileSync(overlay(h), 'utf8')).toMatch(/\[settings\.escalation\]/);
  });

  it('turning detection off asks first, then the header shows OFF; turning it on needs no question', async () => {
    h = await renderWithProviders({ pane: 'settings' });
    await h.model.request({ command: 'ban', ip: '198.51.100.7' });
    await h.waitForFrame('detect on');
    await h.press('space');
    await h.waitForFrame((f) => /\* Intrusion detection +on +off/.test(f));
    await h.waitForFrame('save (turns detection OFF)');
    await h.press('w');
    await h.waitForFrame('Turn detection OFF? Bans leave the firewall, stay stored (y/N)');
    await h.press('n');
    await h.waitForFrame('cancelled');
    expect(h.stack.engine.status().detection).toBe(true);
    await h.press('w');
    await h.waitForFrame('(y/N)');
    await h.press('y');
    await h.waitForFrame('detect OFF');
    await h.waitForFrame((f) => /  Intrusion detection +off *\n/.test(f));
    expect(h.stack.engine.status().detection).toBe(false);
    // The ban is kept in the store.
    expect(h.stack.engine.list().map((b) => b.ip)).toContain('198.51.100.7');
    await h.press('space');
    await h.waitForFrame((f) => /\* Intrusion detection +off +on/.test(f));
    await h.press('w');
    await h.waitForFrame('detect on');
    expect(h.stack.engine.status().detection).toBe(true);
    expect(readFileSync(overlay(h), 'utf8')).toMatch(/enabled = true/);
  });

  it('read-only: shows the settings without edit keys', async () => {
    h = await renderWithProviders({ pane: 'settings', readOnly: true });
    await h.waitForFrame('read-only: the settings are shown');
    await h.press('enter', 'space', 'w');
    expect(h.frame()).not.toContain('w save');
    expect(h.frame()).not.toContain('edited, not saved');
    expect(existsSync(overlay(h))).toBe(false);
  });
});
