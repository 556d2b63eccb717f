// The managed firewall rules as every layer sees them: the config's tables and the checked rule set.

/** One `[[firewall.rules]]` table, as written (ports may be ranges like "8000-8100"). */
export interface FirewallRuleConfig {
  name: string;
  direction: 'in';
  action: 'allow' | 'deny';
  protocol: 'tcp' | 'udp' | 'icmp' | 'any';
  /** Ports (1-65535) or ranges "LOW-HIGH"; empty: every port. tcp and udp only. */
  ports: Array<number | string>;
  /** IPs and CIDRs; empty: from anywhere. */
  sources: string[];
  comment: string;
}

/** What {@link ruleSetFromConfig} reads: the `[firewall]` table's policy and rules. */
export interface RuleSetInput {
  default_policy: 'accept' | 'drop';
  rules: FirewallRuleConfig[];
}

/** A port or an inclusive port range, 1-65535. */
export type PortSpec = number | [number, number];

/** One managed rule for incoming traffic (the panel's "Firewall" screen). */
export interface FirewallRule {
  /** Unique within the rule set. */
  name: string;
  direction: 'in';
  action: 'allow' | 'deny';
  protocol: 'tcp' | 'udp' | 'icmp' | 'any';
  /** Empty: every port. Only for tcp and udp. */
  ports: PortSpec[];
  /** IPs and CIDRs, IPv4 and IPv6, canonical; empty: from anywhere. */
  sources: string[];
  comment: string;
}

/** The managed rules in order (first match wins) and what happens to the rest of incoming traffic. */
export interface RuleSet {
  defaultPolicy: 'accept' | 'drop';
  rules: FirewallRule[];
}

