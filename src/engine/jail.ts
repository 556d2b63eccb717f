import type { CompiledFilter } from './filter/index.js';
import type { LineResult } from './filter/types.js';
import { FailCounter, type BanRequest } from './fail-counter.js';
import { prefixOf, SINGLE_ADDRESS, type PrefixLengths } from '../net/index.js';

/** What one line did in a jail. */
export type JailEvent =
  // ip: what the failure counts under (the address, or its network with a prefix); address: the
  // address in the line, when that differs.
  | { type: 'failure'; jail: string; ip: string; time: number; line: string; user?: string; count: number; address?: string }
  | { type: 'ban-request'; request: BanRequest }
  /** A failure whose host is a name, not an IP: reported, never counted or banned. */
  | { type: 'hostname'; jail: string; host: string; time: number; line: string };

/** What the jail reads of a line the filter found a failure in. */
export type FailureVerdict = Pick<Extract<LineResult, { kind: 'failure' }>, 'host' | 'ip' | 'time' | 'user'>;

/** Thresholds of a jail, durations in ms. */
export interface JailLimits {
  maxretry: number;
  findtime: number;
  /** Failures are counted, and bans asked for, per network of these lengths (default: per address). */
  prefixes?: PrefixLengths;
}

/**
 * One filter and one fail counter. It turns lines into events and leaves bans to its caller:
 * whether an address is trusted or already banned is the ban manager's business.
 */
export class Jail {
  private readonly counter: FailCounter;

  constructor(
    readonly name: string,
    readonly filter: CompiledFilter,
    private readonly limits: JailLimits,
  ) {
    this.counter = new FailCounter({ jail: name, ...limits });
  }

  /**
   * Runs one line through the filter and the counter. `readTime` (the clock) dates a line
   * without a date, and keeps a failure dated ahead of it from expiring other addresses' counts.
   * `skip` tells addresses whose failures must not count (banned or trusted, say).
   */
  processLine(line: string, readTime: number, skip?: (ip: string, time: number) => boolean): JailEvent[] {
    const result = this.filter.matchLine(line, readTime);
    return this.processResult(result.kind === 'failure' ? result : null, line, readTime, skip);
  }

  /** {@link processLine} with the filter's verdict already known (matched on another thread); null: no failure. */
  processResult(result: FailureVerdict | null, line: string, readTime: number, skip?: (ip: string, time: number) => boolean): JailEvent[] {
    if (!result) return NONE;
    if (result.ip === null) return [{ type: 'hostname', jail: this.name, host: result.host, time: result.time, line }];
    const ip = this.keyOf(result.ip);
    if (skip?.(ip, result.time)) return NONE;
    const request = this.counter.add(ip, result.time, line, Math.max(readTime, 0));
    const failure: JailEvent = {
      type: 'failure',
      jail: this.name,
      ip,
      time: result.time,
      line,
      count: request ? request.failures : this.counter.count(ip, result.time),
    };
    if (result.user !== undefined) failure.user = result.user;
    if (ip !== result.ip) failure.address = result.ip;
    return request ? [failure, { type: 'ban-request', request }] : [failure];
  }

  /**
   * Counts failures read before a restart again (from the store), oldest first. Returns the ban
   * requests they make, which only happens when `maxretry` was lowered meanwhile.
   */
  restore(failures: readonly { ip: string; time: number; line: string }[], now: number): BanRequest[] {
    const requests: BanRequest[] = [];
    for (const failure of failures) {
      const request = this.counter.add(this.keyOf(failure.ip), failure.time, failure.line, now);
      if (request) requests.push(request);
    }
    return requests;
  }

  /** The failures being counted now, for a checkpoint of the jail's state. */
  failures(): { ip: string; time: number; line: string }[] {
    return [...this.counter.failures()];
  }

  /**
   * What failures of an address are counted under: the address, or its network when a prefix is
   * set (an IPv6 host owns a /64 and can fail from a fresh address every time).
   */
  keyOf(ip: string): string {
    const prefixes = this.limits.prefixes ?? SINGLE_ADDRESS;
    if (prefixes.ipv4 === 32 && prefixes.ipv6 === 128) return ip;
    return prefixOf(ip, prefixes);
  }

  /** The counting window, ms. */
  get findtime(): number {
    return this.limits.findtime;
  }

  /** Addresses with failures being counted. */
  get tracked(): number {
    return this.counter.size;
  }
}

const NONE: JailEvent[] = [];
