import { checkAddress } from '../../net/index.js';
import type { FirewallRule, PortSpec, RuleSet } from '../types.js';
import { FAMILIES, familyTools, RULES_CHAIN, type Family } from './names.js';

/** `multiport` takes at most 15 ports, a range counting as two. */
const MULTIPORT_SLOTS = 15;
/** The kernel keeps comments up to 255 bytes. */
const MAX_COMMENT_BYTES = 255;
const COMMENT_PREFIX = 'portcullis:';
/** Router and neighbour solicitation/advertisement: IPv6 stops working without them. */
const NEIGHBOUR_DISCOVERY = [133, 134, 135, 136];

function portText(spec: PortSpec, rule: string): { text: string; slots: number } {
  const [low, high] = typeof spec === 'number' ? [spec, spec] : spec;
  for (const port of [low, high]) {
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      throw new Error(`rule ${JSON.stringify(rule)}: port ${JSON.stringify(spec)} is not 1-65535`);
    }
  }
  if (low > high) throw new Error(`rule ${JSON.stringify(rule)}: port range ${low}-${high} runs backwards`);
  return low === high ? { text: String(low), slots: 1 } : { text: `${low}:${high}`, slots: 2 };
}

/** Ports as `--dports` lists that each fit one multiport match. */
export function multiportChunks(ports: PortSpec[], rule = ''): string[] {
  const chunks: string[] = [];
  let current: string[] = [];
  let used = 0;
  for (const spec of ports) {
    const { text, slots } = portText(spec, rule);
    if (used + slots > MULTIPORT_SLOTS) {
      chunks.push(current.join(','));
      current = [];
      used = 0;
    }
    current.push(text);
    used += slots;
  }
  if (current.length > 0) chunks.push(current.join(','));
  return chunks;
}

/**
 * The comment that names a rule in the kernel. The restore script is line-based and quoted, so a
 * name that could end the quote or the line is refused rather than escaped.
 */
function commentFor(name: string): string {
  if (name === '' || /[\u0000-\u001f\u007f"'\\]/.test(name)) {
    throw new Error(`rule name ${JSON.stringify(name)} must be non-empty, without quotes, backslashes or control characters`);
  }
  const comment = `${COMMENT_PREFIX}${name}`;
  if (Buffer.byteLength(comment) > MAX_COMMENT_BYTES) throw new Error(`rule name ${JSON.stringify(name)} is too long`);
  return `"${comment}"`;
}

function checkRule(rule: FirewallRule): void {
  if (rule.direction !== 'in') throw new Error(`rule ${JSON.stringify(rule.name)}: only incoming rules are supported`);
  if (!['allow', 'deny'].includes(rule.action)) throw new Error(`rule ${JSON.stringify(rule.name)}: unknown action ${JSON.stringify(rule.action)}`);
  if (!['tcp', 'udp', 'icmp', 'any'].includes(rule.protocol)) {
    throw new Error(`rule ${JSON.stringify(rule.name)}: unknown protocol ${JSON.stringify(rule.protocol)}`);
  }
  // Dropping the ports of an icmp/any rule would widen it to every port; refuse instead.
  if (rule.ports.length > 0 && rule.protocol !== 'tcp' && rule.protocol !== 'udp') {
    throw new Error(`rule ${JSON.stringify(rule.name)}: ports need protocol tcp or udp, not ${rule.protocol}`);
  }
}

function protocolMatch(rule: FirewallRule, family: Family): string | null {
  if (rule.protocol === 'any') return null;
  if (rule.protocol === 'icmp') return family === 4 ? '-p icmp' : '-p ipv6-icmp';
  return `-p ${rule.protocol}`;
}

/** One rule's lines for one family; none when it names sources of the other family only. */
function ruleLines(rule: FirewallRule, family: Family, sources: string[][]): string[] {
  const own = sources[family === 4 ? 0 : 1]!;
  if (rule.sources.length > 0 && own.length === 0) return [];
  const proto = protocolMatch(rule, family);
  const portSets = rule.ports.length > 0 ? multiportChunks(rule.ports, rule.name) : [null];
  const comment = `-m comment --comment ${commentFor(rule.name)}`;
  const target = rule.action === 'allow' ? '-j ACCEPT' : '-j DROP';
  const lines: string[] = [];
  for (const source of rule.sources.length > 0 ? own : [null]) {
    for (const ports of portSets) {
      const parts = [`-A ${RULES_CHAIN}`];
      if (source) parts.push(`-s ${source}`);
      if (proto) parts.push(proto);
      if (ports) parts.push(`-m multiport --dports ${ports}`);
      parts.push(comment, target);
      lines.push(parts.join(' '));
    }
  }
  return lines;
}

/** Sources split by family as `-s` values (always with a prefix, as iptables-save prints them). */
function splitSources(rule: FirewallRule): string[][] {
  const v4: string[] = [];
  const v6: string[] = [];
  for (const source of rule.sources) {
    const checked = checkAddress(source);
    const text = checked.text.includes('/') ? checked.text : `${checked.text}/${checked.prefix}`;
    (checked.family === 4 ? v4 : v6).push(text);
  }
  return [v4, v6];
}

/** The content of PORTCULLIS-RULES for one family, as `-A` lines. Throws on an invalid rule set. */
export function rulesChainLines(ruleSet: RuleSet, family: Family): string[] {
  if (ruleSet.defaultPolicy !== 'accept' && ruleSet.defaultPolicy !== 'drop') {
    throw new Error(`unknown default policy ${JSON.stringify(ruleSet.defaultPolicy)}`);
  }
  const names = new Set<string>();
  const lines = [
    `-A ${RULES_CHAIN} -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`,
    `-A ${RULES_CHAIN} -i lo -j ACCEPT`,
  ];
  if (family === 6) {
    for (const type of NEIGHBOUR_DISCOVERY) lines.push(`-A ${RULES_CHAIN} -p ipv6-icmp -m icmp6 --icmpv6-type ${type} -j ACCEPT`);
  }
  for (const rule of ruleSet.rules) {
    if (names.has(rule.name)) throw new Error(`rule name ${JSON.stringify(rule.name)} is used twice`);
    names.add(rule.name);
    checkRule(rule);
    for (const line of ruleLines(rule, family, splitSources(rule))) lines.push(line);
  }
  if (ruleSet.defaultPolicy === 'drop') lines.push(`-A ${RULES_CHAIN} -j DROP`);
  return lines;
}

/**
 * The `<family>tables-restore --noflush` input that replaces PORTCULLIS-RULES and nothing else,
 * led by a comment naming the command (restore skips comment lines).
 */
export function rulesRestoreScript(ruleSet: RuleSet, family: Family): string[] {
  return [
    `# ${familyTools(family).restore} --noflush`,
    '*filter',
    `:${RULES_CHAIN} - [0:0]`,
    `-F ${RULES_CHAIN}`,
    ...rulesChainLines(ruleSet, family),
    'COMMIT',
  ];
}

/** Both families' scripts, IPv4 first: what `planRules` shows and `applyRules` runs. */
export function rulesRestoreScripts(ruleSet: RuleSet): Record<Family, string[]> {
  const [v4, v6] = FAMILIES.map((family) => rulesRestoreScript(ruleSet, family));
  return { 4: v4!, 6: v6! };
}
