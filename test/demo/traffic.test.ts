import ipaddr from 'ipaddr.js';
import { describe, expect, it } from 'vitest';
import { DEMO_RANGES, makeAddressPool } from '../../src/demo/addresses.js';
import { demoRandom, mulberry32 } from '../../src/demo/random.js';
import { attackBurst, DEMO_SERVICES, noiseLine, normalSession, syslogTime } from '../../src/demo/traffic.js';
import { compileFilter, loadFilter, SHIPPED_FILTER_DIR, type CompiledFilter } from '../../src/engine/filter/index.js';

const inDemoRanges = (ip: string) => {
  const addr = ipaddr.parse(ip);
  return DEMO_RANGES.some((range) => {
    const [net, bits] = ipaddr.parseCIDR(range);
    return net.kind() === addr.kind() && addr.match(net, bits);
  });
};

/** A fresh compile per use: the sshd filter remembers connections, which must not link the cases. */
const filterFor = (name: string, now: number): CompiledFilter => compileFilter(loadFilter(name, [SHIPPED_FILTER_DIR]), { now: () => now });

describe('demo random and address pool', () => {
  it('mulberry32 repeats for one seed and differs across seeds', () => {
    const a = mulberry32(42), b = mulberry32(42), c = mulberry32(43);
    const xs = Array.from({ length: 5 }, () => a());
    expect(Array.from({ length: 5 }, () => b())).toEqual(xs);
    expect(Array.from({ length: 5 }, () => c())).not.toEqual(xs);
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
  });

  it('draws ~30 distinct attackers and separate normal clients, all in documentation ranges, IPv6 too', () => {
    for (const seed of [1, 2, 3, 99]) {
      const pool = makeAddressPool(demoRandom(seed));
      const attackers = pool.attackers.map((a) => a.ip);
      expect(attackers.length).toBeGreaterThanOrEqual(28);
      expect(new Set([...attackers, ...pool.normal]).size).toBe(attackers.length + pool.normal.length);
      for (const ip of [...attackers, ...pool.normal]) expect(inDemoRanges(ip), ip).toBe(true);
      expect(attackers.some((ip) => ip.includes(':'))).toBe(true);
      expect(pool.normal.some((ip) => ip.includes(':'))).toBe(true);
      for (const kind of ['repeat', 'burst', 'single'] as const) expect(pool.attackers.some((a) => a.kind === kind)).toBe(true);
    }
  });
});

describe('demo traffic against the shipped filters', () => {
  const time = new Date(2026, 10, 26, 13, 45, 1).getTime(); // local time, as the logs write it
  const pool = makeAddressPool(demoRandom(5));
  const ips = [...pool.attackers.map((a) => a.ip)];

  it('writes syslog dates as syslog does (blank-padded day, local time)', () => {
    expect(syslogTime(new Date(2026, 10, 6, 9, 5, 7).getTime())).toBe('Nov  6 09:05:07');
  });

  for (const service of DEMO_SERVICES) {
    it(`${service}: every attack line is a failure of the attacker's address, dated when written`, () => {
      const random = demoRandom(11);
      let lines = 0;
      for (const ip of ips) {
        const filter = filterFor(service, time);
        for (const make of attackBurst(service, ip, 6, random)) {
          const line = make(time);
          const result = filter.matchLine(line, 0);
          expect(result, line).toMatchObject({ kind: 'failure', ip: ipaddr.parse(ip).toString() });
          if (result.kind === 'failure') expect(Math.abs(result.time - time), line).toBeLessThan(1000);
          lines++;
        }
      }
      expect(lines).toBe(ips.length * 6);
    });

    it(`${service}: normal sessions and noise never count as failures`, () => {
      const random = demoRandom(12);
      const filter = filterFor(service, time);
      for (let i = 0; i < 200; i++) {
        const makers = i % 5 === 4 ? [noiseLine(service, random)] : normalSession(service, random.pick(pool.normal), random);
        for (const make of makers) {
          const line = make(time);
          expect(filter.matchLine(line, time).kind, line).not.toBe('failure');
        }
      }
    });
  }
});
