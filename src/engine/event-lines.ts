import { banLength, SUBNET_JAIL } from '../domain/index.js';
import type { BanEvent } from './ban-manager.js';
import type { EngineLog } from './engine-log.js';
import type { GlobFollowEvent } from './source/glob-follower.js';

// The engine log's line for each event: what recidive reads and the operator sees.

/** Logs a ban manager event: "Ban 192.0.2.1 (5 failures, 10m, ban #1)", "Unban ...", ... */
export function logBanEvent(log: EngineLog, event: BanEvent): void {
  if (event.type === 'ban') {
    const r = event.record;
    const length = `${banLength(r)}, ban #${r.count}`;
    // A subnet ban's first reason line says why: "subnet 203.0.113.0/24: 5 addresses banned within 1h".
    const why = r.origin !== undefined ? `from ${r.origin}, ${length}` : r.jail === 'manual' ? `manual, ${length}`
      : r.jail === SUBNET_JAIL && r.reason[0] ? `${r.reason[0]}; ${length}` : `${r.reason.length} failures, ${length}`;
    log.notice(r.jail, `${event.extended ? 'Ban extended' : 'Ban'} ${r.ip} (${why})`, r.ip);
  } else if (event.type === 'unban') {
    log.notice(event.jail, `Unban ${event.ip} (${event.reason})`, event.ip);
  } else if (event.type === 'refused' && event.jail === SUBNET_JAIL) {
    log.warning(event.jail, `Subnet ${event.ip} not banned: ${event.reason}`, event.ip);
  } else if (event.type === 'refused') {
    log.notice(event.jail, `Trusted ${event.ip} (${event.range}), not banned`, event.ip);
  } else if (event.type === 'overlap') {
    log.warning(event.jail, `Ban ${event.ip} holds trusted ${event.ranges.join(', ')}: those stay allowed`, event.ip);
  } else if (event.type === 'resynced') {
    log.notice(null, `Firewall put right after ${event.attempts} failed ${event.attempts === 1 ? 'try' : 'tries'}: it holds the ${event.count} bans in force again`);
  } else if (event.type === 'restored') {
    log.info(null, `Restored ${event.count} bans to the firewall in one step (${event.dropped} expired or trusted, dropped)`);
  } else {
    log.error(null, event.message);
  }
}

/** Logs what happened to a followed file: gone, rotated, appeared, drained, or an error. */
export function logSourceEvent(log: EngineLog, jail: string, source: string, event: GlobFollowEvent): void {
  if (event.type === 'error') log.error(jail, `${source}: ${event.message}`);
  else if (event.type === 'missing' && event.never) log.warning(jail, `${source}: no such file; the jail waits for it to appear`);
  else if (event.type === 'missing') log.warning(jail, `${source} is gone; waiting for it to come back`);
  else if (event.type === 'rotated') log.info(jail, `${source} was rotated (${event.how})`);
  else if (event.type === 'appeared') log.info(jail, `${source} appeared`);
  else if (event.type === 'drained') log.info(jail, `${source} was rotated while stopped: read its last ${event.lines} lines from ${event.file}`);
}
