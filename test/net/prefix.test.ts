import { describe, expect, it } from 'vitest';
import { prefixOf, SINGLE_ADDRESS } from '../../src/net/index.js';

describe('prefixOf', () => {
  it('keys an IPv6 address by its network and leaves IPv4 alone under the defaults of a /64 setting', () => {
    const p = { ipv4: 32, ipv6: 64 };
    expect(prefixOf('2001:db8:1:2::5', p)).toBe('2001:db8:1:2::/64');
    expect(prefixOf('2001:db8:1:2:ffff:1:2:3', p)).toBe('2001:db8:1:2::/64');
    expect(prefixOf('2001:db8:1:3::5', p)).toBe('2001:db8:1:3::/64');
    expect(prefixOf('198.18.7.9', p)).toBe('198.18.7.9');
  });

  it('widens IPv4 when ipv4_prefix asks, and keeps a range already as wide', () => {
    expect(prefixOf('198.18.7.9', { ipv4: 24, ipv6: 128 })).toBe('198.18.7.0/24');
    expect(prefixOf('198.18.0.0/16', { ipv4: 24, ipv6: 128 })).toBe('198.18.0.0/16');
    expect(prefixOf('2001:db8::/32', { ipv4: 32, ipv6: 64 })).toBe('2001:db8::/32');
  });

  it('changes nothing with single-address lengths, and refuses text that is not an address', () => {
    expect(prefixOf('2001:db8::5', SINGLE_ADDRESS)).toBe('2001:db8::5');
    expect(() => prefixOf('evil.example', SINGLE_ADDRESS)).toThrow(/not an IP address/);
  });
});
