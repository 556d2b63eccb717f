import type { BanRecord } from '../engine/types.js';

/** A ban as the notifier sees it: the engine's record (its `reason` lines are untrusted text). */
export type BanNotice = BanRecord;

/** Severities the notifier reports with; a subset of the engine log's levels. */
export type NotifierLogLevel = 'INFO' | 'NOTICE' | 'WARNING' | 'ERROR';

/** Where the notifier reports what it sent, held back or failed to send. Messages are single lines. */
export type NotifierLog = (level: NotifierLogLevel, message: string) => void;

/** The timer functions the notifier uses, injectable so tests can drive time. */
export interface NotifierTimers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Timers that do not keep the process alive: a pending digest must not hold up an exit. */
export const unrefTimers: NotifierTimers = {
  setTimeout(callback, ms) {
    const handle = setTimeout(callback, ms);
    handle.unref();
    return handle;
  },
  clearTimeout(handle) {
    clearTimeout(handle as ReturnType<typeof setTimeout>);
  },
};
