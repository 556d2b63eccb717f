import { describe, expect, it } from 'vitest';
import { normalizeIp } from '../../src/engine/filter/index.js';

describe('normalizeIp', () => {
  it.each([
    ['IPv4', '192.0.2.1', '192.0.2.1'],
    ['IPv4 edge values', '255.255.255.255', '255.255.255.255'],
    ['IPv6 compressed stays compressed', '2001:db8::1', '2001:db8::1'],
    ['IPv6 full form is compressed', '2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
    ['IPv6 upper case is lower-cased', '2001:DB8::ABCD', '2001:db8::abcd'],
    ['IPv6 loopback', '::1', '::1'],
    ['IPv4-mapped IPv6 is its IPv4', '::ffff:198.18.0.1', '198.18.0.1'],
    ['IPv4-mapped IPv6 in hex is its IPv4', '::ffff:c612:1', '198.18.0.1'],
    ['bracketed IPv6', '[2001:db8::2]', '2001:db8::2'],
    ['bracketed mapped IPv6', '[::ffff:192.0.2.9]', '192.0.2.9'],
  ])('%s: %s -> %s', (_name, text, ip) => {
    expect(normalizeIp(text)).toBe(ip);
  });

  it('gives the same answer the second time (cache)', () => {
    expect(normalizeIp('2001:0db8::0001')).toBe('2001:db8::1');
    expect(normalizeIp('2001:0db8::0001')).toBe('2001:db8::1');
    expect(normalizeIp('999.1.1.1')).toBeNull();
    expect(normalizeIp('999.1.1.1')).toBeNull();
  });

  it.each([
    ['an out-of-range IPv4', '999.1.1.1'],
    ['a time of day', '10:00:00'],
    ['a hostname', 'mail.example.com'],
    ['a single-label hostname', 'localhost'],
    ['a bare number', '3232235777'],
    ['three parts', '192.168.1'],
    ['a hex IPv4', '0x7f.0.0.1'],
    ['an empty string', ''],
    ['empty brackets', '[]'],
    ['too many IPv6 groups', '1:2:3:4:5:6:7:8:9'],
  ])('%s (%s) is null', (_name, text) => {
    expect(normalizeIp(text)).toBeNull();
  });
});
