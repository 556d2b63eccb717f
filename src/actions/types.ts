/**
 * A ban as the notifier sees it. The engine's `BanRecord` has this shape; it is declared here so
 * that actions depend on nothing in the engine.
 */
export interface BanNotice {
  /** Canonical IP, or a CIDR for a manual ban of a range. */
  ip: string;
  /** The jail that made the ban, or `manual`. */
  jail: string;
  /** Epoch ms. */
  bannedAt: number;
  /** Epoch ms, or null for a permanent ban. */
  expiresAt: number | null;
  /** Which ban of this address this is (1 for the first). */
  count: number;
  /** The matched log lines (or the operator's words): untrusted text, never interpreted. */
  reason: string[];
}

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
