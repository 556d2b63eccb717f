import type { NetworkInterfaceInfo } from 'node:os';
import ipaddr from 'ipaddr.js';
import { describe, expect, it } from 'vitest';
import { rangesOverlap } from '../../src/net/index.js';
import { TrustedSet, type InterfaceLister } from '../../src/engine/trusted.js';
import { mulberry32 as random } from '../../bench/generate-auth-log.js';

function iface(address: string, family: 'IPv4' | 'IPv6'): NetworkInterfaceInfo {
  const base = { address, mac: '00:00:00:00:00:00', internal: false, cidr: null };
  return family === 'IPv4'
    ? { ...base, family, netmask: '255.255.255.0' }
    : { ...base, family, netmask: 'ffff:ffff:ffff:ffff::', scopeid: 0 };
}

const interfaces: InterfaceLister = () => ({
  lo: [iface('127.0.0.1', 'IPv4'), iface('::1', 'IPv6')],
  eth0: [iface('203.0.113.7', 'IPv4'), iface('2001:db8::7', 'IPv6'), iface('fe80::1', 'IPv6')],
});

const randomV4 = (r: () => number) => Array.from({ length: 4 }, () => Math.floor(r() * 256)).join('.');
const randomV6 = (r: () => number) =>
  // Few distinct high groups so that random addresses fall inside random ranges now and then.
  [Math.floor(r() * 4).toString(16), ...Array.from({ length: 7 }, () => Math.floor(r() * 65536).toString(16))].join(':');

function randomRange(r: () => number): string {
  if (r() < 0.8) return `${randomV4(r)}/${12 + Math.floor(r() * 21)}`;
  return `${randomV6(r)}/${4 + Math.floor(r() * 125)}`;
}

/** An address inside `range` (a random host of it), for lookups that hit. */
function inside(range: string, r: () => number): string {
  const [network, bits] = ipaddr.parseCIDR(range);
  const bytes = network.toByteArray();
  const prefix = bits;
  for (let i = 0; i < bytes.length; i++) {
    const keep = Math.max(0, Math.min(8, prefix - 8 * i));
    const mask = keep === 0 ? 0 : (0xff << (8 - keep)) & 0xff;
    bytes[i] = (bytes[i]! & mask) | (Math.floor(r() * 256) & ~mask & 0xff);
  }
  return ipaddr.fromByteArray(bytes).toString();
}

const LOOPBACK_CIDRS = ['127.0.0.0/8', '::1/128'];

describe('TrustedSet', () => {
  it('always trusts loopback, IPv4-mapped loopback and the machine own addresses', () => {
    const set = new TrustedSet({ interfaces });
    for (const ip of ['127.0.0.1', '127.255.0.9', '::1', '::ffff:127.0.0.1', '203.0.113.7', '2001:db8::7', 'fe80::1']) {
      expect(set.contains(ip), ip).toBe(true);
    }
    expect(set.contains('203.0.113.8')).toBe(false);
    expect(set.covering('203.0.113.7')).toEqual({ range: '203.0.113.7', origin: 'builtin', note: 'address of eth0' });
    expect(set.covering('127.0.0.1')).toEqual({ range: '127.0.0.0/8', origin: 'builtin', note: 'loopback' });
  });

  it('leaves own addresses out when told to, and re-reads them', () => {
    let addresses = [iface('198.51.100.1', 'IPv4')];
    const set = new TrustedSet({ interfaces: () => ({ eth0: addresses }) });
    expect(set.contains('198.51.100.1')).toBe(true);
    addresses = [iface('198.51.100.2', 'IPv4')];
    set.refreshOwnAddresses();
    expect(set.contains('198.51.100.1')).toBe(false);
    expect(set.contains('198.51.100.2')).toBe(true);
    expect(set.contains('127.0.0.1')).toBe(true);
    expect(new TrustedSet({ interfaces: null }).contains('198.51.100.2')).toBe(false);
  });

  it('matches config ranges of both families, IPv4-mapped addresses as IPv4', () => {
    const set = new TrustedSet({ interfaces: null, config: ['10.0.0.0/8', '192.0.2.5', '2001:db8:1::/48', '::ffff:198.51.100.0/120'] });
    expect(set.contains('10.200.3.4')).toBe(true);
    expect(set.contains('::ffff:10.1.2.3')).toBe(true);
    expect(set.contains('11.0.0.1')).toBe(false);
    expect(set.contains('192.0.2.5')).toBe(true);
    expect(set.contains('192.0.2.6')).toBe(false);
    expect(set.contains('2001:db8:1:ffff::1')).toBe(true);
    expect(set.contains('2001:db8:2::1')).toBe(false);
    // A mapped CIDR is stored as the IPv4 range it means.
    expect(set.contains('198.51.100.77')).toBe(true);
    expect(set.list().map((t) => t.range)).toContain('198.51.100.0/24');
    // A CIDR is contained only when all of it is.
    expect(set.contains('10.1.0.0/16')).toBe(true);
    expect(set.contains('10.0.0.0/7')).toBe(false);
  });

  it('reports the most specific covering range', () => {
    const set = new TrustedSet({ interfaces: null, config: ['10.0.0.0/8'] });
    set.add('10.1.0.0/16', 'runtime', 'office');
    expect(set.covering('10.1.2.3')).toEqual({ range: '10.1.0.0/16', origin: 'runtime', note: 'office' });
    expect(set.covering('10.2.2.3')?.range).toBe('10.0.0.0/8');
    expect(set.covering('8.8.8.8')).toBeUndefined();
  });

  it('adds and removes per origin, lists where each came from, keeps loopback', () => {
    const set = new TrustedSet({ interfaces: null, config: ['192.0.2.0/24'] });
    expect(set.add('192.0.2.0/24', 'runtime', 'also at run time')).toBe('192.0.2.0/24');
    expect(set.add('2001:DB8::0/32')).toBe('2001:db8::/32');
    expect(set.list()).toEqual([
      { range: '127.0.0.0/8', origin: 'builtin', note: 'loopback' },
      { range: '::1', origin: 'builtin', note: 'loopback' },
      { range: '192.0.2.0/24', origin: 'config', note: '' },
      { range: '192.0.2.0/24', origin: 'runtime', note: 'also at run time' },
      { range: '2001:db8::/32', origin: 'runtime', note: '' },
    ]);
    expect(set.remove('192.0.2.0/24')).toBe(true);
    expect(set.contains('192.0.2.1')).toBe(true); // the config still trusts it
    expect(set.remove('192.0.2.0/24', 'config')).toBe(true);
    expect(set.contains('192.0.2.1')).toBe(false);
    expect(set.remove('127.0.0.0/8')).toBe(false);
    expect(set.contains('127.0.0.1')).toBe(true);
    expect(set.remove('2001:db8::/32')).toBe(true);
    expect(set.contains('2001:db8::1')).toBe(false);
    expect(set.ranges()).toEqual(['127.0.0.0/8', '::1']);
  });

  it('replaces the config ranges on reload', () => {
    const set = new TrustedSet({ interfaces: null, config: ['192.0.2.0/24', '198.51.100.1'] });
    set.add('198.51.100.1', 'runtime');
    set.setConfig(['203.0.113.0/24']);
    expect(set.contains('192.0.2.1')).toBe(false);
    expect(set.contains('203.0.113.9')).toBe(true);
    expect(set.contains('198.51.100.1')).toBe(true); // still trusted at run time
  });

  it('finds ranges overlapping a CIDR either way', () => {
    const set = new TrustedSet({ interfaces: null, config: ['10.1.2.3', '2001:db8::/32'] });
    expect(set.overlapping('10.0.0.0/8').map((t) => t.range)).toEqual(['10.1.2.3']);
    expect(set.overlapping('10.1.2.3').map((t) => t.range)).toEqual(['10.1.2.3']);
    expect(set.overlapping('10.1.2.4')).toEqual([]);
    expect(set.overlapping('2001:db8:5::/48').map((t) => t.range)).toEqual(['2001:db8::/32']);
    expect(set.overlapping('0.0.0.0/0').map((t) => t.range).sort()).toEqual(['10.1.2.3', '127.0.0.0/8']);
    expect(rangesOverlap('10.0.0.0/8', '10.9.9.9')).toBe(true);
    expect(rangesOverlap('10.9.9.9', '10.0.0.0/8')).toBe(true);
    expect(rangesOverlap('10.0.0.0/8', '11.0.0.0/8')).toBe(false);
    expect(rangesOverlap('::ffff:10.0.0.1', '10.0.0.0/24')).toBe(true);
    expect(rangesOverlap('10.0.0.1', '::/0')).toBe(false);
  });

  it('rejects text that is not an address or CIDR', () => {
    const set = new TrustedSet({ interfaces: null });
    expect(() => set.add('10.0.0.300')).toThrow(/not an IP address or CIDR/);
    expect(() => set.contains('example.com')).toThrow(/not an IP address or CIDR/);
    expect(() => set.contains('010.0.0.1')).toThrow(/not an IP address or CIDR/);
  });

  it('agrees with a brute-force check on random data, before and after removals', () => {
    const r = random(42);
    const set = new TrustedSet({ interfaces: null });
    // Canonical and distinct, so that removing one range cannot leave a duplicate of it behind.
    let ranges = [...new Set(Array.from({ length: 10_000 }, () => set.add(randomRange(r), 'config')))].map((range) =>
      range.includes('/') ? range : `${range}/${range.includes(':') ? 128 : 32}`);
    const addresses = Array.from({ length: 3000 }, (_, i) =>
      i % 2 === 0 ? inside(ranges[Math.floor(r() * ranges.length)]!, r) : r() < 0.8 ? randomV4(r) : randomV6(r));
    addresses.push('127.0.0.1', '::1');
    const check = () => {
      const parsed = [...ranges, ...LOOPBACK_CIDRS].map((range) => ipaddr.parseCIDR(range));
      let hits = 0;
      for (const address of addresses) {
        const ip = ipaddr.parse(address);
        const brute = parsed.some(([net, bits]) => net.kind() === ip.kind() && ip.match(net, bits));
        expect(set.contains(address), address).toBe(brute);
        const covering = set.covering(address);
        if (!covering) continue;
        hits++;
        const [net, bits] = ipaddr.parseCIDR(covering.range.includes('/') ? covering.range : `${covering.range}/${ip.kind() === 'ipv4' ? 32 : 128}`);
        expect(ip.match(net, bits), `${address} in ${covering.range}`).toBe(true);
      }
      return hits;
    };
    expect(check()).toBeGreaterThan(1500);
    // Removing half the ranges leaves stale first-word probes behind: they must not match.
    const removed = new Set(ranges.filter(() => r() < 0.5));
    for (const range of removed) set.remove(range, 'config');
    ranges = ranges.filter((range) => !removed.has(range));
    expect(check()).toBeGreaterThan(700);
  });

  it('looks up fast with 10,000 ranges', () => {
    const r = random(7);
    const set = new TrustedSet({ interfaces: null });
    for (let i = 0; i < 10_000; i++) set.add(randomRange(r), 'config');
    const v4 = Array.from({ length: 1_000_000 }, () => randomV4(r));
    const v6 = Array.from({ length: 100_000 }, () => randomV6(r));
    for (let i = 0; i < 10_000; i++) set.contains(v4[i]!); // warm up the JIT
    let found = 0;
    let start = performance.now();
    for (const ip of v4) if (set.contains(ip)) found++;
    const v4Ms = performance.now() - start;
    start = performance.now();
    for (const ip of v6) if (set.contains(ip)) found++;
    const v6Ms = performance.now() - start;
    console.log(
      `TrustedSet, 10,000 ranges: 1,000,000 IPv4 lookups in ${v4Ms.toFixed(0)} ms (${((v4Ms * 1000) / 1e6).toFixed(2)} µs each); ` +
        `100,000 IPv6 lookups in ${v6Ms.toFixed(0)} ms (${((v6Ms * 1000) / 1e5).toFixed(2)} µs each); ${found} trusted`,
    );
    // Generous bounds: a shared CI machine is slower, but a linear scan would be ~1000x slower.
    expect(v4Ms).toBeLessThan(10_000);
    expect(v6Ms).toBeLessThan(10_000);
  });
});
