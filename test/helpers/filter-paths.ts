import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where the filter tests find things. */

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const FILTER_DIR = path.join(REPO_ROOT, 'filters');
export const SAMPLE_DIR = path.join(REPO_ROOT, 'test', 'samples');

/** The filters this project promises to ship, each with an annotated sample. */
export const REQUIRED_FILTERS = [
  'sshd', 'postfix', 'dovecot', 'proftpd', 'plesk-panel', 'recidive',
  'nginx-http-auth', 'apache-auth', 'wordpress', 'pure-ftpd', 'vsftpd',
] as const;

/** The Debian fail2ban package: its sample logs and its stock filters. */
export const FAIL2BAN_LOG_DIR = '/usr/lib/python3/dist-packages/fail2ban/tests/files/logs';
export const FAIL2BAN_FILTER_DIR = '/etc/fail2ban/filter.d';

/** fail2ban's TEST_NOW: 2005-08-14 12:00 CEST, the clock its samples' year-less dates assume. */
export const FAIL2BAN_TEST_NOW = 1124013600000;

/**
 * fail2ban's tests run under TZ=CET-01CEST-02,M3.5.0,M10.5.0. Node's ICU does not read POSIX TZ
 * strings and silently falls back to UTC, so we use the IANA zone that gives the same local time
 * for every annotated time of the samples we run (checked against Python's mktime under both).
 */
export const FAIL2BAN_TZ = 'Europe/Berlin';

/** Names of the shipped filters (fail2ban's rule: every `.conf` not ending in `common.conf`). */
export function shippedFilterNames(): string[] {
  if (!existsSync(FILTER_DIR)) return [];
  return readdirSync(FILTER_DIR)
    .filter((f) => f.endsWith('.conf') && !f.endsWith('common.conf'))
    .map((f) => f.slice(0, -'.conf'.length))
    .sort();
}

export function filterFile(name: string): string {
  return path.join(FILTER_DIR, `${name}.conf`);
}

export function sampleFile(name: string): string {
  return path.join(SAMPLE_DIR, `${name}.log`);
}
