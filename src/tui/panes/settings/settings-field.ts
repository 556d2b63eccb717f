import type { Settings } from '../../../config/index.js';
import { checkDuration, formatDuration, PERMANENT, prefixLimits, type IpFamily } from '../../../domain/index.js';

/** The settings the pane edits, in display order. */
export const SETTINGS_FIELD_IDS = [
  'enabled',
  'bantime',
  'findtime',
  'maxretry',
  'escalation.enabled',
  'escalation.factor',
  'escalation.multipliers',
  'escalation.maxtime',
  'escalation.permanent_after',
  'escalation.scope',
  'ipv4_prefix',
  'ipv6_prefix',
  'subnets.enabled',
  'subnets.threshold',
  'subnets.window',
  'subnets.bantime',
  'subnets.ipv4_prefix',
  'subnets.ipv6_prefix',
] as const;
export type SettingsFieldId = (typeof SETTINGS_FIELD_IDS)[number];

/** What an edited text means: the value the `settings` patch gets, or why it cannot be saved. */
export type FieldParse = FieldValue | { ok: false; message: string };

/** A valid edited text. */
export interface FieldValue {
  ok: true;
  /** The value for the patch; undefined leaves an optional setting unset. */
  value: unknown;
  /** The canonical text, compared with the value in force. */
  text: string;
}

/**
 * One editable setting, declared as data: how the value in force reads as text, how edited text
 * is checked (as it is typed) and turned into the patch value.
 */
export interface SettingsField {
  id: SettingsFieldId;
  label: string;
  /** `flag` and `choice` change with space; `text` is typed into. */
  kind: 'flag' | 'choice' | 'text';
  /** The values space cycles through (flag: on/off). */
  choices?: readonly string[];
  /** The setting in force, as text ('' for an optional setting that is unset). */
  read(settings: Settings): string;
  parse(text: string, settings: Settings): FieldParse;
  /** What the field takes, shown under the form while it is selected. */
  hint: string;
  /** The title of the group this field opens, shown above it. */
  group?: string;
}

export const FLAG = ['on', 'off'] as const;

export const onOff = (value: boolean): string => (value ? 'on' : 'off');

export function flag(text: string): FieldParse {
  const value = text.trim().toLowerCase();
  if (value === 'on' || value === 'off') return { ok: true, value: value === 'on', text: value };
  return { ok: false, message: 'on or off' };
}

/** A duration field named `name` in messages; "permanent" only where a ban time takes it. */
export function duration(name: string, allowPermanent: boolean) {
  return (text: string): FieldParse => {
    if (!text.trim()) return { ok: false, message: `${name} needs a duration` };
    const check = checkDuration(text, { allowPermanent });
    if (!check.ok) {
      const forms = allowPermanent ? '"10m", "1h30m", "1d" or "permanent"' : '"10m", "1h30m" or "1d" ("permanent" only for bantime)';
      return { ok: false, message: `${name}: "${text.trim()}" is not a duration; use ${forms}` };
    }
    const canonical = check.seconds === PERMANENT ? 'permanent' : formatDuration(check.seconds);
    return { ok: true, value: canonical, text: canonical };
  };
}

/** A whole number >= `min`; `optional` ones may be left empty when they are unset. */
export function wholeNumber(name: string, optional: boolean, min = 1) {
  return (text: string, inForce: string): FieldParse => {
    const value = text.trim();
    if (!value) return optional ? unset(name, inForce) : { ok: false, message: `${name} needs a whole number >= ${min}` };
    if (!/^\d+$/.test(value) || Number(value) < min || !Number.isSafeInteger(Number(value))) {
      return { ok: false, message: `${name} must be a whole number >= ${min}, not "${value}"` };
    }
    return { ok: true, value: Number(value), text: String(Number(value)) };
  };
}

/** A prefix length, with the config file's limits (`prefixLimits`); "/64" reads as 64. */
export function prefixLength(name: string, family: IpFamily, kind: 'ban' | 'subnet') {
  const { min, max, what } = prefixLimits(family, kind);
  return (text: string): FieldParse => {
    const value = text.trim().replace(/^\//, '');
    const number = Number(value);
    if (!/^\d+$/.test(value) || number < min || number > max) {
      return { ok: false, message: `${name} must be a whole number from ${min} to ${max} (${what})${value ? `, not "${text.trim()}"` : ''}` };
    }
    return { ok: true, value: number, text: String(number) };
  };
}

/** An optional setting left empty: fine when it is unset already; the `settings` patch cannot remove one. */
export function unset(name: string, inForce: string): FieldParse {
  if (!inForce) return { ok: true, value: undefined, text: '' };
  return { ok: false, message: `${name} cannot be removed from the console; delete it from the config file (or config.d/console.toml)` };
}

/** A field as the form shows it. */
export interface FieldView {
  field: SettingsField;
  /** The value in force, as text ('' when an optional setting is unset). */
  inForce: string;
  /** The edited text, when there is one. */
  draft: string | undefined;
  /** What the edited text means (only with a draft). */
  parsed: FieldParse | undefined;
  /** The draft differs from the value in force (or is not valid). */
  changed: boolean;
}
