import asciichart from 'asciichart';
import type { ActivityMinute } from '../../../engine/activity-counter.js';

/**
 * Failures and bans per minute as an asciichart plot, `width` columns wide at most (older
 * minutes are left out when the terminal is narrow) and `height` rows high.
 */
export function activityChart(minutes: readonly ActivityMinute[], width: number, height: number, colour: boolean): string {
  const labelWidth = 8;
  const points = Math.max(2, Math.min(minutes.length, width - labelWidth - 1));
  const shown = minutes.slice(-points);
  const failures = shown.map((m) => m.failures);
  const bans = shown.map((m) => m.bans);
  const max = Math.max(1, ...failures, ...bans);
  return asciichart.plot([failures, bans], {
    height: Math.max(2, height - 1),
    min: 0,
    max,
    // Small counts get a decimal, so the axis does not repeat the same whole number.
    format: (x: number) => x.toFixed(max < 10 ? 1 : 0).padStart(labelWidth - 2),
    ...(colour ? { colors: [asciichart.yellow, asciichart.red] } : {}),
  });
}
