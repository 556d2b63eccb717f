import { compileFilter, loadFilter, SHIPPED_FILTER_DIR } from '../engine/filter/index.js';
import { Jail } from '../engine/jail.js';
import { readLines } from '../engine/source/line-reader.js';

/** Options of `portcullis replay`. */
export interface ReplayOptions {
  filter: string;
  maxretry: number;
  /** Seconds. */
  findtime: number;
  /** Seconds a replayed ban lasts (failures of a banned IP are not counted); -1 is permanent. */
  bantime: number;
  now?: () => number;
  filterDirs?: string[];
}

/** A ban `replay` would have made. */
export interface ReplayBan {
  time: number;
  host: string;
  failures: number;
  lines: string[];
}

/** What replaying a log found. */
export interface ReplayResult {
  lines: number;
  failures: number;
  bans: ReplayBan[];
  /** Matches whose host was not an IP. */
  hostnames: number;
}

/**
 * Replays a historical log on its own timestamps through the filter and a fail counter and
 * returns, in order, the bans that would have been made. Lines without a date take the time of
 * the failure before, so the replay never jumps to the present.
 */
export async function replayLog(logfile: string, options: ReplayOptions): Promise<ReplayResult> {
  const dirs = options.filterDirs ?? [];
  const filter = compileFilter(loadFilter(options.filter, [...dirs, SHIPPED_FILTER_DIR]), { now: options.now });
  const jail = new Jail(filter.name, filter, { maxretry: options.maxretry, findtime: options.findtime * 1000 });
  const bannedUntil = new Map<string, number>();
  const isBanned = (ip: string, time: number): boolean => {
    const until = bannedUntil.get(ip);
    return until !== undefined && (until < 0 || time < until);
  };
  const result: ReplayResult = { lines: 0, failures: 0, bans: [], hostnames: 0 };
  let lastTime = 0;
  const stats = await readLines(logfile, (line) => {
    for (const event of jail.processLine(line, lastTime, isBanned)) {
      if (event.type === 'hostname') {
        result.hostnames++;
      } else if (event.type === 'failure') {
        result.failures++;
        lastTime = Math.max(lastTime, event.time);
      } else {
        const { request } = event;
        result.bans.push({ time: request.time, host: request.ip, failures: request.failures, lines: request.lines });
        bannedUntil.set(request.ip, options.bantime < 0 ? -1 : request.time + options.bantime * 1000);
      }
    }
  });
  result.lines = stats.lines;
  return result;
}

/** The `--json` form: `{"bans":[{"time","host","failures"}]}`. */
export function replayToJson(result: ReplayResult): string {
  const bans = result.bans.map((b) => ({ time: new Date(b.time).toISOString(), host: b.host, failures: b.failures }));
  return `${JSON.stringify({ bans })}\n`;
}

/** The human form: one line per ban, then totals. */
export function replayToText(result: ReplayResult, options: ReplayOptions): string {
  const rows = result.bans.map((b) => `${new Date(b.time).toISOString()}  ban ${b.host.padEnd(39)} after ${b.failures} failures`);
  rows.push(
    '',
    `${result.lines} lines, ${result.failures} failures, ${result.bans.length} bans ` +
      `(filter ${options.filter}, maxretry ${options.maxretry}, findtime ${options.findtime}s)`,
  );
  if (result.hostnames) rows.push(`${result.hostnames} matches named a host that is not an IP; they are never banned`);
  return `${rows.join('\n')}\n`;
}
