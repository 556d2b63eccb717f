/** Leaves shared by every layer: showing untrusted text safely, and fitting it to columns. */
export { isPrintable, printable } from './printable.js';
export { displayWidth, fitWidth, padEndWidth, padStartWidth, sliceToWidth, truncateWidth } from './display-width.js';
export { describeValue } from './describe-value.js';
export { checkDuration, formatDuration, MAX_DURATION, PERMANENT, type DurationCheck, type DurationOptions } from './duration.js';
export { describeRule, diffRuleSets, EMPTY_RULES, evaluate, formatPort, guardWarnings, ruleSetFromConfig } from './rule-set.js';
export type { FirewallRule, FirewallRuleConfig, PortSpec, RuleSet, RuleSetInput } from './rule-types.js';
export { TRUSTED_ORIGIN_LABELS, plural } from './labels.js';
export { ACTION_NAMES, FIELD_MINIMUM, FILTER_FILE, FILTER_NAME, FILTER_OPTION_NAME, JAIL_NAME, SUBNET_JAIL, type ActionName } from './field-rules.js';
export { ADDRESS_BITS, isPrefixLength, prefixLimits, SUBNET_DEFAULTS, SUBNET_THRESHOLD_MINIMUM, subnetWidthProblem, type IpFamily } from './network-rules.js';
export { banLength, banLengthAfterVerb, type BanTimes } from './ban-length.js';
export { closestName, editDistance } from './edit-distance.js';
export { sortRows } from './sort-rows.js';
