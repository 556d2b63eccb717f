import type { PaneId } from '../contexts.js';

/** Tab titles, short enough that all eight fit in 80 columns (the header spaces them closer there). */
export const PANE_TITLES: Record<PaneId, string> = {
  bans: 'Banned',
  trusted: 'Trusted',
  jails: 'Jails',
  logs: 'Logs',
  settings: 'Settings',
  firewall: 'Firewall',
  activity: 'Activity',
  blocklists: 'Lists',
};
