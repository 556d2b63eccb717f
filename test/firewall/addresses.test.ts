import { describe, expect, it } from 'vitest';
import { isIpOrCidr } from '../../src/config/index.js';
import { checkAddress } from '../../src/net/index.js';

describe('checkAddress and isIpOrCidr agree', () => {
  const refused = ['fe80::1%eth0', '198.51.100.0/08', '198.51.100.0/+8', '10', '0x7f.0.0.1', '198.51.100.256', '2001:db8::/129', 'example.org'];
  it.each(refused)('refuses %s', (text) => {
    expect(() => checkAddress(text)).toThrow(`not an IP address or CIDR: ${JSON.stringify(text)}`);
    expect(isIpOrCidr(text)).toBe(false);
  });

  it('reads addresses and ranges to canonical text, IPv4-mapped IPv6 as IPv4, a range as its network', () => {
    expect(checkAddress('198.51.100.7')).toEqual({ text: '198.51.100.7', family: 4, prefix: 32 });
    expect(checkAddress('::ffff:198.51.100.7')).toEqual({ text: '198.51.100.7', family: 4, prefix: 32 });
    expect(checkAddress('198.51.100.77/24')).toEqual({ text: '198.51.100.0/24', family: 4, prefix: 24 });
    expect(checkAddress('2001:DB8:0::1/48')).toEqual({ text: '2001:db8::/48', family: 6, prefix: 48 });
    for (const text of ['198.51.100.7', '198.51.100.0/24', '2001:db8::/48', '::1']) expect(isIpOrCidr(text)).toBe(true);
  });

  it('takes spaces around an address typed on the command line, but a config value must not have them', () => {
    expect(checkAddress(' 198.51.100.7 ').text).toBe('198.51.100.7');
    expect(isIpOrCidr(' 198.51.100.7')).toBe(false);
  });
});
