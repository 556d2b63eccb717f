import type { Settings } from '../../../config/index.js';
import { crossCheck } from './settings-cross-check.js';
import type { FieldView } from './settings-field.js';
import { SETTINGS_FIELDS, type SettingsField, type SettingsFieldId } from './settings-fields.js';

export type { FieldView } from './settings-field.js';

/** Edited text by field: only the fields the operator changed. */
export type SettingsDrafts = Partial<Record<SettingsFieldId, string>>;

/** How one field looks against the settings in force, on its own. */
function viewField(field: SettingsField, settings: Settings, drafts: SettingsDrafts): FieldView {
  const inForce = field.read(settings);
  const draft = drafts[field.id];
  if (draft === undefined) return { field, inForce, draft, parsed: undefined, changed: false };
  const parsed = field.parse(draft, settings);
  return { field, inForce, draft, parsed, changed: !parsed.ok || parsed.text !== inForce };
}

/** Every field, in form order, each checked on its own and then against the others. */
export function viewFields(settings: Settings, drafts: SettingsDrafts): FieldView[] {
  return crossCheck(SETTINGS_FIELDS.map((field) => viewField(field, settings, drafts)), settings);
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
  const tables: Record<string, Record<string, unknown>> = {};
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
    else (tables[head] ??= {})[key] = view.parsed.value;
  }
  if (problems.length > 0) return { ok: false, problems };
  Object.assign(patch, tables);
  return { ok: true, patch, fields };
}

/** True when saving the drafts turns intrusion detection off (the save asks first). */
export function turnsDetectionOff(settings: Settings, drafts: SettingsDrafts): boolean {
  const draft = drafts.enabled;
  return settings.enabled && draft !== undefined && draft.trim().toLowerCase() === 'off';
}
