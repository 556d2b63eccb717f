import { displayWidth, truncateWidth } from '../../domain/display-width.js';
import { formatDuration } from '../../domain/index.js';
import { printable } from '../../domain/printable.js';

/** `13:45:01` today, `Nov 24 13:45` before. */
export function formatTime(epochMs: number, now: number): string {
  const date = new Date(epochMs);
  const today = new Date(now);
  const hms = `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
  if (date.toDateString() === today.toDateString()) return hms;
  const month = date.toLocaleString('en-US', { month: 'short' });
  return `${month} ${String(date.getDate()).padStart(2, ' ')} ${hms.slice(0, 5)}`;
}

/** Time left of a ban: `9m12s`, `permanent`, `expiring`. */
export function formatLeft(expiresAt: number | null, now: number): string {
  if (expiresAt === null) return 'permanent';
  const seconds = Math.ceil((expiresAt - now) / 1000);
  if (seconds <= 0) return 'expiring';
  if (seconds >= 3600) return formatDuration(Math.round(seconds / 60) * 60);
  return formatDuration(seconds);
}

// The console draws only through these: log text can never steer the terminal, and columns are
// counted in display width (CJK and emoji take two), not UTF-16 units.
export { printable } from '../../domain/printable.js';
export { displayWidth, fitWidth as fit, truncateWidth } from '../../domain/display-width.js';

/**
 * A file path made printable and shortened to at most `width` columns from its start, whole
 * folders at a time, so the file name stays: `…/filter.d/sshd.conf`. A file name that does not
 * fit alone is cut at its end (`nginx-http-…`). Not padded.
 */
export function shortenPath(raw: string, width: number): string {
  const text = printable(raw);
  if (displayWidth(text) <= width) return text;
  const parts = text.split('/');
  let kept = parts.pop() ?? '';
  if (displayWidth(`…/${kept}`) > width) return truncateWidth(kept, width);
  while (parts.length > 0 && displayWidth(`…/${parts[parts.length - 1]}/${kept}`) <= width) kept = `${parts.pop()}/${kept}`;
  return `…/${kept}`;
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}
