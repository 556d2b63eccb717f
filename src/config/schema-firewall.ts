import { z } from 'zod';
import type { FirewallRuleConfig } from '../domain/rule-types.js';
import { JAIL_NAME } from '../domain/field-rules.js';
import { describeValue } from './errors.js';
import { duration, ipOrCidr, oneOf, table, text } from './schema-parts.js';

/** `[firewall]`: the packet-filter backend and rule editing. */
export interface FirewallSettings {
  backend: 'auto' | 'iptables' | 'nftables' | 'dry-run';
  /** What happens to incoming traffic no rule matches. */
  default_policy: 'accept' | 'drop';
  /** The managed rules, in order: the first that matches decides. */
  rules: FirewallRuleConfig[];
  /** Seconds an applied rule set waits for confirmation before it is rolled back. */
  confirm_timeout: number;
}

const PORT_RANGE = /^([1-9][0-9]{0,4})-([1-9][0-9]{0,4})$/;
const port = () =>
  z.union([z.number(), z.string()], { error: 'expected a port number or a range "LOW-HIGH"' }).superRefine((value, ctx) => {
    const ok = typeof value === 'number'
      ? Number.isInteger(value) && value >= 1 && value <= 65535
      : ((m) => m !== null && Number(m[1]) <= Number(m[2]) && Number(m[2]) <= 65535)(PORT_RANGE.exec(value));
    if (!ok) ctx.addIssue({ code: 'custom', message: `${describeValue(value)} is not a port (1-65535) or a range "LOW-HIGH"` });
  });

export const ruleShape = {
  name: text().regex(JAIL_NAME, { error: 'expected letters, digits, "_", "." or "-"' }),
  direction: oneOf(['in']).default('in'),
  action: oneOf(['allow', 'deny']),
  protocol: oneOf(['tcp', 'udp', 'icmp', 'any']).default('tcp'),
  ports: z.array(port(), { error: 'expected an array of ports' }).default([]),
  sources: z.array(ipOrCidr(), { error: 'expected an array of IPs or CIDRs' }).default([]),
  comment: z.string({ error: 'expected a string' }).default(''),
};
const ruleSchema = table(ruleShape).superRefine((rule, ctx) => {
  if (rule.ports.length > 0 && rule.protocol !== 'tcp' && rule.protocol !== 'udp') {
    ctx.addIssue({ code: 'custom', path: ['ports'], message: `ports need protocol "tcp" or "udp", not "${rule.protocol}"` });
  }
});

export const firewallShape = {
  backend: oneOf(['auto', 'iptables', 'nftables', 'dry-run']).default('auto'),
  default_policy: oneOf(['accept', 'drop']).default('accept'),
  rules: z
    .array(ruleSchema, { error: 'expected an array of tables ([[firewall.rules]])' })
    .default([])
    .superRefine((rules, ctx) => {
      const seen = new Set<string>();
      rules.forEach((rule, i) => {
        if (seen.has(rule.name)) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `duplicate rule name "${rule.name}"` });
        seen.add(rule.name);
      });
    }),
  confirm_timeout: duration().prefault('60s'),
};
