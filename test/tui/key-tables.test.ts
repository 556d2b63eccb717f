import { describe, expect, it } from 'vitest';
import { keysOf, type KeyBinding } from '../../src/tui/keymap.js';
import * as bans from '../../src/tui/panes/bans/bans-keys.js';
import * as firewall from '../../src/tui/panes/firewall/firewall-keys.js';
import * as jails from '../../src/tui/panes/jails/jails-keys.js';
import * as logs from '../../src/tui/panes/logs/logs-keys.js';
import * as settings from '../../src/tui/panes/settings/settings-keys.js';
import * as trusted from '../../src/tui/panes/trusted/trusted-keys.js';
import * as shell from '../../src/tui/shell/global-keys.js';

/** Every key table the console has, by name, in each of its modes. */
function tables(): [string, readonly KeyBinding[]][] {
  const found: [string, readonly KeyBinding[]][] = [];
  for (const [module, exports] of Object.entries({ bans, firewall, jails, logs, settings, trusted, shell })) {
    for (const [name, value] of Object.entries(exports)) {
      if (Array.isArray(value) && value.length && typeof value[0] === 'object' && 'command' in value[0]) found.push([`${module}.${name}`, value as KeyBinding[]]);
    }
  }
  for (const edit of [false, true]) for (const diff of [false, true]) for (const warnings of [false, true]) found.push([`firewall ${edit}/${diff}/${warnings}`, firewall.firewallKeys({ edit, diff, warnings })]);
  return found;
}

describe('key tables', () => {
  it('bind each key once per table, and give one command all its keys (no second command doing the same)', () => {
    const all = tables();
    expect(all.length).toBeGreaterThan(15);
    for (const [name, table] of all) {
      const keys = table.flatMap((b) => keysOf(b));
      expect(keys, `${name} binds a key twice`).toEqual([...new Set(keys)]);
      const descriptions = table.map((b) => b.description);
      expect(descriptions, `${name} has two commands that say the same`).toEqual([...new Set(descriptions)]);
    }
  });

  it('bind j and k to the cursor wherever ↓ and ↑ move it in a list', () => {
    for (const [name, table] of tables()) {
      const down = table.find((b) => b.command === 'down');
      const up = table.find((b) => b.command === 'up');
      if (down && keysOf(down).includes('down')) expect(keysOf(down), name).toContain('j');
      if (up && keysOf(up).includes('up')) expect(keysOf(up), name).toContain('k');
    }
  });
});
