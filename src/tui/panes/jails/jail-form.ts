import { ACTION_NAMES, checkDuration, JAIL_NAME } from '../../../domain/index.js';
import type { CommandInput } from '../../../control/protocol.js';
import type { FilterChoice } from '../../../control/protocol-results.js';
import { matchFilters, movePick, pickedFilter } from './filter-picker.js';

/** The add-a-jail form's fields, in the order Tab walks them. */
export const FORM_FIELDS = ['name', 'filter', 'logpath', 'maxretry', 'findtime', 'bantime', 'actions'] as const;
/** One of the add form's {@link FORM_FIELDS}. */
export type FormField = (typeof FORM_FIELDS)[number];

/** Field titles, padded to one width in the form. */
export const FIELD_TITLES: Record<FormField, string> = {
  name: 'Name',
  filter: 'Filter',
  logpath: 'Log files',
  maxretry: 'Max retry',
  findtime: 'Find time',
  bantime: 'Ban time',
  actions: 'Actions',
};

/** The add-a-jail form: what is typed, which field has the cursor, and what is wrong. */
export interface JailForm {
  values: Record<FormField, string>;
  field: FormField;
  /** Problems found as the fields are typed (cheap checks only). */
  errors: Partial<Record<FormField, string>>;
  /** The engine's answer when it refused the jail; cleared by the next edit. */
  refusal: string | null;
  /** The request is on its way. */
  busy: boolean;
  /** Which of the filters matching the typed filter text is picked (←/→ move it). */
  pick: number;
}

/** What the cheap checks need to know: the jails there are, and the filters to pick from (null while they are read). */
export interface FormContext {
  jailNames: readonly string[];
  filters: readonly FilterChoice[] | null;
}

/** A fresh form: nothing typed, so every filter matches and the first one is picked. */
export function newJailForm(): JailForm {
  const values: Record<FormField, string> = { name: '', filter: '', logpath: '', maxretry: '', findtime: '', bantime: '', actions: '' };
  return { values, field: 'name', errors: {}, refusal: null, busy: false, pick: 0 };
}

/** Splits a comma separated field into its trimmed, non-empty parts. */
export function commaList(text: string): string[] {
  return text
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '');
}

/** Checks one field as it is typed; an empty optional field is fine (the global setting applies). */
export function checkField(field: FormField, text: string, context: FormContext): string | null {
  const value = text.trim();
  switch (field) {
    case 'name':
      if (!value) return null;
      if (!JAIL_NAME.test(value)) return 'a jail name uses only letters, digits, "_", "." and "-"';
      return context.jailNames.includes(value) ? `jail "${value}" exists already` : null;
    case 'filter':
      if (!value || !context.filters) return null;
      return matchFilters(context.filters, value).length ? null : `no filter name contains "${value}"`;
    case 'logpath':
      return null;
    case 'maxretry':
      if (!value) return null;
      return /^\d+$/.test(value) && Number(value) >= 1 && Number.isSafeInteger(Number(value)) ? null : 'max retry must be a whole number >= 1';
    case 'findtime':
      if (!value) return null;
      return checkDuration(value).ok ? null : 'find time must be a duration: 600, 10m, 1h30m, 1d';
    case 'bantime':
      if (!value) return null;
      return checkDuration(value, { allowPermanent: true }).ok ? null : 'ban time must be a duration (600, 10m, 1h, 1d, 1w) or "permanent"';
    case 'actions': {
      const unknown = commaList(value).filter((action) => !(ACTION_NAMES as readonly string[]).includes(action));
      return unknown.length ? `unknown action ${unknown.map((a) => `"${a}"`).join(', ')} (known: ${ACTION_NAMES.join(', ')})` : null;
    }
  }
}

/** The form with one field changed and checked again. */
export function editField(form: JailForm, field: FormField, text: string, context: FormContext): JailForm {
  const error = checkField(field, text, context);
  const errors = { ...form.errors };
  if (error) errors[field] = error;
  else delete errors[field];
  // What is typed in the filter field searches: the best match is picked again.
  return { ...form, values: { ...form.values, [field]: text }, errors, refusal: null, pick: field === 'filter' ? 0 : form.pick };
}

/** The form with the next (or previous) matching filter picked. */
export function stepPick(form: JailForm, step: number, context: FormContext): JailForm {
  const count = context.filters ? matchFilters(context.filters, form.values.filter).length : 0;
  return { ...form, pick: movePick(form.pick, step, count), refusal: null };
}

/** The field `step` places after (or before) the current one, wrapping around. */
export function nextField(field: FormField, step: number): FormField {
  const i = FORM_FIELDS.indexOf(field);
  return FORM_FIELDS[(i + step + FORM_FIELDS.length) % FORM_FIELDS.length]!;
}

/** The `jail-add` request the form makes. */
export type JailAddRequest = { command: 'jail-add' } & CommandInput<'jail-add'>;

/** The form as a `jail-add` request, or the first field that is wrong or missing and why. */
export function formRequest(form: JailForm, context: FormContext): { request: JailAddRequest } | { field: FormField; error: string } {
  const v = form.values;
  for (const field of FORM_FIELDS) {
    const error = checkField(field, v[field], context);
    if (error) return { field, error };
  }
  if (!v.name.trim()) return { field: 'name', error: 'give the jail a name' };
  if (!context.filters) return { field: 'filter', error: 'the filters are still being read' };
  const filter = pickedFilter(context.filters, v.filter, form.pick);
  if (!filter) return { field: 'filter', error: 'pick a filter (type to search, ←/→ to choose)' };
  const logpath = commaList(v.logpath);
  if (logpath.length === 0) return { field: 'logpath', error: 'give at least one log file (comma separated)' };
  // By name when its name finds it, else by its path (a stock fail2ban filter behind a shipped one).
  const request: JailAddRequest = { command: 'jail-add', name: v.name.trim(), filter: filter.use, logpath };
  if (v.maxretry.trim()) request.maxretry = Number(v.maxretry.trim());
  if (v.findtime.trim()) request.findtime = durationValue(v.findtime);
  if (v.bantime.trim()) request.bantime = durationValue(v.bantime);
  const actions = commaList(v.actions);
  if (actions.length) request.actions = actions as JailAddRequest['actions'];
  return { request };
}

/** Whole seconds as a number, anything else ("10m", "permanent") as typed. */
function durationValue(text: string): number | string {
  const value = text.trim();
  return /^-?\d+$/.test(value) ? Number(value) : value;
}
