import type { LogEntry, LogLevel } from '../../../engine/engine-log.js';
import { clampCursor, moveCursor, type ListCursor } from '../../components/list-cursor.js';

/** Levels from least to most severe; the level filter shows the chosen one and above. */
export const LEVELS: readonly LogLevel[] = ['DEBUG', 'INFO', 'NOTICE', 'WARNING', 'ERROR'];

export interface LogsState extends ListCursor {
  /** Keeps the newest entry in view as entries arrive; any movement pauses it, `f` or End resumes. */
  follow: boolean;
  minLevel: LogLevel;
  /** Only this jail's entries (null: all, `-` the engine's own). */
  jail: string | null;
  /** The address whose ban is being explained. */
  why: string | null;
}

export type LogsAction =
  | { type: 'move'; step: number; length: number; height: number }
  | { type: 'clamp'; length: number; height: number }
  | { type: 'follow'; on: boolean; length: number; height: number }
  | { type: 'level' }
  | { type: 'jail'; jails: string[] }
  | { type: 'why'; ip: string | null };

export const INITIAL_LOGS_STATE: LogsState = { cursor: 0, top: 0, follow: true, minLevel: 'INFO', jail: null, why: null };

export function logsReducer(state: LogsState, action: LogsAction): LogsState {
  switch (action.type) {
    case 'move': {
      const moved = moveCursor(state, action.step, action.length, action.height);
      // Moving up pauses; reaching the end again resumes following.
      return { ...state, ...moved, follow: moved.cursor >= action.length - 1 };
    }
    case 'clamp': {
      const target = state.follow ? { cursor: action.length - 1, top: action.length - action.height } : state;
      const next = clampCursor(target, action.length, action.height);
      return next.cursor === state.cursor && next.top === state.top ? state : { ...state, ...next };
    }
    case 'follow':
      return { ...state, follow: action.on, ...(action.on ? clampCursor({ cursor: action.length - 1, top: action.length }, action.length, action.height) : {}) };
    case 'level':
      return { ...state, minLevel: LEVELS[(LEVELS.indexOf(state.minLevel) + 1) % LEVELS.length]! };
    case 'jail': {
      const choices = [null, ...action.jails];
      const at = choices.indexOf(state.jail);
      return { ...state, jail: choices[(at + 1) % choices.length] ?? null };
    }
    case 'why':
      return { ...state, why: action.ip };
  }
}

/** The entries shown: at or above the level, of the jail, containing the search text. */
export function visibleEntries(entries: readonly LogEntry[], state: LogsState, search: string): LogEntry[] {
  const min = LEVELS.indexOf(state.minLevel);
  const needle = search.trim().toLowerCase();
  return entries.filter(
    (e) => LEVELS.indexOf(e.level) >= min && (state.jail === null || e.jail === state.jail) && (!needle || e.message.toLowerCase().includes(needle) || (e.jail ?? '').includes(needle)),
  );
}

/** The address an entry is about (a ban, an unban, a trusted match), if it names one. */
export function bannedAddressOf(entry: LogEntry | undefined): string | null {
  return entry?.ip ?? null;
}
