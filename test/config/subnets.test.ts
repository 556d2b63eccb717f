import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/index.js';
import { catchConfigError } from './helpers.js';

const FILE = 'config.toml';

describe('[settings.subnets]', () => {
  it('is absent (off) unless written, and fills its defaults when it is', () => {
    expect(parseConfig('', FILE).settings.subnets).toBeUndefined();
    expect(parseConfig('[settings.subnets]\nthreshold = 4\n', FILE).settings.subnets).toEqual({
      enabled: false, ipv4_prefix: 24, ipv6_prefix: 48, threshold: 4, window: 3600, bantime: 3600,
    });
    const written = parseConfig('[settings.subnets]\nenabled = true\nipv4_prefix = 20\nipv6_prefix = 56\nwindow = "30m"\nbantime = "permanent"\n', FILE);
    expect(written.settings.subnets).toEqual({ enabled: true, ipv4_prefix: 20, ipv6_prefix: 56, threshold: 5, window: 1800, bantime: -1 });
  });

  it('names the file, line and key of a bad value or an unknown key', () => {
    const err = catchConfigError(() => parseConfig(
      '[settings.subnets]\nenabled = true\nthreshold = 1\nwindow = "soon"\nipv4_prefix = 32\nipv6_prefix = 0\nbantme = "1h"\n',
      FILE,
    ));
    expect(err.message.split('\n')).toEqual([
      'config.toml:3: settings.subnets.threshold: expected an integer >= 2, got 1',
      'config.toml:4: settings.subnets.window: bad duration "soon" (use 600, "10m", "1h", "1d" or "1w")',
      'config.toml:5: settings.subnets.ipv4_prefix: expected a whole number from 1 to 31 (IPv4 subnet prefix length), got 32',
      'config.toml:6: settings.subnets.ipv6_prefix: expected a whole number from 1 to 127 (IPv6 subnet prefix length), got 0',
      'config.toml:7: settings.subnets.bantme: unknown key (did you mean "bantime"?)',
    ]);
  });

  it('refuses a subnet no wider than the bans it is to gather', () => {
    const err = catchConfigError(() => parseConfig('[settings]\nipv6_prefix = 64\n[settings.subnets]\nenabled = true\nipv6_prefix = 64\n', FILE));
    expect(err.message).toBe('config.toml:5: settings.subnets.ipv6_prefix: must be shorter than [settings] ipv6_prefix (64): a /64 subnet would hold one ban at most');
    // Off, it is not checked: nothing is gathered.
    expect(() => parseConfig('[settings]\nipv6_prefix = 64\n[settings.subnets]\nipv6_prefix = 64\n', FILE)).not.toThrow();
  });
});

describe('the jail name "subnet"', () => {
  it('is kept for subnet bans', () => {
    const err = catchConfigError(() => parseConfig('[jails.subnet]\nlogpath = ["/var/log/x.log"]\n', FILE));
    expect(err.message).toBe('config.toml:1: jails.subnet: the jail name "subnet" is kept for the bans [settings.subnets] makes; choose another name');
  });
});
