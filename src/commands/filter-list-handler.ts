import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { FILTER_NAME, type CommandHandlers, type FilterChoice, type FilterListResult } from '../control/index.js';
import { resolveFilterPath, SHIPPED_FILTER_DIR } from '../engine/filter/index.js';
import type { JailFilterPlace } from '../engine/jail-filter.js';
import type { DaemonParts } from './daemon-parts.js';

/** `filter-list`: the filters the add-a-jail form offers. */
export function filterListHandler(parts: DaemonParts): Pick<CommandHandlers, 'filter-list'> {
  return { 'filter-list': async () => listFilterChoices(parts.engine.filterPlace()) };
}

/**
 * Every `.conf` filter in the folders a jail's filter may come from (the shared `common.conf`s
 * left out), in the order a name is looked up, fail2ban's stock folder last. A file that its
 * name would not find (a stock `sshd.conf` behind the shipped one) is offered by its path.
 */
export function listFilterChoices(place: JailFilterPlace): FilterListResult {
  const shipped = path.resolve(SHIPPED_FILTER_DIR);
  const originOf = (dir: string): FilterChoice['origin'] => (dir === shipped ? 'shipped' : dir === place.stockDir ? 'fail2ban' : 'yours');
  const folders: FilterListResult['folders'] = [];
  const filters: FilterChoice[] = [];
  for (const dir of place.folders) {
    const present = existsSync(dir);
    folders.push({ path: dir, origin: originOf(dir), present });
    if (!present) continue;
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      continue; // a folder that cannot be read offers nothing
    }
    for (const file of names.filter((n) => n.endsWith('.conf') && !n.endsWith('common.conf') && !n.startsWith('.')).sort()) {
      const name = file.slice(0, -'.conf'.length);
      const full = path.join(dir, file);
      filters.push({ name, path: full, origin: originOf(dir), use: findsByName(name, full, place) ? name : full });
    }
  }
  return { folders, filters };
}

function findsByName(name: string, file: string, place: JailFilterPlace): boolean {
  try {
    return FILTER_NAME.test(name) && resolveFilterPath(name, [...place.searchDirs]) === file;
  } catch {
    return false;
  }
}
