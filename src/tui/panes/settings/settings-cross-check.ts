import type { Settings } from '../../../config/index.js';
import { subnetWidthProblem } from '../../../domain/index.js';
import type { FieldView, SettingsFieldId } from './settings-field.js';

/** The value a field will have once saved: its valid draft, else the value in force. */
function effective(views: readonly FieldView[], id: SettingsFieldId, settings: Settings): unknown {
  const view = views.find((v) => v.field.id === id)!;
  if (view.parsed) return view.parsed.ok ? view.parsed.value : undefined;
  const inForce = view.field.parse(view.inForce, settings);
  return inForce.ok ? inForce.value : undefined;
}

/**
 * The rules between fields, as the config file checks them: with subnet bans on, a subnet must
 * be wider than the bans it gathers. The problem goes on the edited field that made it (the
 * subnet's prefix, else the ban prefix, else the on/off switch), so the row shows `!` and `w`
 * saves nothing.
 */
export function crossCheck(views: FieldView[], settings: Settings): FieldView[] {
  if (effective(views, 'subnets.enabled', settings) !== true) return views;
  for (const key of ['ipv4_prefix', 'ipv6_prefix'] as const) {
    const subnet = effective(views, `subnets.${key}`, settings);
    const ban = effective(views, key, settings);
    if (typeof subnet !== 'number' || typeof ban !== 'number') continue;
    const problem = subnetWidthProblem(key, subnet, ban);
    if (!problem) continue;
    const blamed = ([`subnets.${key}`, key, 'subnets.enabled'] as const).map((id) => views.findIndex((v) => v.field.id === id)).find((i) => views[i]!.changed);
    if (blamed === undefined) continue;
    const message = `with subnet bans on, subnets.${key} (${subnet}) ${problem}`;
    views = views.map((view, i) => (i === blamed ? { ...view, parsed: { ok: false, message }, changed: true } : view));
  }
  return views;
}
