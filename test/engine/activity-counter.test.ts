import { describe, expect, it } from 'vitest';
import { ActivityCounter } from '../../src/engine/activity-counter.js';
import { ManualClock } from '../../src/engine/clock.js';

const MINUTE = 60_000;
const T0 = Date.UTC(2026, 10, 26, 12, 0, 0);

describe('ActivityCounter', () => {
  it('counts failures and bans per minute over the last hour, oldest first, current minute last', () => {
    const clock = new ManualClock(T0 + 10_000);
    const activity = new ActivityCounter(clock);
    activity.recordFailure('192.0.2.1', 'sshd');
    activity.recordFailure('192.0.2.1', 'sshd');
    clock.advanceTo(T0 + 2 * MINUTE + 5_000);
    activity.recordFailure('192.0.2.2', 'postfix');
    activity.recordBan('192.0.2.1', 'sshd');
    const report = activity.report();
    expect(report.minutes).toHaveLength(60);
    expect(report.minutes[59]).toEqual({ start: T0 + 2 * MINUTE, failures: 1, bans: 1 });
    expect(report.minutes[57]).toEqual({ start: T0, failures: 2, bans: 0 });
    expect(report.minutes[58]).toEqual({ start: T0 + MINUTE, failures: 0, bans: 0 });
    expect(report.minutes[0]!.start).toBe(T0 + 2 * MINUTE - 59 * MINUTE);
    expect(report.topIps).toEqual([
      { ip: '192.0.2.1', failures: 2, bans: 1 },
      { ip: '192.0.2.2', failures: 1, bans: 0 },
    ]);
    expect(report.topJails).toEqual([
      { jail: 'sshd', failures: 2, bans: 1 },
      { jail: 'postfix', failures: 1, bans: 0 },
    ]);
    expect(activity.failuresLastHour()).toBe(3);
  });

  it('forgets a minute once it is an hour old, even when its slot is not reused', () => {
    const clock = new ManualClock(T0);
    const activity = new ActivityCounter(clock);
    activity.recordFailure('192.0.2.1', 'sshd');
    clock.advanceTo(T0 + 59 * MINUTE);
    expect(activity.failuresLastHour()).toBe(1);
    clock.advanceTo(T0 + 60 * MINUTE);
    expect(activity.failuresLastHour()).toBe(0);
    expect(activity.report().topIps).toEqual([]);
    // The same slot an hour later starts from zero.
    activity.recordFailure('192.0.2.9', 'sshd');
    expect(activity.report().minutes[59]).toEqual({ start: T0 + 60 * MINUTE, failures: 1, bans: 0 });
    expect(activity.report().topIps).toEqual([{ ip: '192.0.2.9', failures: 1, bans: 0 }]);
  });

  it('keeps the top 10 addresses, and caps the addresses it tracks while the totals stay exact', () => {
    const clock = new ManualClock(T0);
    const activity = new ActivityCounter(clock, { maxAddresses: 15 });
    for (let i = 0; i < 20; i++) for (let n = 0; n <= i; n++) activity.recordFailure(`198.18.0.${i}`, 'sshd');
    const report = activity.report();
    expect(report.minutes[59]!.failures).toBe(210);
    expect(report.topJails).toEqual([{ jail: 'sshd', failures: 210, bans: 0 }]);
    expect(report.topIps).toHaveLength(10);
    // Only the first 15 addresses were tracked: the top one is the 15th.
    expect(report.topIps[0]).toEqual({ ip: '198.18.0.14', failures: 15, bans: 0 });
    // An hour later the cap frees up again.
    clock.advanceTo(T0 + 60 * MINUTE);
    activity.recordFailure('198.18.0.99', 'sshd');
    expect(activity.report().topIps).toEqual([{ ip: '198.18.0.99', failures: 1, bans: 0 }]);
  });

  it('frees the address cap from minutes over an hour old, even when their slots are not reused', () => {
    const clock = new ManualClock(T0);
    const activity = new ActivityCounter(clock, { maxAddresses: 2 });
    activity.recordFailure('192.0.2.1', 'sshd');
    activity.recordFailure('192.0.2.2', 'sshd');
    // Slot 61 minutes later is not the slot of T0: only the cap's own clean-up frees it.
    clock.advanceTo(T0 + 61 * MINUTE);
    activity.recordFailure('192.0.2.3', 'sshd');
    expect(activity.report().topIps).toEqual([{ ip: '192.0.2.3', failures: 1, bans: 0 }]);
  });
});
