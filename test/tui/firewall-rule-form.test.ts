import { describe, expect, it } from 'vitest';
import type { RuleSet } from '../../src/firewall/types.js';
import { firewallReducer, INITIAL_FIREWALL_STATE, type FirewallState } from '../../src/tui/panes/firewall/firewall-reducer.js';
import { outcomeOf, type FirewallSnapshot } from '../../src/tui/panes/firewall/firewall-snapshot.js';
import { blankForm, checkRuleForm, chooseOption, parsePort, ruleToRequest, type RuleForm } from '../../src/tui/panes/firewall/rule-form.js';

const ssh: RuleSet = {
  defaultPolicy: 'accept',
  rules: [{ name: 'ssh', direction: 'in', action: 'allow', protocol: 'tcp', ports: [22], sources: [], comment: '' }],
};

function form(values: Partial<RuleForm['values']>): RuleForm {
  const blank = blankForm();
  return { ...blank, values: { ...blank.values, ...values } };
}

function editing(draft: RuleSet): FirewallState {
  const snapshot: FirewallSnapshot = { backend: 'dry-run', current: ssh, draft, pending: null };
  const loaded = firewallReducer(INITIAL_FIREWALL_STATE, { type: 'loaded', snapshot, startedAt: 1, now: 0 });
  return firewallReducer(loaded, { type: 'enter-edit' });
}

describe('firewall rule form', () => {
  it('reads ports and ranges, refusing what is out of 1-65535 or backwards', () => {
    expect(parsePort('22')).toBe(22);
    expect(parsePort('8000-8100')).toEqual([8000, 8100]);
    expect(parsePort('53-53')).toBe(53);
    expect(parsePort('0')).toMatch(/not a port/);
    expect(parsePort('65536')).toMatch(/not a port/);
    expect(parsePort('100-10')).toMatch(/low to high/);
    expect(parsePort('http')).toMatch(/not a port/);
  });

  it('checks names, ports per protocol, and addresses as typed', () => {
    expect(checkRuleForm(form({ name: 'web', ports: '80, 443 8000-8100', sources: '203.0.113.0/24,2001:db8::1' }), ['ssh'])).toEqual([]);
    const problems = (values: Partial<RuleForm['values']>) => checkRuleForm(form(values), ['ssh']).map((p) => `${p.field}: ${p.message}`);
    expect(problems({ name: '' })).toEqual(['name: give the rule a name']);
    expect(problems({ name: 'ssh' })).toEqual(['name: another rule is already called "ssh"']);
    expect(problems({ name: 'a b' })[0]).toMatch(/^name: .*letters, digits/);
    expect(problems({ name: 'x', protocol: 'icmp', ports: '22' })).toEqual(['ports: ports need protocol tcp or udp, not icmp (empty the ports)']);
    expect(problems({ name: 'x', sources: '10.0.0.300' })).toEqual(['sources: "10.0.0.300" is not an IPv4/IPv6 address or CIDR range']);
    expect(problems({ name: 'x', sources: '2001:db8::/129' })).toHaveLength(1);
  });

  it('picks choices by step or by first letter', () => {
    expect(chooseOption('protocol', 'tcp', { step: 1 })).toBe('udp');
    expect(chooseOption('protocol', 'tcp', { step: -1 })).toBe('any');
    expect(chooseOption('action', 'allow', { letter: 'd' })).toBe('deny');
    expect(chooseOption('protocol', 'tcp', { letter: 'a' })).toBe('any');
    expect(chooseOption('protocol', 'any', { letter: 'x' })).toBe('any');
  });

  it('writes ranges back as "LOW-HIGH" for the draft command', () => {
    expect(ruleToRequest({ ...ssh.rules[0]!, ports: [22, [8000, 8100]] }).ports).toEqual([22, '8000-8100']);
  });
});

describe('firewall reducer', () => {
  it('refuses a bad submit without touching the draft, and adds a good one', () => {
    let state = firewallReducer(editing(ssh), { type: 'open-form', edit: false });
    state = firewallReducer(state, { type: 'form-text', field: 'name', text: 'web' });
    state = firewallReducer(state, { type: 'form-text', field: 'ports', text: '99999' });
    const refused = firewallReducer(state, { type: 'submit-form' });
    expect(refused.draft).toBe(state.draft);
    expect(refused.form?.tried).toBe(true);
    expect(refused.dirty).toBe(false);
    const fixed = firewallReducer(firewallReducer(refused, { type: 'form-text', field: 'ports', text: '443' }), { type: 'submit-form' });
    expect(fixed.form).toBeNull();
    expect(fixed.dirty).toBe(true);
    expect(fixed.draft?.rules.map((r) => r.name)).toEqual(['ssh', 'web']);
    expect(fixed.cursor).toBe(1);
  });

  it('moves, deletes and flips the policy of the working copy only', () => {
    const two: RuleSet = { ...ssh, rules: [...ssh.rules, { ...ssh.rules[0]!, name: 'web', ports: [443] }] };
    let state = editing(two);
    state = firewallReducer(state, { type: 'move', step: 1, length: 2, height: 10 });
    state = firewallReducer(state, { type: 'shift', step: -1 });
    expect(state.draft?.rules.map((r) => r.name)).toEqual(['web', 'ssh']);
    expect(state.cursor).toBe(0);
    state = firewallReducer(state, { type: 'toggle-policy' });
    state = firewallReducer(state, { type: 'delete' });
    expect(state.draft).toEqual({ defaultPolicy: 'drop', rules: [two.rules[0]] });
    expect(state.snapshot?.draft).toBe(two);
  });

  it('tells a confirmation from a rollback by the timer when a watched apply ends', () => {
    const applied: RuleSet = { ...ssh, defaultPolicy: 'drop' };
    const ended: FirewallSnapshot = { backend: 'dry-run', current: ssh, draft: applied, pending: null };
    expect(outcomeOf({ applied, deadline: 10_000 }, ended, 10_000).text).toMatch(/Not confirmed in time/);
    expect(outcomeOf({ applied, deadline: 10_000 }, ended, 2_000).text).toMatch(/Rolled back/);
    expect(outcomeOf({ applied, deadline: 10_000 }, { ...ended, current: applied }, 2_000).text).toMatch(/Confirmed/);
  });

  it('ignores a show answer to a request sent before its own apply', () => {
    const applied = firewallReducer(editing(ssh), { type: 'applied', watched: { applied: ssh, deadline: 5000 }, at: 100 });
    const stale = firewallReducer(applied, { type: 'loaded', snapshot: { backend: 'dry-run', current: ssh, draft: ssh, pending: null }, startedAt: 50, now: 0 });
    expect(stale).toBe(applied);
  });
});
