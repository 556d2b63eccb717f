import { describe, expect, it } from 'vitest';
import { AddressSlots, checkAddress } from '../../src/net/index.js';

/** A repeatable stream of numbers (xorshift), so a failure can be replayed. */
function numbers(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

/** Canonical text of every kind a ban holds: IPv4, IPv6 (with and without zero runs), networks. */
function someAddress(random: () => number): string {
  const r = random();
  const n = (max: number) => Math.floor(random() * max);
  if (r < 0.4) return `198.${18 + n(2)}.${n(256)}.${n(256)}`;
  if (r < 0.5) return checkAddress(`198.18.${n(256)}.0/${16 + n(9)}`).text;
  if (r < 0.95) {
    const groups = Array.from({ length: 8 }, () => (random() < 0.4 ? 0 : n(0x10000)));
    groups[0] = 0x2001;
    groups[1] = 0xdb8;
    return checkAddress(groups.map((g) => g.toString(16)).join(':')).text;
  }
  return checkAddress(`2001:db8:${n(0x10000).toString(16)}::/48`).text;
}

describe('AddressSlots', () => {
  it('holds what a Set of the texts holds, gives each text back exactly, and reuses freed slots', () => {
    const random = numbers(7);
    const slots = new AddressSlots();
    const model = new Map<string, number>();
    for (let step = 0; step < 30_000; step++) {
      const text = someAddress(random);
      if (random() < 0.3) {
        const had = model.get(text);
        expect(slots.delete(text)).toBe(had ?? -1);
        model.delete(text);
      } else {
        const slot = slots.add(text);
        if (model.has(text)) expect(slot).toBe(model.get(text));
        model.set(text, slot);
      }
    }
    expect(slots.size).toBe(model.size);
    const seen = new Set<number>();
    for (const [text, slot] of model) {
      expect(slots.slotOf(text)).toBe(slot);
      expect(slots.textOf(slot)).toBe(text);
      expect(slots.holds(slot)).toBe(true);
      seen.add(slot);
    }
    // Every slot is one address's; freed ones were given again, so the slots stay few.
    expect(seen.size).toBe(model.size);
    expect(slots.slotLimit).toBeLessThan(model.size * 2);
  });

  it('writes an address as bytes just as its text, or nothing where it does not fit', () => {
    const slots = new AddressSlots();
    const out = Buffer.alloc(100, 0x2a);
    for (const text of ['0.0.0.0', '9.10.100.255', '255.255.255.255', '::', '1::', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', '2001:db8::a:0:0:1', '198.18.0.0/15', 'zoë']) {
      const slot = slots.add(text);
      const end = slots.writeText(slot, out, 3);
      expect(out.toString('utf8', 3, end)).toBe(text);
      // Where the longest text of its kind (an address kept as numbers: 39 bytes) would not fit:
      // nothing written.
      const room = /^[\d.:a-f]+$/.test(text) ? 39 : Buffer.byteLength(text);
      const short = Buffer.alloc(3 + room - 1, 0x2a);
      expect(slots.writeText(slot, short, 3)).toBe(-1);
      expect(short.every((b) => b === 0x2a)).toBe(true);
    }
  });

  it('keeps IPv6 zero runs as RFC 5952 writes them, and text it cannot rebuild as text', () => {
    const slots = new AddressSlots();
    for (const text of ['::', '::1', '1::', '2001:db8::1', '2001:db8:0:1:1:1:1:1', '2001:0:0:1::1', '2001:db8::1:0:0:1', '0.0.0.0', '255.255.255.255', '::ffff:1.2.3.4', '198.18.0.0/15', 'not an address']) {
      const slot = slots.add(text);
      expect(slots.textOf(slot)).toBe(text);
      expect(slots.slotOf(text)).toBe(slot);
    }
    // Every pattern of zero groups, written as checkAddress writes it, comes back the same.
    for (let mask = 0; mask < 256; mask++) {
      const text = checkAddress(Array.from({ length: 8 }, (_, i) => ((mask >> i) & 1 ? '0' : (0x1f0 * (i + 1)).toString(16))).join(':')).text;
      expect(slots.textOf(slots.add(text))).toBe(text);
    }
    expect(slots.slotOf('2001:db8:0:0:0:0:0:1')).toBe(-1);
    expect(slots.slotOf('198.018.0.1')).toBe(-1);
    expect(slots.delete('1::')).toBeGreaterThanOrEqual(0);
    expect(slots.has('1::')).toBe(false);
    expect(slots.has('::1')).toBe(true);
    slots.clear();
    expect(slots.size).toBe(0);
    expect(slots.has('::1')).toBe(false);
  });
});

describe('AddressSlots.addSingle', () => {
  it('adds one canonical address with its family, and nothing for any other text', () => {
    const slots = new AddressSlots();
    const v4 = slots.addSingle('198.18.0.1');
    const v6 = slots.addSingle('2001:db8::1');
    expect([slots.familyAt(v4), slots.familyAt(v6)]).toEqual([4, 6]);
    expect(slots.addSingle('198.18.0.1')).toBe(v4);
    for (const other of ['198.18.0.0/24', '2001:DB8::1', '2001:db8:0::1', '::ffff:198.18.0.1', '198.018.0.1', 'nonsense', '']) {
      expect(slots.addSingle(other)).toBe(-1);
    }
    expect(slots.size).toBe(2);
    const net = slots.add('198.18.0.0/24');
    expect(slots.familyAt(net)).toBe(0);
    expect(slots.textOf(v6)).toBe('2001:db8::1');
  });
});
