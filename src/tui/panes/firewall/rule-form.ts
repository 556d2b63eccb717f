import { formatPort, JAIL_NAME } from '../../../domain/index.js';
import { isIpOrCidr } from '../../../net/index.js';
import type { FirewallRule, PortSpec, RuleSet } from '../../../firewall/types.js';

/** The rule form's fields, in the order Tab visits them. */
export const RULE_FIELDS = ['name', 'action', 'protocol', 'ports', 'sources', 'comment'] as const;
export type RuleField = (typeof RULE_FIELDS)[number];

/** Fields chosen from a short list (Space, ←/→ or the first letter), not typed. */
export const RULE_CHOICES = {
  action: ['allow', 'deny'],
  protocol: ['tcp', 'udp', 'icmp', 'any'],
} as const satisfies Partial<Record<RuleField, readonly string[]>>;
export type ChoiceField = keyof typeof RULE_CHOICES;

/** The rule form: the text of every field, which one has the cursor, and whether a submit was tried. */
export interface RuleForm {
  /** The rule being edited, by position in the draft; null for a new rule. */
  index: number | null;
  values: Record<RuleField, string>;
  field: RuleField;
  /** A submit was refused: "required" problems are shown too from now on. */
  tried: boolean;
}

/** One thing wrong with the form; `required` ones are only shown after a submit was tried. */
export interface FormProblem {
  field: RuleField;
  message: string;
  required?: boolean;
}

export function isChoiceField(field: RuleField): field is ChoiceField {
  return field === 'action' || field === 'protocol';
}

/** An empty form for a new rule (allow tcp, the most common kind). */
export function blankForm(): RuleForm {
  return { index: null, values: { name: '', action: 'allow', protocol: 'tcp', ports: '', sources: '', comment: '' }, field: 'name', tried: false };
}

/** A form holding `rule`, to edit it. */
export function formFromRule(rule: FirewallRule, index: number): RuleForm {
  return {
    index,
    values: {
      name: rule.name,
      action: rule.action,
      protocol: rule.protocol,
      ports: rule.ports.map(formatPort).join(', '),
      sources: rule.sources.join(', '),
      comment: rule.comment,
    },
    field: 'name',
    tried: false,
  };
}

/** The next (or previous) option of a choice field, or the option starting with a typed letter. */
export function chooseOption(field: ChoiceField, current: string, how: { step: number } | { letter: string }): string {
  const options: readonly string[] = RULE_CHOICES[field];
  const at = Math.max(0, options.indexOf(current));
  if ('step' in how) return options[(at + how.step + options.length) % options.length]!;
  const matches = options.filter((o) => o.startsWith(how.letter.toLowerCase()));
  if (matches.length === 0) return current;
  // A second press of the same letter goes on to the next option with it ("a": allow, then any).
  return matches[(matches.indexOf(current) + 1) % matches.length]!;
}

/** Splits a list typed with commas and/or spaces. */
function items(text: string): string[] {
  return text.split(/[\s,]+/).filter(Boolean);
}

/** One port or range as typed, or the reason it is not one. */
export function parsePort(text: string): PortSpec | string {
  const single = /^\d{1,5}$/.exec(text);
  if (single) {
    const port = Number(text);
    return port >= 1 && port <= 65535 ? port : `${text} is not a port (1-65535)`;
  }
  const range = /^(\d{1,5})-(\d{1,5})$/.exec(text);
  if (!range) return `"${text}" is not a port (1-65535) or a range LOW-HIGH`;
  const low = Number(range[1]);
  const high = Number(range[2]);
  if (low < 1 || high > 65535) return `${text}: ports go from 1 to 65535`;
  if (low > high) return `${text}: the range must go from low to high`;
  return low === high ? low : [low, high];
}

/** Everything wrong with the form; `otherNames` are the draft's other rules' names. */
export function checkRuleForm(form: RuleForm, otherNames: readonly string[]): FormProblem[] {
  const { name, protocol, ports, sources, comment } = form.values;
  const problems: FormProblem[] = [];
  const trimmed = name.trim();
  if (!trimmed) problems.push({ field: 'name', message: 'give the rule a name', required: true });
  else if (!JAIL_NAME.test(trimmed)) problems.push({ field: 'name', message: `"${trimmed}": use letters, digits, "_", "." or "-"` });
  else if (otherNames.includes(trimmed)) problems.push({ field: 'name', message: `another rule is already called "${trimmed}"` });
  const portItems = items(ports);
  if (portItems.length && protocol !== 'tcp' && protocol !== 'udp') {
    problems.push({ field: 'ports', message: `ports need protocol tcp or udp, not ${protocol} (empty the ports)` });
  }
  for (const item of portItems) {
    const port = parsePort(item);
    if (typeof port === 'string') problems.push({ field: 'ports', message: port });
  }
  for (const item of items(sources)) {
    if (!isIpOrCidr(item)) problems.push({ field: 'sources', message: `"${item}" is not an IPv4/IPv6 address or CIDR range` });
  }
  if (/[\r\n]/.test(comment)) problems.push({ field: 'comment', message: 'the comment must be one line' });
  return problems;
}

/** The problems worth showing now: "required" ones only once a submit was tried. */
export function visibleProblems(form: RuleForm, otherNames: readonly string[]): FormProblem[] {
  return checkRuleForm(form, otherNames).filter((p) => form.tried || !p.required);
}

/** The rule a valid form describes (call only when checkRuleForm found nothing). */
export function ruleFromForm(form: RuleForm): FirewallRule {
  const { name, action, protocol, ports, sources, comment } = form.values;
  return {
    name: name.trim(),
    direction: 'in',
    action: action as FirewallRule['action'],
    protocol: protocol as FirewallRule['protocol'],
    ports: items(ports).map((p) => parsePort(p) as PortSpec),
    sources: items(sources),
    comment: comment.trim(),
  };
}

/** A rule as the `firewall draft` command takes it (ranges written "LOW-HIGH"). */
export function ruleToRequest(rule: FirewallRule) {
  return {
    name: rule.name,
    direction: rule.direction,
    action: rule.action,
    protocol: rule.protocol,
    ports: rule.ports.map((p) => (typeof p === 'number' ? p : formatPort(p))),
    sources: [...rule.sources],
    comment: rule.comment,
  };
}

/** True when two rule sets say the same (order matters: the first match decides). */
export function sameRuleSet(a: RuleSet, b: RuleSet): boolean {
  return JSON.stringify(normalise(a)) === JSON.stringify(normalise(b));
}

function normalise(set: RuleSet) {
  return { defaultPolicy: set.defaultPolicy, rules: set.rules.map(ruleToRequest) };
}
