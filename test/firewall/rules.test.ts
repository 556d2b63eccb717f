import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/index.js';
import { diffRuleSets, evaluate, guardWarnings, ruleSetFromConfig } from '../../src/domain/index.js';
import { sshSession } from '../../src/net/index.js';
import type { RuleSet } from '../../src/firewall/types.js';

const rules = (toml: string): RuleSet => ruleSetFromConfig(parseConfig(toml, 'test.toml').firewall);

const SAMPLE = rules(`
[firewall]
default_policy = "drop"
[[firewall.rules]]
name = "ssh-office"
action = "allow"
ports = [22]
sources = ["198.18.0.0/24", "2001:db8:1::/48", "::ffff:198.19.0.9"]
[[firewall.rules]]
name = "block-range"
action = "deny"
protocol = "any"
sources = ["198.19.0.0/16"]
[[firewall.rules]]
name = "web"
action = "allow"
ports = [80, 443, "8000-8100"]
`);

describe('rule model from the config', () => {
  it('turns ranges into pairs and sources into canonical form', () => {
    expect(SAMPLE.rules[0]!.sources).toEqual(['198.18.0.0/24', '2001:db8:1::/48', '198.19.0.9']);
    expect(SAMPLE.rules[2]!.ports).toEqual([80, 443, [8000, 8100]]);
  });
});

describe('evaluate', () => {
  it('lets the first matching rule decide, then the default policy', () => {
    expect(evaluate(SAMPLE, { address: '198.18.0.7', protocol: 'tcp', port: 22 })).toEqual({ verdict: 'allow', rule: 'ssh-office' });
    expect(evaluate(SAMPLE, { address: '2001:db8:1::5', protocol: 'tcp', port: 22 }).verdict).toBe('allow');
    expect(evaluate(SAMPLE, { address: '198.19.3.3', protocol: 'tcp', port: 80 })).toEqual({ verdict: 'deny', rule: 'block-range' });
    expect(evaluate(SAMPLE, { address: '198.20.1.1', protocol: 'tcp', port: 8050 })).toEqual({ verdict: 'allow', rule: 'web' });
    expect(evaluate(SAMPLE, { address: '198.20.1.1', protocol: 'tcp', port: 22 })).toEqual({ verdict: 'deny' });
    expect(evaluate(SAMPLE, { address: '198.20.1.1', protocol: 'udp', port: 443 }).verdict).toBe('deny');
  });
});

describe('guard rails', () => {
  it('flags a draft that refuses new SSH connections from the current session', () => {
    const session = sshSession({ SSH_CONNECTION: '198.20.1.1 50000 198.18.0.1 22' });
    expect(guardWarnings(SAMPLE, [], session)).toEqual([
      'the default policy "drop" refuses new SSH connections from 198.20.1.1 (your session) to port 22',
    ]);
    expect(guardWarnings(SAMPLE, [], sshSession({ SSH_CONNECTION: '198.18.0.5 50000 198.18.0.1 22' }))).toEqual([]);
    expect(guardWarnings(SAMPLE, [], sshSession({ SSH_CONNECTION: '198.19.0.1 50000 198.18.0.1 22' }))[0]).toContain('rule "block-range"');
  });

  it('flags deny rules that cover a trusted range, but not loopback', () => {
    expect(guardWarnings(SAMPLE, ['198.19.7.0/24', '127.0.0.1/8', '2001:db8:9::/48'], null)).toEqual([
      'rule "block-range" denies traffic from trusted range 198.19.7.0/24',
    ]);
  });

  it('reads no session without SSH_CONNECTION', () => {
    expect(sshSession({})).toBeNull();
  });
});

describe('diff', () => {
  it('shows edits, additions, removals and the policy change', () => {
    const after = structuredClone(SAMPLE);
    after.defaultPolicy = 'accept';
    after.rules.splice(1, 1);
    after.rules[1]!.ports = [443];
    after.rules.push({ name: 'dns', direction: 'in', action: 'allow', protocol: 'udp', ports: [53], sources: [], comment: 'resolver' });
    expect(diffRuleSets(SAMPLE, after)).toEqual([
      '- default policy: drop',
      '+ default policy: accept',
      '  ssh-office: allow in tcp port 22 from 198.18.0.0/24,2001:db8:1::/48,198.19.0.9',
      '- block-range: deny in any from 198.19.0.0/16',
      '- web: allow in tcp port 80,443,8000-8100 from any',
      '+ web: allow in tcp port 443 from any',
      '+ dns: allow in udp port 53 from any  # resolver',
    ]);
  });
});
