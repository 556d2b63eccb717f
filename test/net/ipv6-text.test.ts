import ipaddr from 'ipaddr.js';
import { describe, expect, it } from 'vitest';
import { checkAddress } from '../../src/net/index.js';
import { readCanonicalIPv6 } from '../../src/net/ipv6-text.js';
import { random } from '../helpers/random.js';

/** One array for every read, as the callers keep one: nothing of an earlier address may stay in it. */
const out = new Uint16Array(8);

function canonicalIPv6Parts(text: string): number[] | null {
  return readCanonicalIPv6(text, out) ? Array.from(out) : null;
}


/** ipaddr.js's canonical text of `text`, or null when it does not parse. */
function ipaddrText(text: string): string | null {
  try {
    return ipaddr.IPv6.parse(text).toString();
  } catch {
    return null;
  }
}

describe('canonical IPv6 text', () => {
  it('is recognised exactly when ipaddr.js would print the text unchanged, with the same groups', () => {
    const next = random(11);
    let accepted = 0;
    for (let k = 0; k < 20_000; k++) {
      // Zero groups are frequent, so runs of every length and position come up.
      const parts = Array.from({ length: 8 }, () => [0, 0, 0, 1, 0xffff, next(65536), next(16), next(256)][next(8)]!);
      const address = new ipaddr.IPv6(parts);
      const text = address.toString();
      const forms = [
        text,
        address.toNormalizedString(),
        address.toNormalizedString().split(':').map((g) => g.padStart(4, '0')).join(':'),
        text.toUpperCase(),
        text.replace('::', ':0::'),
        text.replace(/(^|:)0:/, '$1::'),
        text.replace('::', ':'),
        `${text}:`,
        `:${text}`,
      ];
      for (const form of forms) {
        const parts = canonicalIPv6Parts(form);
        const expected = ipaddrText(form) === form;
        expect(parts !== null, form).toBe(expected);
        if (parts) {
          accepted++;
          expect(parts).toEqual(ipaddr.IPv6.parse(form).parts);
        }
      }
    }
    expect(accepted).toBeGreaterThan(20_000);
  });

  it('refuses what is not an address', () => {
    for (const text of ['', ':', ':::', '1::2::3', 'g::1', '12345::1', '1:2:3:4:5:6:7:8:9', '::ffff:1.2.3.4', '2001:db8::1%eth0', ' 2001:db8::1']) {
      expect(canonicalIPv6Parts(text), text).toBeNull();
    }
  });

  it('leaves checkAddress answers as they were: canonical text kept, IPv4-mapped still made IPv4', () => {
    expect(checkAddress('2001:db8::1')).toEqual({ text: '2001:db8::1', family: 6, prefix: 128 });
    expect(checkAddress('::ffff:c612:1')).toEqual({ text: '198.18.0.1', family: 4, prefix: 32 });
    expect(checkAddress('2001:DB8:0::1')).toEqual({ text: '2001:db8::1', family: 6, prefix: 128 });
    expect(checkAddress('198.18.0.1')).toEqual({ text: '198.18.0.1', family: 4, prefix: 32 });
    expect(() => checkAddress('198.018.0.1')).toThrow('not an IP address');
  });
});
