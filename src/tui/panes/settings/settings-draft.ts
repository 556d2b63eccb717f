import type { Settings } from '../../../config/index.js';
import { SETTINGS_FIELDS, type FieldParse, type SettingsField, type SettingsFieldId } from './settings-fields.js';

/** Edited text by field: only the fields the operator changed. */
export type SettingsDrafts = Partial<Record<SettingsFieldId, string>>;

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

/** How one field looks against the settings in force. */
export function viewField(field: SettingsField, settings: Settings, drafts: SettingsDrafts): FieldView {
  const inForce = field.read(settings);
  const draft = drafts[field.id];
  if (draft === undefined) return { field, inForce, draft, parsed: undefined, changed: false };
  const parsed = field.parse(draft, settings);
  return { field, inForce, draft, parsed, changed: !parsed.ok || parsed.text !== inForce };
}

/** Every field, in form order. */
export function viewFields(settings: Settings, drafts: SettingsDrafts): FieldView[] {
  return SETTINGS_FIELDS.map((field) => viewField(field, settings, drafts));
}

/** Drafts with those that say what is in force already left out. */
export function pruneDrafts(settings: Settings, drafts: SettingsDrafts): SettingsDrafts {
  const kept: SettingsDrafts = {};
  for (const view of viewFields(settings, drafts)) if (view.changed && view.draft !== undefined) kept[view.field.id] = view.draft;
  return kept;
}

/** The `settings` patch of the drafts, or what stops them being saved. */
export type SettingsPatchResult =
  | { ok: true; patch: Record<string, unknown>; fields: SettingsFieldId[] }
  | { ok: false; problems: { id: SettingsFieldId; message: string }[] };

/** Builds one patch from every changed field; nothing at all when any of them is not valid. */
export function buildPatch(settings: Settings, drafts: SettingsDrafts): SettingsPatchResult {
  const patch: Record<string, unknown> = {};
  const escalation: Record<string, unknown> = {};
  const fields: SettingsFieldId[] = [];
  const problems: { id: SettingsFieldId; message: string }[] = [];
  for (const view of viewFields(settings, drafts)) {
    if (!view.changed || !view.parsed) continue;
    if (!view.parsed.ok) {
      problems.push({ id: view.field.id, message: view.parsed.message });
      continue;
    }
    if (view.parsed.value === undefined) continue;
    fields.push(view.field.id);
    const [head, key] = view.field.id.split('.') as [string, string | undefined];
    if (key === undefined) patch[head] = view.parsed.value;
    else escalation[key] = view.parsed.value;
  }
  if (problems.length > 0) return { ok: false, problems };
  if (Object.keys(escalation).length > 0) patch['escalation'] = escalation;
  return { ok: true, patch, fields };
}

/** True when saving the drafts turns intrusion detection off (the save asks first). */
export function turnsDetectionOff(settings: Settings, drafts: SettingsDrafts): boolean {
  const draft = drafts.enabled;
  return settings.enabled && draft !== undefined && draft.trim().toLowerCase() === 'off';
}
