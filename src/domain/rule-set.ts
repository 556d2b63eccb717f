import ipaddr from 'ipaddr.js';
import { checkAddress, rangeContains, rangesOverlap, sshSession, type SshSession } from '../net/index.js';
import type { FirewallRule, PortSpec, RuleSet, RuleSetInput } from './rule-types.js';

/** No rules, everything accepted: what a host has before portcullis applies anything. */
export const EMPTY_RULES: RuleSet = { defaultPolicy: 'accept', rules: [] };

/** The rule set the config describes, with ports as numbers and sources in canonical form. */
export function ruleSetFromConfig(firewall: RuleSetInput): RuleSet {
  return {
    defaultPolicy: firewall.default_policy,
    rules: firewall.rules.map((r) => ({
      name: r.name,
      direction: r.direction,
      action: r.action,
      protocol: r.protocol,
      ports: r.ports.map(toPortSpec),
      sources: r.sources.map((s) => checkAddress(s).text),
      comment: r.comment,
    })),
  };
}

function toPortSpec(port: number | string): PortSpec {
  if (typeof port === 'number') return port;
  const [low, high] = port.split('-').map(Number);
  return low === high ? low! : [low!, high!];
}

/** A port spec as written in the config and in diffs: 22 or "8000-8100". */
export function formatPort(port: PortSpec): string {
  return typeof port === 'number' ? String(port) : `${port[0]}-${port[1]}`;
}

/** One line describing a rule, for diffs and the console. */
export function describeRule(rule: FirewallRule): string {
  const ports = rule.ports.length ? ` port ${rule.ports.map(formatPort).join(',')}` : '';
  const from = rule.sources.length ? ` from ${rule.sources.join(',')}` : ' from any';
  const comment = rule.comment ? `  # ${rule.comment}` : '';
  return `${rule.name}: ${rule.action} ${rule.direction} ${rule.protocol}${ports}${from}${comment}`;
}

/** The difference between two rule sets, line by line (`-` removed, `+` added, ` ` kept). */
export function diffRuleSets(before: RuleSet, after: RuleSet): string[] {
  const out: string[] = [];
  if (before.defaultPolicy !== after.defaultPolicy) {
    out.push(`- default policy: ${before.defaultPolicy}`, `+ default policy: ${after.defaultPolicy}`);
  } else {
    out.push(`  default policy: ${after.defaultPolicy}`);
  }
  const a = before.rules.map(describeRule);
  const b = after.rules.map(describeRule);
  // Longest common subsequence, so a reorder or an edit shows as what it is.
  const lcs: number[][] = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
    }
  }
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      out.push(`  ${a[i++]}`);
      j++;
    } else if (j < b.length && (i === a.length || lcs[i]![j + 1]! > lcs[i + 1]![j]!)) {
      out.push(`+ ${b[j++]}`);
    } else {
      out.push(`- ${a[i++]}`);
    }
  }
  return out;
}

/** A packet to judge: where it comes from and what it asks for. */
export interface Probe {
  address: string;
  protocol: 'tcp' | 'udp' | 'icmp';
  port?: number;
}

/** What the managed rules do to a new connection: the deciding rule, or the default policy. */
export function evaluate(rules: RuleSet, probe: Probe): { verdict: 'allow' | 'deny'; rule?: string } {
  const address = ipaddr.process(probe.address);
  for (const rule of rules.rules) {
    if (rule.protocol !== 'any' && rule.protocol !== probe.protocol) continue;
    if (rule.ports.length && (probe.port === undefined || !rule.ports.some((p) => portMatches(p, probe.port!)))) continue;
    if (rule.sources.length && !rule.sources.some((s) => rangeContains(s, address))) continue;
    return { verdict: rule.action, rule: rule.name };
  }
  return { verdict: rules.defaultPolicy === 'drop' ? 'deny' : 'allow' };
}

function portMatches(spec: PortSpec, port: number): boolean {
  return typeof spec === 'number' ? spec === port : port >= spec[0] && port <= spec[1];
}

/**
 * What is dangerous in a draft, before it is applied: new SSH connections from the current
 * session's address refused (a lock-out at the next login), or a deny rule covering a trusted range.
 */
export function guardWarnings(draft: RuleSet, trusted: string[], session: SshSession | null = sshSession()): string[] {
  const warnings: string[] = [];
  if (session) {
    const result = evaluate(draft, { address: session.address, protocol: 'tcp', port: session.port });
    if (result.verdict === 'deny') {
      const why = result.rule ? `rule "${result.rule}"` : 'the default policy "drop"';
      warnings.push(`${why} refuses new SSH connections from ${session.address} (your session) to port ${session.port}`);
    }
  }
  for (const range of trusted) {
    const checked = checkAddress(range);
    if (isLoopback(checked.text)) continue;
    for (const rule of draft.rules) {
      if (rule.action !== 'deny') continue;
      if (rule.sources.length === 0 || rule.sources.some((s) => rangesOverlap(s, checked.text))) {
        warnings.push(`rule "${rule.name}" denies traffic from trusted range ${range}`);
      }
    }
  }
  return warnings;
}

function isLoopback(cidr: string): boolean {
  const [net] = cidr.includes('/') ? ipaddr.parseCIDR(cidr) : [ipaddr.parse(cidr)];
  return net.range() === 'loopback';
}


