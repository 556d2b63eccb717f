import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../domain/atomic-write.js';
import type { Validators } from './fetch.js';

/** The last good list of one blocklist, as kept in the state dir. */
export interface SavedList {
  v4: string[];
  v6: string[];
  validators: Validators;
  /** When it was downloaded (ms since the epoch). */
  refreshedAt: number;
}

/** `<stateDir>/blocklists/<name>.json`: loaded at start so a restart needs no download. */
export function listFile(stateDir: string, name: string): string {
  return path.join(stateDir, 'blocklists', `${name}.json`);
}

export function saveList(stateDir: string, name: string, list: SavedList): void {
  mkdirSync(path.dirname(listFile(stateDir, name)), { recursive: true });
  writeFileAtomic(listFile(stateDir, name), `${JSON.stringify(list)}\n`);
}

/** The saved list, or null when there is none or it cannot be read. */
export function loadList(stateDir: string, name: string): SavedList | null {
  try {
    const data = JSON.parse(readFileSync(listFile(stateDir, name), 'utf8')) as SavedList;
    if (!Array.isArray(data.v4) || !Array.isArray(data.v6) || typeof data.refreshedAt !== 'number') return null;
    return data;
  } catch {
    return null;
  }
}
