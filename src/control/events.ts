import type { EngineEvent } from '../engine/engine.js';
import type { LogEntry } from '../engine/engine-log.js';

/** What the `firewall` event says: rules applied (with the deadline), confirmed, or rolled back. */
export type FirewallEventData =
  | { state: 'applied'; deadline: number }
  | { state: 'confirmed' }
  /** `stopped`: the engine stopped with rules unconfirmed, and no one is left to time them out. */
  | { state: 'rolled-back'; reason: 'timeout' | 'request' | 'stopped' };

/** What the `config` event says: which run-time edit was made (`name`: the jail or filter). */
export interface ConfigEventData {
  change: 'jail' | 'reload' | 'settings' | 'jail-add' | 'jail-remove' | 'firewall-draft' | 'filter-save';
  name?: string;
}

/**
 * Every event the service pushes, by name: the engine's own (named by their `type`: `ban`,
 * `unban`, `failure`, `refused`, `restored`, ...), `log` (one engine log entry), `firewall`,
 * `config`, and on the client side `dropped` (events lost to a slow reader) and `closed` (the
 * connection ended).
 */
export type EventMap = { [T in EngineEvent['type']]: Extract<EngineEvent, { type: T }> } & {
  log: LogEntry;
  firewall: FirewallEventData;
  config: ConfigEventData;
  dropped: { count: number };
  closed: { message: string };
};

/** An event's name. */
export type EventName = keyof EventMap;

/** One event with its data, discriminated on `event`. */
export type ServiceEvent = { [E in EventName]: { event: E; data: EventMap[E] } }[EventName];

/** An engine event as the service pushes it: its `type` is its name. */
export function engineEvent(event: EngineEvent): ServiceEvent {
  return { event: event.type, data: event } as ServiceEvent;
}
