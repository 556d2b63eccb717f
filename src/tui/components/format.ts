import { formatDuration } from '../../config/index.js';

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

const CONTROL = /[\x00-\x1f\x7f-\x9f]/g;

/**
 * Text from logs made safe to draw: control characters (ESC above all: a log line must never
 * move the cursor, recolour or retitle the operator's terminal) shown as `\xNN` escapes, tabs
 * as a space.
 */
export function printable(text: string): string {
  CONTROL.lastIndex = 0;
  if (!CONTROL.test(text)) return text;
  return text.replace(CONTROL, (c) => (c === '\t' ? ' ' : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`));
}

/** `text` made printable and cut or padded to exactly `width` columns (an ellipsis marks a cut). */
export function fit(raw: string, width: number): string {
  if (width <= 0) return '';
  const text = printable(raw);
  if (text.length > width) return width === 1 ? '…' : `${text.slice(0, width - 1)}…`;
  return text.padEnd(width);
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}
