import type { FirewallRule, PortSpec, RuleSet } from '../types.js';
import { distinctElements, plainElement, RULES_CHAIN, TABLE } from './nft-script.js';

const ADD = `add rule ${TABLE} ${RULES_CHAIN}`;

/** What every rule set starts with: replies, loopback and IPv6 neighbour discovery pass. */
const PREAMBLE = [
  `${ADD} ct state established,related accept`,
  `${ADD} iif lo accept`,
  `${ADD} icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert, nd-router-advert, nd-router-solicit } accept`,
];

/** The name as it appears in the rule's comment; it must not be able to end the quoted string. */
const RULE_NAME = /^[A-Za-z0-9_.-]{1,100}$/;

/**
 * The script that makes `rules` the content of our rules chain: a flush and the rules, in order,
 * for one `nft -f -` transaction. Throws on a rule nft could not express as meant.
 */
export function ruleLines(rules: RuleSet): string[] {
  const lines = [`flush chain ${TABLE} ${RULES_CHAIN}`, ...PREAMBLE];
  for (const rule of rules.rules) lines.push(...linesOfRule(rule));
  if (rules.defaultPolicy === 'drop') lines.push(`${ADD} drop`);
  return lines;
}

function linesOfRule(rule: FirewallRule): string[] {
  if (!RULE_NAME.test(rule.name)) throw new Error(`rule name must be letters, digits, "_", "." or "-": ${JSON.stringify(rule.name)}`);
  if (rule.direction !== 'in') throw new Error(`rule "${rule.name}": only incoming rules are supported`);
  const protocol = protocolMatch(rule);
  const verdict = `${rule.action === 'allow' ? 'accept' : 'drop'} comment "portcullis:${rule.name}"`;
  const sources = distinctElements(rule.sources.map(plainElement));
  if (sources.length === 0) return [join(ADD, protocol, verdict)];
  const lines: string[] = [];
  for (const [family, selector] of [[4, 'ip saddr'], [6, 'ip6 saddr']] as const) {
    const ofFamily = sources.filter((s) => s.checked.family === family).map((s) => s.checked.text);
    if (ofFamily.length > 0) lines.push(join(ADD, `${selector} { ${ofFamily.join(', ')} }`, protocol, verdict));
  }
  return lines;
}

function protocolMatch(rule: FirewallRule): string {
  if (rule.protocol === 'icmp') {
    if (rule.ports.length > 0) throw new Error(`rule "${rule.name}": ports need protocol tcp or udp, not icmp`);
    return 'meta l4proto { icmp, ipv6-icmp }';
  }
  const ports = rule.ports.length > 0 ? `th dport { ${portList(rule).join(', ')} }` : '';
  // Ports without a protocol mean the port on both TCP and UDP, as the panels' "TCP/UDP" does.
  const l4 = rule.protocol === 'any' ? (ports ? 'meta l4proto { tcp, udp }' : '') : `meta l4proto ${rule.protocol}`;
  return join(l4, ports);
}

/** Ports as nft set elements; overlapping ranges merged, since an interval set refuses them. */
function portList(rule: FirewallRule): string[] {
  const ranges = rule.ports.map((p) => portRange(rule, p)).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const merged: Array<[number, number]> = [];
  for (const [low, high] of ranges) {
    const last = merged[merged.length - 1];
    if (last && low <= last[1]) last[1] = Math.max(last[1], high);
    else merged.push([low, high]);
  }
  return merged.map(([low, high]) => (low === high ? String(low) : `${low}-${high}`));
}

function portRange(rule: FirewallRule, port: PortSpec): [number, number] {
  const [low, high] = typeof port === 'number' ? [port, port] : port;
  const valid = (p: number) => Number.isInteger(p) && p >= 1 && p <= 65535;
  if (!valid(low) || !valid(high) || low > high) throw new Error(`rule "${rule.name}": bad port ${JSON.stringify(port)}`);
  return [low, high];
}

function join(...parts: string[]): string {
  return parts.filter((p) => p !== '').join(' ');
}
