import { banLength } from '../domain/index.js';
import type { BatchSummary } from './ban-batch.js';
import { escapeText, headerText } from './email-text.js';
import type { BanNotice } from './types.js';

/** Subject and plain-text body of one message; both are safe to hand to the mailer as they are. */
export interface MailText {
  subject: string;
  text: string;
}

/** What a message says besides the bans themselves. */
export interface MessageContext {
  /** The host that made the bans, named in the subject. */
  hostname: string;
  /** Bans left out of mail since the previous message because of the hourly limit. */
  heldBack: number;
  /** `max_per_hour`, quoted when `heldBack` is not 0. */
  maxPerHour: number;
}

/** Sampled bans whose matched lines a digest quotes. */
const DIGEST_DETAILED = 5;
/** Matched lines a digest quotes per ban. */
const DIGEST_LINES = 3;

const FOOTER = [
  '',
  '-- ',
  'Sent by portcullis. Log lines are quoted as inert text: control characters are shown as',
  '\\xHH or \\uHHHH escapes (a backslash as \\\\), long lines are cut, and nothing in them was run.',
];

/** The message for one ban: what happened (jail, address, length, count) and why (the matched lines). */
export function formatBanMessage(ban: BanNotice & { omittedLines?: number }, ctx: MessageContext): MailText {
  const ip = escapeText(ban.ip, 64);
  const jail = escapeText(ban.jail, 64);
  // headerText escapes the raw values itself: escaping twice would double every backslash.
  const subject = headerText(`[portcullis ${ctx.hostname}] ${ban.jail}: banned ${ban.ip} (${banLength(ban)}, ban #${ban.count})`);
  const lines = [
    `portcullis on ${escapeText(ctx.hostname, 100)} banned ${ip}.`,
    '',
    `  Jail:        ${jail}`,
    `  Address:     ${ip}`,
    `  Banned at:   ${isoTime(ban.bannedAt)}`,
    `  Ban length:  ${banLength(ban)}${ban.expiresAt === null ? '' : `, until ${isoTime(ban.expiresAt)}`}`,
    `  Ban count:   ${ban.count} (bans of this address so far, this one included)`,
    '',
    ...why(ban, ban.reason.length + (ban.omittedLines ?? 0)),
    ...heldBackNote(ctx),
    ...FOOTER,
  ];
  return { subject, text: `${lines.join('\n')}\n` };
}

/** One message for many bans: counts per jail, the top addresses, a list, and some matched lines. */
export function formatDigestMessage(batch: BatchSummary, ctx: MessageContext): MailText {
  const jails = batch.byJail.slice(0, 3).map(({ jail, bans }) => `${jail} ${bans}`).join(', ');
  const more = batch.byJail.length > 3 ? ', ...' : '';
  const subject = headerText(`[portcullis ${ctx.hostname}] ${batch.total} bans (${jails}${more})`);

  const jailWidth = Math.max(4, ...batch.byJail.map(({ jail }) => escapeText(jail, 64).length));
  const ipWidth = Math.max(7, ...batch.top.map(({ ip }) => escapeText(ip, 64).length));
  const lines = [
    `portcullis on ${escapeText(ctx.hostname, 100)} made ${batch.total} bans of ${batch.addresses} addresses`,
    `between ${isoTime(batch.firstAt)} and ${isoTime(batch.lastAt)}; they are gathered into one message.`,
    '',
    'Bans by jail:',
    ...batch.byJail.map(({ jail, bans }) => `  ${escapeText(jail, 64).padEnd(jailWidth)}  ${bans}`),
    '',
    'Top addresses (bans in this message, jails, highest ban number, length of the latest ban):',
    ...batch.top.map(
      (a) =>
        `  ${escapeText(a.ip, 64).padEnd(ipWidth)}  ${String(a.bans).padStart(4)}x  ${a.jails.map((j) => escapeText(j, 64)).join(',')}`
        + `  ban #${a.highestCount}  ${banLength(a.latest)}`,
    ),
    '',
    `Bans (the first ${batch.samples.length} of ${batch.total}):`,
    ...batch.samples.map(
      (ban) => `  ${isoTime(ban.bannedAt)}  ${escapeText(ban.jail, 64).padEnd(jailWidth)}  ${escapeText(ban.ip, 64)}  ban #${ban.count}  ${banLength(ban)}`,
    ),
    ...(batch.total > batch.samples.length ? [`  ... and ${batch.total - batch.samples.length} more (the engine log lists every ban)`] : []),
    '',
    `Matched log lines of the first ${Math.min(DIGEST_DETAILED, batch.samples.length)} bans (at most ${DIGEST_LINES} each):`,
  ];
  for (const ban of batch.samples.slice(0, DIGEST_DETAILED)) {
    lines.push('', `${escapeText(ban.jail, 64)} ${escapeText(ban.ip, 64)}:`);
    lines.push(...quote(ban.reason.slice(0, DIGEST_LINES), ban.reason.length + ban.omittedLines));
  }
  lines.push(...heldBackNote(ctx), ...FOOTER);
  return { subject, text: `${lines.join('\n')}\n` };
}

export { banLength };

/** "Why": how many lines matched, then the lines. */
function why(ban: BanNotice, totalLines: number): string[] {
  if (totalLines === 0) return ['Why: no log lines were recorded for this ban.'];
  return [`Why: ${totalLines} log line${totalLines === 1 ? '' : 's'} matched:`, '', ...quote(ban.reason, totalLines)];
}

/** Log lines quoted one per line behind "  | ", so none can pass for the message's own text. */
function quote(reason: string[], totalLines: number): string[] {
  const left = totalLines - reason.length;
  return [
    ...reason.map((line) => `  | ${escapeText(line)}`),
    ...(left > 0 ? [`  ... and ${left} more line${left === 1 ? '' : 's'}`] : []),
  ];
}

function heldBackNote(ctx: MessageContext): string[] {
  if (ctx.heldBack === 0) return [];
  return [
    '',
    `Note: ${ctx.heldBack} earlier ban${ctx.heldBack === 1 ? ' was' : 's were'} not mailed: the limit of ${ctx.maxPerHour}`,
    'messages per hour ([notify.email] max_per_hour) was reached. The engine log lists every ban.',
  ];
}

function isoTime(ms: number): string {
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? String(ms) : date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
