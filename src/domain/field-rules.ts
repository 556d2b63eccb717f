// The rules a field's value must follow, the same in the config file, the control protocol and
// the console's forms: one definition each.

/** Names a jail may list in `actions`. */
export const ACTION_NAMES = ['firewall', 'email'] as const;
/** One of {@link ACTION_NAMES}. */
export type ActionName = (typeof ACTION_NAMES)[number];

/** Jail names end up in firewall set names and file names, so keep them plain. */
export const JAIL_NAME = /^[A-Za-z0-9_.-]+$/;

/** The jail subnet bans (`[settings.subnets]`) are made in; no configured jail may take the name. */
export const SUBNET_JAIL = 'subnet';

/** Filter names: plain file names in filter.d (`<name>.conf`), never a path nor a hidden file. */
export const FILTER_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

/**
 * A filter file named by its absolute path (one of fail2ban's stock `filter.d` files, say):
 * `.conf` or `.local`, no control characters.
 */
export const FILTER_FILE = /^\/[^\x00-\x1f\x7f]*\.(?:conf|local)$/;

/** Names a filter option may have (`mode` in fail2ban's `filter = sshd[mode=aggressive]`). */
export const FILTER_OPTION_NAME = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** The least value of each whole-number or factor field (`maxretry = 0` would ban on sight). */
export const FIELD_MINIMUM = { maxretry: 1, factor: 1, permanent_after: 1 } as const;
