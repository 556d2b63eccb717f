import { formatDuration } from '../../../domain/index.js';
import { duration, flag, FLAG, onOff, unset, wholeNumber, type FieldParse, type SettingsField } from './settings-field.js';
import { NETWORK_FIELDS } from './settings-network-fields.js';

export { SETTINGS_FIELD_IDS, type FieldParse, type FieldValue, type SettingsField, type SettingsFieldId } from './settings-field.js';

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
    group: 'Repeat offenders',
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
  ...NETWORK_FIELDS,
];

/** The next value of a flag or choice field (space). */
export function nextChoice(field: SettingsField, text: string): string {
  const choices = field.choices ?? [];
  const at = choices.indexOf(text.trim().toLowerCase());
  return choices[(at + 1) % choices.length] ?? text;
}

/** Each field's line in the form, counting the group titles above some of them. */
export const FIELD_LINES: readonly number[] = SETTINGS_FIELDS.reduce<number[]>((lines, field, i) => {
  const previous = i === 0 ? -1 : lines[i - 1]!;
  lines.push(previous + (field.group ? 2 : 1));
  return lines;
}, []);

/** The form's length in lines, group titles included. */
export const FORM_LINES = FIELD_LINES[FIELD_LINES.length - 1]! + 1;
