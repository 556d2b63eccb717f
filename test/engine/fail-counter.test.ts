import { describe, expect, it } from 'vitest';
import { FailCounter } from '../../src/engine/fail-counter.js';

const S = 1000;
const MIN = 60 * S;
const T0 = Date.UTC(2026, 10, 24, 10);

const counter = (maxretry = 3, findtime = 10 * MIN, maxEntries?: number): FailCounter =>
  new FailCounter({ jail: 'sshd', maxretry, findtime, ...(maxEntries === undefined ? {} : { maxEntries }) });

describe('FailCounter: bans', () => {
  it('asks for a ban when maxretry failures fall within findtime, with their lines', () => {
    const c = counter(3);
    expect(c.add('192.0.2.1', T0, 'line 1')).toBeNull();
    expect(c.add('192.0.2.1', T0 + 1 * MIN, 'line 2')).toBeNull();
    expect(c.count('192.0.2.1', T0 + 1 * MIN)).toBe(2);
    expect(c.add('192.0.2.1', T0 + 2 * MIN, 'line 3')).toEqual({
      jail: 'sshd',
      ip: '192.0.2.1',
      time: T0 + 2 * MIN,
      failures: 3,
      lines: ['line 1', 'line 2', 'line 3'],
    });
  });

  it('counts each IP on its own', () => {
    const c = counter(2);
    expect(c.add('192.0.2.1', T0, 'a')).toBeNull();
    expect(c.add('192.0.2.2', T0 + S, 'b')).toBeNull();
    expect(c.add('2001:db8::1', T0 + 2 * S, 'c')).toBeNull();
    expect(c.add('192.0.2.2', T0 + 3 * S, 'd')?.ip).toBe('192.0.2.2');
    expect(c.count('192.0.2.1', T0 + 3 * S)).toBe(1);
  });

  it('bans at once with maxretry 1', () => {
    expect(counter(1).add('192.0.2.1', T0, 'x')).toMatchObject({ failures: 1, lines: ['x'] });
  });

  it('never bans failures spread wider than findtime', () => {
    const c = counter(3, 10 * MIN);
    for (let i = 0; i < 50; i++) {
      // Every 5 min 1 s: at most two failures fit in any 10-minute window.
      expect(c.add('192.0.2.1', T0 + i * (5 * MIN + S), `line ${i}`)).toBeNull();
    }
    expect(c.count('192.0.2.1', T0 + 49 * (5 * MIN + S))).toBe(2);
  });

  it('bans as soon as the last maxretry failures fit in findtime, with only those lines', () => {
    const c = counter(3, 10 * MIN);
    expect(c.add('192.0.2.1', T0, 'old')).toBeNull();
    expect(c.add('192.0.2.1', T0 + 8 * MIN, 'a')).toBeNull();
    expect(c.add('192.0.2.1', T0 + 12 * MIN, 'b')).toBeNull();
    const ban = c.add('192.0.2.1', T0 + 13 * MIN, 'c');
    expect(ban).toMatchObject({ failures: 3, lines: ['a', 'b', 'c'] });
  });

  it('restarts the count after a ban', () => {
    const c = counter(3);
    c.add('192.0.2.1', T0, 'a');
    c.add('192.0.2.1', T0 + S, 'b');
    expect(c.add('192.0.2.1', T0 + 2 * S, 'c')).not.toBeNull();
    expect(c.count('192.0.2.1', T0 + 2 * S)).toBe(0);
    expect(c.add('192.0.2.1', T0 + 3 * S, 'd')).toBeNull();
    expect(c.count('192.0.2.1', T0 + 3 * S)).toBe(1);
    expect(c.add('192.0.2.1', T0 + 4 * S, 'e')).toBeNull();
    expect(c.add('192.0.2.1', T0 + 5 * S, 'f')).toMatchObject({ failures: 3, lines: ['d', 'e', 'f'] });
  });

  it('forget drops an IP', () => {
    const c = counter(3);
    c.add('192.0.2.1', T0, 'a');
    c.add('192.0.2.1', T0 + S, 'b');
    c.forget('192.0.2.1');
    expect(c.size).toBe(0);
    expect(c.add('192.0.2.1', T0 + 2 * S, 'c')).toBeNull();
  });

  it('configure changes maxretry for later failures', () => {
    const c = counter(5);
    c.add('192.0.2.1', T0, 'a');
    c.configure({ maxretry: 2, findtime: 10 * MIN });
    expect(c.add('192.0.2.1', T0 + S, 'b')).toMatchObject({ failures: 2 });
  });

  it('cuts lines longer than 1000 characters', () => {
    const long = `${'x'.repeat(1500)}END`;
    const ban = counter(1).add('192.0.2.1', T0, long);
    const kept = ban!.lines[0]!;
    expect(kept.startsWith('x'.repeat(1000))).toBe(true);
    expect(kept.length).toBeLessThanOrEqual(1001);
    expect(kept).not.toContain('END');
    expect(counter(1).add('192.0.2.1', T0, 'y'.repeat(1000))!.lines[0]).toBe('y'.repeat(1000));
  });
});

describe('FailCounter: memory', () => {
  it('evictOlderThan drops IPs whose newest failure is at or before the cutoff', () => {
    const c = counter(5);
    c.add('192.0.2.1', T0, 'a');
    c.add('192.0.2.2', T0 + 5 * S, 'b');
    c.add('192.0.2.3', T0 + 9 * S, 'c');
    c.add('192.0.2.1', T0 + 10 * S, 'a again');
    c.evictOlderThan(T0 + 5 * S);
    expect(c.size).toBe(2);
    expect(c.count('192.0.2.2', T0 + 10 * S)).toBe(0);
    expect(c.count('192.0.2.1', T0 + 10 * S)).toBe(2);
    expect(c.count('192.0.2.3', T0 + 10 * S)).toBe(1);
  });

  it('stays bounded under a flood of 100,000 distinct IPs over an hour (findtime 10 min)', () => {
    const findtime = 10 * MIN;
    const c = counter(5, findtime);
    const total = 100_000;
    const step = (60 * MIN) / total; // 36 ms
    const times: number[] = [];
    let oldestInWindow = 0;
    let maxSize = 0;
    let bans = 0;
    for (let i = 0; i < total; i++) {
      const time = T0 + Math.floor(i * step);
      times.push(time);
      const ip = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
      if (c.add(ip, time, 'flood') !== null) bans++;
      // IPs seen within the last findtime: those whose failure is after now - findtime.
      while (times[oldestInWindow]! <= time - findtime) oldestInWindow++;
      const inWindow = i + 1 - oldestInWindow;
      if (c.size > inWindow) {
        throw new Error(`after ${i + 1} IPs, size ${c.size} > ${inWindow} seen in the last 10 minutes`);
      }
      maxSize = Math.max(maxSize, c.size);
    }
    expect(bans).toBe(0);
    expect(maxSize).toBeLessThanOrEqual(Math.ceil(findtime / step) + 1);
    expect(maxSize).toBeGreaterThan(10_000);
    expect(c.evictedByCap).toBe(0);
    c.evictOlderThan(T0 + 60 * MIN);
    expect(c.size).toBe(0);
  });

  it('keeps nothing of a flood of addresses banned within findtime, and bans each with the address it counted', () => {
    const c = counter(2, 60 * MIN);
    const queued = () => {
      const q = c as unknown as { queueIps: string[]; head: number };
      return q.queueIps.length - q.head;
    };
    let wrong = 0;
    for (let i = 0; i < 30_000; i++) {
      const ip = `198.18.${(i >> 8) & 255}.${i & 255}`;
      if (c.add(ip, T0 + i, 'first') !== null) wrong++;
      if (c.add(`${ip} `.trim(), T0 + i, 'second')?.ip !== ip) wrong++;
    }
    expect(wrong).toBe(0);
    expect(c.size).toBe(0);
    // The first failures of banned addresses are not held for the findtime (an hour here).
    expect(queued()).toBeLessThan(2 * 4096 + 2);
    // Still counting: an address seen once is kept, and evicted in time order.
    c.add('198.51.100.1', T0 + 200_000, 'one');
    expect(c.count('198.51.100.1', T0 + 200_000)).toBe(1);
    c.evictOlderThan(T0 + 200_000);
    expect(c.size).toBe(0);
  });

  it('caps the number of tracked IPs at maxEntries, dropping the stalest and counting it', () => {
    const c = counter(3, 10 * MIN, 3);
    c.add('192.0.2.1', T0, 'a');
    c.add('192.0.2.2', T0 + S, 'b');
    c.add('192.0.2.3', T0 + 2 * S, 'c');
    c.add('192.0.2.1', T0 + 3 * S, 'a2'); // now the freshest
    c.add('192.0.2.4', T0 + 4 * S, 'd');
    c.add('192.0.2.5', T0 + 5 * S, 'e');
    expect(c.size).toBe(3);
    expect(c.evictedByCap).toBe(2);
    expect(c.count('192.0.2.2', T0 + 5 * S)).toBe(0);
    expect(c.count('192.0.2.3', T0 + 5 * S)).toBe(0);
    expect(c.count('192.0.2.1', T0 + 5 * S)).toBe(2);
    expect(c.add('192.0.2.1', T0 + 6 * S, 'a3')).toMatchObject({ failures: 3 });
  });
});

describe('FailCounter with timestamps out of order', () => {
  it('does not count an old failure that arrives after a newer one', () => {
    const counter = new FailCounter({ jail: 'sshd', maxretry: 3, findtime: 600_000 });
    const hour = 3_600_000;
    expect(counter.add('198.18.0.1', 10 * hour, 'a')).toBeNull();
    expect(counter.add('198.18.0.1', 9 * hour, 'b')).toBeNull();
    expect(counter.add('198.18.0.1', 8 * hour, 'c')).toBeNull();
    expect(counter.count('198.18.0.1', 10 * hour)).toBe(1);
  });

  it('does not let one far-future failure expire every other address', () => {
    const counter = new FailCounter({ jail: 'sshd', maxretry: 3, findtime: 600_000 });
    const now = 1_000_000_000;
    counter.add('198.18.0.1', now, 'a', now);
    counter.add('198.18.0.1', now + 1000, 'b', now + 1000);
    counter.add('198.18.0.99', now + 100 * 86_400_000, 'far future', now + 2000);
    expect(counter.add('198.18.0.1', now + 3000, 'c', now + 3000)).toMatchObject({ ip: '198.18.0.1', failures: 3 });
  });
});
