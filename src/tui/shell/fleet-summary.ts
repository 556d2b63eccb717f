import type { StatusResult } from '../../control/protocol.js';
import { formatDuration } from '../../domain/index.js';

/** The fleet link's state in the header: `fleet: up, lag 0.2s` or `fleet: down, 12 queued`. */
export function fleetSummary(fleet: NonNullable<StatusResult['fleet']>): { text: string; down: boolean } {
  const queued = fleet.queued > 0 ? `, ${fleet.queued.toLocaleString('en-US')} queued` : '';
  // Down, it reconnects by itself: what the operator wants to see is what waits to go out.
  if (fleet.link !== 'connected') return { text: `fleet: down, ${fleet.queued.toLocaleString('en-US')} queued`, down: true };
  return { text: `fleet: up, lag ${lagText(fleet.lagSeconds)}${queued}`, down: false };
}

/** 0.2s under ten seconds, whole seconds under a minute, then 2m5s. */
function lagText(seconds: number): string {
  if (seconds < 10) return `${seconds.toFixed(1)}s`;
  if (seconds < 60) return `${Math.round(seconds)}s`;
  return formatDuration(Math.round(seconds));
}
