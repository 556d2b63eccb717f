import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FirewallResult } from '../../src/control/protocol-results.js';
import type { RuleSet } from '../../src/firewall/types.js';
import { waitFor } from '../helpers/wait.js';
import { renderWithProviders, type ConsoleHarness } from './helpers/render-with-providers.js';

let h: ConsoleHarness | null = null;
let sshConnection: string | undefined;
beforeEach(() => {
  // The lock-out guard looks at the SSH session the tests may run in; these tests set their own risks.
  sshConnection = process.env['SSH_CONNECTION'];
  delete process.env['SSH_CONNECTION'];
});
afterEach(async () => {
  if (sshConnection !== undefined) process.env['SSH_CONNECTION'] = sshConnection;
  await h?.close();
  h = null;
});

/** Waits for a frame (the keys pressed after it reach the mode it shows, however soon they come). */
async function settled(harness: ConsoleHarness, check: string | ((frame: string) => boolean)): Promise<void> {
  await harness.waitForFrame(check);
}

/**
 * Deletes `count` characters before the cursor, one key at a time, each once the previous one
 * is drawn and the text field has taken the new value (it edits the value it last rendered).
 * Each deletion must change the frame: not a trailing space.
 */
async function erase(harness: ConsoleHarness, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const before = harness.frame();
    await harness.press('backspace');
    await settled(harness, (f) => f !== before);
  }
}

/** Tabs through the rule form to the field labelled `label`, ready for typing. */
async function tabTo(harness: ConsoleHarness, label: string, tabs: number): Promise<void> {
  for (let i = 0; i < tabs; i++) await harness.press('tab');
  await settled(harness, `› ${label}`);
}

/** The rule names of a rule set. */
const names = (set: RuleSet): string[] => set.rules.map((r) => r.name);

/** What `firewall show` says now. */
async function show(harness: ConsoleHarness): Promise<{ current: RuleSet; draft: RuleSet; pending: { applied: RuleSet; deadline: number } | null }> {
  const result: FirewallResult = await harness.model.request({ command: 'firewall', action: 'show' });
  return result.data as { current: RuleSet; draft: RuleSet; pending: { applied: RuleSet; deadline: number } | null };
}

/** Opens edit mode and adds a rule through the form (fields: name, action, protocol, ports, sources, comment). */
async function addRule(harness: ConsoleHarness, name: string, ports: string): Promise<void> {
  await harness.press('a');
  await settled(harness, 'New rule');
  await harness.type(name);
  await tabTo(harness, 'Ports', 3);
  await harness.type(ports);
  await harness.press('enter');
  await settled(harness, (f) => !f.includes('New rule') && new RegExp(`${name} +allow +tcp +${ports}`).test(f));
}

/** Sets the live rules to one confirmed rule, "ssh", through the engine. */
async function confirmSsh(harness: ConsoleHarness): Promise<void> {
  await harness.model.request({ command: 'firewall', action: 'draft', rules: [{ name: 'ssh', action: 'allow', protocol: 'tcp', ports: [22] }] });
  await harness.model.request({ command: 'firewall', action: 'apply' });
  await harness.model.request({ command: 'firewall', action: 'confirm' });
}

describe('Firewall pane', () => {
  it('edits a draft: a bad port is refused, the fixed rule is saved and shows in the diff', async () => {
    h = await renderWithProviders({ pane: 'firewall' });
    await settled(h, 'LIVE');
    expect(h.frame()).toContain('dry-run backend');
    expect(h.frame()).toContain('no rules');
    await h.press('e');
    await settled(h, 'DRAFT');
    await h.press('a');
    await settled(h, 'New rule');
    await h.type('web');
    await tabTo(h, 'Ports', 3);
    await h.type('70000');
    await h.waitForFrame('ports: 70000 is not a port (1-65535)');
    await h.press('enter');
    // Refused: the form stays open with its error, and the draft has no rule.
    await h.waitForFrame('ports: 70000 is not a port');
    expect(h.frame()).toContain('New rule');
    expect(h.frame()).toContain('0 rules');
    await erase(h, 5);
    await h.type('443');
    await h.waitForFrame('valid: Enter keeps the rule');
    await h.press('enter');
    await settled(h, (f) => /1 +web +allow +tcp +443 +any/.test(f));
    expect(h.frame()).toContain('unsaved changes');
    // Nothing is saved before w.
    expect(names((await show(h)).draft)).toEqual([]);
    await h.press('w');
    await h.waitForFrame('draft saved: 1 rule');
    await settled(h, (f) => f.includes('· saved'));
    expect(names((await show(h)).draft)).toEqual(['web']);
    expect(names(h.stack.applier.current())).toEqual([]);
    await h.press('d');
    await settled(h, 'DIFF live → draft');
    expect(h.frame()).toContain('+ web: allow in tcp port 443 from any');
    await h.press('esc');
    await settled(h, 'DRAFT');
  });

  it('applies after a confirmation, counts down, and c confirms: the live view shows the rule', async () => {
    h = await renderWithProviders({ pane: 'firewall', confirmTimeout: '3s' });
    await settled(h, 'LIVE');
    await h.press('e');
    await settled(h, 'DRAFT');
    await addRule(h, 'web', '443');
    await h.press('A');
    await settled(h, 'Save and apply 1 rule (policy accept)? Unconfirmed, it rolls back in 3s (y/N)');
    await h.press('y');
    await settled(h, (f) => /previous rules come back in [1-3]s/.test(f));
    expect(h.frame()).toContain('LIVE');
    expect(h.frame()).toContain('applied, unconfirmed');
    expect((await show(h)).pending).not.toBeNull();
    await h.press('C');
    await h.waitForFrame('Confirmed: the applied rules stay');
    expect(h.frame()).toMatch(/LIVE +rules in force/);
    expect(h.frame()).toMatch(/1 +web +allow +tcp +443/);
    expect(names(h.stack.applier.current())).toEqual(['web']);
    expect((await show(h)).pending).toBeNull();
    // Past the old deadline (a time on the clock, so waited for as one), nothing comes back.
    const deadline = Date.now() + 3300;
    await waitFor(() => Date.now() > deadline, 'the old deadline to pass', 5000, 50);
    expect(names(h.stack.applier.current())).toEqual(['web']);
    expect(h.frame()).toMatch(/1 +web +allow/);
  });

  it('rolls back by itself when the apply is not confirmed, and says so', async () => {
    h = await renderWithProviders({ pane: 'firewall', confirmTimeout: '2s' });
    await confirmSsh(h);
    await settled(h, (f) => /1 +ssh +allow +tcp +22/.test(f));
    await h.press('e');
    await settled(h, 'DRAFT');
    await addRule(h, 'web', '8000-8100');
    await h.press('A');
    await settled(h, '(y/N)');
    await h.press('y');
    await h.waitForFrame('previous rules come back in');
    expect(h.frame()).toMatch(/2 +web +allow +tcp +8000-8100/);
    const live = await h.stack.firewall.live();
    expect(live.managed.join('\n')).toContain('web');
    await h.waitForFrame('Not confirmed in time: the previous rules came back', 6000);
    expect(h.frame()).not.toMatch(/web +allow/);
    expect(h.frame()).toMatch(/1 +ssh +allow +tcp +22/);
    expect(h.frame()).toContain('Saved draft differs from live: +1 -0');
    expect(names(h.stack.applier.current())).toEqual(['ssh']);
    const after = await show(h);
    expect(after.pending).toBeNull();
    expect(names(after.current)).toEqual(['ssh']);
    const managed = (await h.stack.firewall.live()).managed.join('\n');
    expect(managed).toContain('ssh');
    expect(managed).not.toContain('web');
  });

  it('r rolls back at once', async () => {
    h = await renderWithProviders({ pane: 'firewall', confirmTimeout: '30s' });
    await confirmSsh(h);
    await h.model.request({ command: 'firewall', action: 'draft', rules: [], default_policy: 'drop' });
    await settled(h, 'Saved draft differs from live: +0 -1, policy changed');
    await h.press('a');
    await settled(h, 'Apply 0 rules (policy drop)? Unconfirmed, it rolls back in 30s (y/N)');
    await h.press('y');
    await settled(h, 'previous rules come back in');
    expect(h.frame()).toContain('default policy drop · 0 rules');
    await h.press('R');
    await h.waitForFrame('Rolled back: the previous rules are live again');
    expect(h.frame()).toMatch(/1 +ssh +allow +tcp +22/);
    expect(h.frame()).toContain('default policy accept');
    expect(names(h.stack.applier.current())).toEqual(['ssh']);
    expect((await show(h)).pending).toBeNull();
    expect((await h.stack.firewall.live()).managed.join('\n')).toContain('ssh');
  });

  it('shows the lock-out warnings of a refused apply and applies only on a second confirmation', async () => {
    h = await renderWithProviders({ pane: 'firewall' });
    await h.model.request({ command: 'trust', action: 'add', range: '198.51.100.0/24', note: 'office' });
    await settled(h, 'LIVE');
    await h.press('e');
    await settled(h, 'DRAFT');
    await h.press('a');
    await settled(h, 'New rule');
    await h.type('block-all');
    await tabTo(h, 'Action', 1);
    await h.press('d');
    await h.waitForFrame('[deny]');
    await tabTo(h, 'From', 3);
    await h.type('198.51.100.0/24');
    await h.press('enter');
    await settled(h, (f) => /block-all +deny +tcp +all +198\.51\.100\.0\/24/.test(f));
    await h.press('A');
    await settled(h, '(y/N)');
    await h.press('y');
    await h.waitForFrame('Apply refused: these rules could lock you out');
    expect(h.frame()).toContain('rule "block-all" denies traffic from trusted range 198.51.100.0/24');
    await settled(h, 'Apply anyway (1 warning)? (y/N)');
    await h.press('n');
    await settled(h, 'cancelled');
    expect((await show(h)).pending).toBeNull();
    // Saved before the apply was tried.
    expect(names((await show(h)).draft)).toEqual(['block-all']);
    await h.press('F');
    await settled(h, 'Apply anyway, despite the lock-out warnings? (y/N)');
    await h.press('y');
    await settled(h, 'previous rules come back in');
    expect(h.frame()).not.toContain('Apply refused');
    expect(names((await show(h)).pending!.applied)).toEqual(['block-all']);
    await h.press('R');
    await h.waitForFrame('Rolled back');
  });

  it('edits, reorders and deletes rules, flips the policy, and asks before dropping unsaved changes', async () => {
    h = await renderWithProviders({ pane: 'firewall' });
    await confirmSsh(h);
    await settled(h, (f) => /1 +ssh +allow/.test(f));
    await h.press('e');
    await settled(h, 'DRAFT');
    await addRule(h, 'web', '443');
    await h.press('K');
    await settled(h, (f) => /1 +web +allow/.test(f) && /2 +ssh +allow/.test(f));
    // A duplicate name is refused.
    await h.press('down', 'enter');
    await settled(h, 'Edit rule 2');
    await erase(h, 3);
    await h.type('web');
    await h.waitForFrame('another rule is already called "web"');
    await h.press('enter');
    await h.waitForFrame('another rule is already called "web"');
    await erase(h, 3);
    await h.type('admin');
    await tabTo(h, 'From', 4);
    await h.type('203.0.113.0/24, 2001:db8::/48,nonsense');
    await h.waitForFrame('"nonsense" is not an IPv4/IPv6 address or CIDR range');
    await erase(h, 9);
    await h.press('enter');
    await settled(h, (f) => /2 +admin +allow +tcp +22 +203\.0\.113\.0\/24,2001:db8::\/48/.test(f));
    // Ports need tcp or udp.
    await h.press('enter');
    await settled(h, 'Edit rule 2');
    await tabTo(h, 'Protocol', 2);
    await h.press('i');
    await h.waitForFrame('ports need protocol tcp or udp, not icmp');
    await h.press('esc');
    await settled(h, (f) => !f.includes('Edit rule'));
    await h.press('p');
    await settled(h, 'default policy drop');
    await h.press('up', 'x');
    await settled(h, (f) => /1 +admin +allow/.test(f) && !/web +allow/.test(f));
    await h.press('esc');
    await settled(h, 'Leave edit mode and drop the unsaved changes? (y/N)');
    await h.press('n');
    await settled(h, 'DRAFT');
    await h.press('esc');
    await settled(h, '(y/N)');
    await h.press('y');
    await settled(h, 'LIVE');
    expect(h.frame()).toMatch(/1 +ssh +allow/);
    expect(names((await show(h)).draft)).toEqual(['ssh']);
  });

  it('fits 80x24 with long rules and the form open, and hides changes in read-only mode', async () => {
    h = await renderWithProviders({ pane: 'firewall', size: { columns: 80, rows: 24 } });
    const rules = Array.from({ length: 30 }, (_, i) => ({
      name: `a-very-long-rule-name-number-${i}`,
      action: 'allow' as const,
      protocol: 'tcp' as const,
      ports: [1000 + i, '20000-20100'],
      sources: ['2001:db8:aaaa:bbbb::/64', '198.51.100.0/24'],
      comment: 'a comment long enough to run past the right edge of the terminal',
    }));
    await h.model.request({ command: 'firewall', action: 'draft', rules });
    await settled(h, '+30 -0');
    await h.press('e');
    await settled(h, '30 rules');
    await h.press('end');
    await h.waitForFrame((f) => /30 +a-very-long-rul…/.test(f));
    await h.press('a');
    await settled(h, 'New rule');
    const lines = h.frame().split('\n');
    expect(lines.length).toBeLessThanOrEqual(24);
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(80);
    await h.close();
    h = await renderWithProviders({ pane: 'firewall', readOnly: true });
    await settled(h, 'LIVE');
    expect(h.frame()).toContain('d diff');
    expect(h.frame()).not.toContain('a apply');
    // e is not bound in read-only mode: the shell's own key after it still works, and no DRAFT came.
    await h.press('e', '?');
    await h.waitForFrame('Everywhere');
    await h.press('esc');
    await settled(h, 'LIVE');
    expect(h.frame()).not.toContain('DRAFT');
  });
});
