import type { ComponentType } from 'react';
import type { PaneId } from '../contexts.js';
import { ActivityPane } from './activity/activity-pane.js';
import { BansPane } from './bans/bans-pane.js';
import { BlocklistsPane } from './blocklists/blocklists-pane.js';
import { LogsPane } from './logs/logs-pane.js';
import type { PaneProps } from './pane-props.js';
import { TrustedPane } from './trusted/trusted-pane.js';
import { FirewallPane } from './firewall/firewall-pane.js';
import { JailsPane } from './jails/jails-pane.js';
import { SettingsPane } from './settings/settings-pane.js';

export type { PaneProps } from './pane-props.js';

/** Every pane by id, in tab order. */
export const PANES: Record<PaneId, ComponentType<PaneProps>> = {
  bans: BansPane,
  trusted: TrustedPane,
  jails: JailsPane,
  logs: LogsPane,
  settings: SettingsPane,
  firewall: FirewallPane,
  activity: ActivityPane,
  blocklists: BlocklistsPane,
};
