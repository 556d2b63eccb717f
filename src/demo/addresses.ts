import type { DemoRandom } from './random.js';

/**
 * The only ranges the demo takes addresses from: IPv4 benchmarking (RFC 2544) and documentation
 * (RFC 5737) ranges and the IPv6 documentation prefix (RFC 3849). None of them is routed on the
 * Internet, so a demo ban can never be mistaken for, or hit, a real host.
 */
export const DEMO_RANGES = ['198.18.0.0/15', '203.0.113.0/24', '198.51.100.0/24', '192.0.2.0/24', '2001:db8::/32'] as const;

/** How an attacker of the pool behaves. */
export type AttackerKind =
  /** Comes back every few seconds: banned again and again, each ban longer (escalation, recidive). */
  | 'repeat'
  /** One burst of failures now and then: banned, expires, and only much later comes back. */
  | 'burst'
  /** One failure at a time, never enough to be banned (a user with a typo). */
  | 'single';

/** One address of the attacker pool. */
export interface DemoAttacker {
  ip: string;
  kind: AttackerKind;
  /** A repeat attacker that tries another service on each visit (cross-jail escalation). */
  roams: boolean;
}

/** Sizes of the pool; the defaults make the ~30 addresses the demo plays with. */
export interface PoolSizes {
  repeat: number;
  burst: number;
  single: number;
  normal: number;
}

/** The default {@link PoolSizes}. */
export const DEFAULT_POOL: PoolSizes = { repeat: 6, burst: 16, single: 8, normal: 12 };

/** Attackers and well-behaved clients, all distinct, all inside {@link DEMO_RANGES}. */
export interface AddressPool {
  attackers: DemoAttacker[];
  /** Clients that log in and send mail normally; never an attacker address. */
  normal: string[];
}

/**
 * Draws the pool. Attackers come from 198.18.0.0/15, 198.51.100.0/24 and 2001:db8:bad::/48;
 * normal clients from 203.0.113.0/24, 192.0.2.0/24 and 2001:db8:1::/48 (every fourth is IPv6).
 */
export function makeAddressPool(random: DemoRandom, sizes: PoolSizes = DEFAULT_POOL): AddressPool {
  const used = new Set<string>();
  const unique = (draw: () => string): string => {
    for (;;) {
      const ip = draw();
      if (!used.has(ip)) {
        used.add(ip);
        return ip;
      }
    }
  };
  const hex = () => random.int(1, 0xffff).toString(16);
  const attackerIp = (i: number) => unique(() => {
    if (i % 4 === 3) return `2001:db8:bad:${hex()}::${hex()}`;
    return i % 3 === 2 ? `198.51.100.${random.int(1, 254)}` : `198.${random.int(18, 19)}.${random.int(0, 255)}.${random.int(1, 254)}`;
  });
  const normalIp = (i: number) => unique(() => {
    if (i % 4 === 3) return `2001:db8:1::${hex()}`;
    return i % 2 === 0 ? `203.0.113.${random.int(1, 254)}` : `192.0.2.${random.int(2, 254)}`;
  });

  const attackers: DemoAttacker[] = [];
  let i = 0;
  for (let n = 0; n < sizes.repeat; n++) attackers.push({ ip: attackerIp(i++), kind: 'repeat', roams: n % 3 === 2 });
  for (let n = 0; n < sizes.burst; n++) attackers.push({ ip: attackerIp(i++), kind: 'burst', roams: false });
  for (let n = 0; n < sizes.single; n++) attackers.push({ ip: attackerIp(i++), kind: 'single', roams: false });
  const normal = Array.from({ length: sizes.normal }, (_, n) => normalIp(n));
  return { attackers, normal };
}
