import type { Settings, SubnetSettings } from '../../../config/index.js';
import { ADDRESS_BITS, formatDuration, SUBNET_DEFAULTS, SUBNET_THRESHOLD_MINIMUM } from '../../../domain/index.js';
import { duration, flag, FLAG, onOff, prefixLength, wholeNumber, type SettingsField } from './settings-field.js';

/** `[settings.subnets]` in force: the defaults when the table is absent (subnet bans off). */
const subnets = (s: Settings): SubnetSettings => s.subnets ?? SUBNET_DEFAULTS;

/** The network-ban fields: `[settings] ipv4_prefix`/`ipv6_prefix` and `[settings.subnets]`. */
export const NETWORK_FIELDS: readonly SettingsField[] = [
  {
    id: 'ipv4_prefix',
    label: 'IPv4 ban prefix',
    kind: 'text',
    read: (s) => String(s.ipv4_prefix ?? ADDRESS_BITS[4]),
    parse: prefixLength('ipv4_prefix', 4, 'ban'),
    hint: `IPv4 failures are counted, and bans made, per network of this length: ${ADDRESS_BITS[4]} is one address, 24 a /24`,
    group: 'Network bans',
  },
  {
    id: 'ipv6_prefix',
    label: 'IPv6 ban prefix',
    kind: 'text',
    read: (s) => String(s.ipv6_prefix ?? ADDRESS_BITS[6]),
    parse: prefixLength('ipv6_prefix', 6, 'ban'),
    hint: `IPv6 failures are counted, and bans made, per network of this length: 64 is one host's /64, ${ADDRESS_BITS[6]} one address`,
  },
  {
    id: 'subnets.enabled',
    label: 'Subnet bans',
    kind: 'flag',
    choices: FLAG,
    read: (s) => onOff(subnets(s).enabled),
    parse: flag,
    hint: 'on: when threshold bans fall inside one subnet within window, one ban of the subnet replaces them in the firewall',
    group: 'Many bans in one subnet',
  },
  {
    id: 'subnets.threshold',
    label: '  threshold',
    kind: 'text',
    read: (s) => String(subnets(s).threshold),
    parse: (text, s) => wholeNumber('subnets.threshold', false, SUBNET_THRESHOLD_MINIMUM)(text, String(subnets(s).threshold)),
    hint: `distinct bans (addresses or prefixes) inside one subnet that ban the subnet: a whole number >= ${SUBNET_THRESHOLD_MINIMUM}`,
  },
  {
    id: 'subnets.window',
    label: '  window',
    kind: 'text',
    read: (s) => formatDuration(subnets(s).window),
    parse: duration('subnets.window', false),
    hint: 'the time in which those bans count: 30m, 1h, 1d',
  },
  {
    id: 'subnets.bantime',
    label: '  ban time',
    kind: 'text',
    read: (s) => formatDuration(subnets(s).bantime),
    parse: duration('subnets.bantime', true),
    hint: 'how long a subnet ban lasts (escalated like any ban): 1h, 1d, 1w or permanent',
  },
  {
    id: 'subnets.ipv4_prefix',
    label: '  IPv4 subnet',
    kind: 'text',
    read: (s) => String(subnets(s).ipv4_prefix),
    parse: prefixLength('subnets.ipv4_prefix', 4, 'subnet'),
    hint: 'the subnet an IPv4 ban falls in: 24 is a /24; shorter than the IPv4 ban prefix',
  },
  {
    id: 'subnets.ipv6_prefix',
    label: '  IPv6 subnet',
    kind: 'text',
    read: (s) => String(subnets(s).ipv6_prefix),
    parse: prefixLength('subnets.ipv6_prefix', 6, 'subnet'),
    hint: 'the subnet an IPv6 ban falls in: 48 is a /48; shorter than the IPv6 ban prefix',
  },
];
