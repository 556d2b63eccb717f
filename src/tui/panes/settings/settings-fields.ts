import type { Settings } from '../../../config/index.js';
import { checkDuration, formatDuration, PERMANENT } from '../../../domain/index.js';

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
}

const FLAG = ['on', 'off'] as const;

function flag(text: string): FieldParse {
  const value = text.trim().toLowerCase();
  if (value === 'on' || value === 'off') return { ok: true, value: value === 'on', text: value };
  return { ok: false, message: 'on or off' };
}

function duration(name: string, allowPermanent: boolean) {
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

function wholeNumber(name: string, optional: boolean) {
  return (text: string, inForce: string): FieldParse => {
    const value = text.trim();
    if (!value) return optional ? unset(name, inForce) : { ok: false, message: `${name} needs a whole number >= 1` };
    if (!/^\d+$/.test(value) || Number(value) < 1 || !Number.isSafeInteger(Number(value))) {
      return { ok: false, message: `${name} must be a whole number >= 1, not "${value}"` };
    }
    return { ok: true, value: Number(value), text: String(Number(value)) };
  };
}

/** An optional setting left empty: fine when it is unset already; the `settings` patch cannot remove one. */
function unset(name: string, inForce: string): FieldParse {
  if (!inForce) return { ok: true, value: undefined, text: '' };
  return { ok: false, message: `${name} cannot be removed from the console; delete it from the config file (or config.d/console.toml)` };
}

function isNumber(text: string): boolean {
  return /^\d+(\.\d+)?$|^\.\d+$/.test(text);
}

function factor(text: string): FieldParse {
  const value = text.trim();
  if (!value) return { ok: false, message: 'factor needs a number >= 1 (1.5, 2, 3)' };
  if (!isNumber(value) || Number(value) < 1) return { ok: false, message: `factor must be a number >= 1 (1.5, 2, 3), not "${value}"` };
  return { ok: true, value: Number(value), text: String(Number(value)) };
}

function multipliers(text: string, inForce: string): FieldParse {
  const value = text.trim();
  if (!value) return unset('multipliers', inForce);
  const parts = value.split(',').map((p) => p.trim());
  const bad = parts.find((p) => !isNumber(p) || Number(p) <= 0);
  if (bad !== undefined) {
    return { ok: false, message: `multipliers: ${bad === '' ? 'an empty item' : `"${bad}"`} is not a number > 0 (write a comma list: 1, 4, 24)` };
  }
  const numbers = parts.map(Number);
  return { ok: true, value: numbers, text: numbers.join(', ') };
}

function scope(text: string): FieldParse {
  const value = text.trim();
  return value === 'jail' || value === 'all' ? { ok: true, value, text: value } : { ok: false, message: 'scope is "jail" or "all"' };
}

const onOff = (value: boolean): string => (value ? 'on' : 'off');

/** Every field of the form. */
export const SETTINGS_FIELDS: readonly SettingsField[] = [
  {
    id: 'enabled',
    label: 'Intrusion detection',
    kind: 'flag',
    choices: FLAG,
    read: (s) => onOff(s.enabled),
    parse: flag,
    hint: 'off lifts every ban from the firewall (they stay stored) and reads no log; on restores them',
  },
  {
    id: 'bantime',
    label: 'Ban time',
    kind: 'text',
    read: (s) => formatDuration(s.bantime),
    parse: duration('bantime', true),
    hint: 'how long a ban lasts: 10m, 1h30m, 1d, 1w or permanent',
  },
  {
    id: 'findtime',
    label: 'Find time',
    kind: 'text',
    read: (s) => formatDuration(s.findtime),
    parse: duration('findtime', false),
    hint: 'the window in which maxretry failures lead to a ban: 10m, 1h, 1d',
  },
  {
    id: 'maxretry',
    label: 'Max retries',
    kind: 'text',
    read: (s) => String(s.maxretry),
    parse: (text, s) => wholeNumber('maxretry', false)(text, String(s.maxretry)),
    hint: 'failures within findtime that lead to a ban: a whole number >= 1',
  },
  {
    id: 'escalation.enabled',
    label: 'Escalation',
    kind: 'flag',
    choices: FLAG,
    read: (s) => onOff(s.escalation.enabled),
    parse: flag,
    hint: 'repeat offenders get longer bans (off: every ban lasts bantime)',
  },
  {
    id: 'escalation.factor',
    label: '  factor',
    kind: 'text',
    read: (s) => String(s.escalation.factor),
    parse: factor,
    hint: 'each further ban lasts the previous one times this: a number >= 1',
  },
  {
    id: 'escalation.multipliers',
    label: '  multipliers',
    kind: 'text',
    read: (s) => (s.escalation.multipliers ?? []).join(', '),
    parse: (text, s) => multipliers(text, (s.escalation.multipliers ?? []).join(', ')),
    hint: 'optional: bantime times these for the 1st, 2nd, ... ban, the last repeats (1, 4, 24); wins over factor',
  },
  {
    id: 'escalation.maxtime',
    label: '  max time',
    kind: 'text',
    read: (s) => formatDuration(s.escalation.maxtime),
    parse: duration('maxtime', false),
    hint: 'the longest an escalated ban lasts: 1d, 1w, 30d',
  },
  {
    id: 'escalation.permanent_after',
    label: '  permanent after',
    kind: 'text',
    read: (s) => (s.escalation.permanent_after === undefined ? '' : String(s.escalation.permanent_after)),
    parse: (text, s) => wholeNumber('permanent_after', true)(text, s.escalation.permanent_after === undefined ? '' : String(s.escalation.permanent_after)),
    hint: 'optional: after this many bans of an address the next one is permanent (a whole number >= 1)',
  },
  {
    id: 'escalation.scope',
    label: '  counted in',
    kind: 'choice',
    choices: ['jail', 'all'],
    read: (s) => s.escalation.scope,
    parse: scope,
    hint: 'earlier bans count in the same jail only (jail) or in every jail (all)',
  },
];

/** The next value of a flag or choice field (space). */
export function nextChoice(field: SettingsField, text: string): string {
  const choices = field.choices ?? [];
  const at = choices.indexOf(text.trim().toLowerCase());
  return choices[(at + 1) % choices.length] ?? text;
}
