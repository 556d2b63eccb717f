import { describe, expect, it } from 'vitest';
import { ConfigError, formatDuration, parseDuration, PERMANENT } from '../../src/config/index.js';

describe('parseDuration', () => {
  it.each([
    [600, 600],
    ['600', 600],
    ['30s', 30],
    ['10m', 600],
    ['1h', 3600],
    ['1d', 86_400],
    ['1w', 604_800],
    ['1h30m', 5400],
    ['1h 30m', 5400],
    ['1w2d3h4m5s', 604_800 + 2 * 86_400 + 3 * 3600 + 4 * 60 + 5],
    [' 10m ', 600],
  ])('reads %j as %i seconds', (input, seconds) => {
    expect(parseDuration(input, 'settings.findtime')).toBe(seconds);
  });

  it.each([-1, '-1', 'permanent'])('reads %j as permanent when allowed', (input) => {
    expect(parseDuration(input, 'settings.bantime', { allowPermanent: true })).toBe(PERMANENT);
  });

  it.each([-1, '-1', 'permanent'])('rejects %j when permanent is not allowed', (input) => {
    expect(() => parseDuration(input, 'settings.findtime')).toThrow(ConfigError);
  });

  it.each(['10x', '', 'm', '1.5h', '30m1h', '1h1h', '10 m', '0', '0m', 'forever', 'Permanent'])(
    'rejects %j',
    (input) => {
      expect(() => parseDuration(input, 'settings.findtime', { allowPermanent: true })).toThrow(/bad duration/);
    },
  );

  it.each([0, -5, 1.5, Number.NaN, Infinity, true, null, undefined, ['10m'], { m: 10 }])('rejects %j', (input) => {
    expect(() => parseDuration(input, 'x', { allowPermanent: true })).toThrow(ConfigError);
  });

  it('names the field and lists the accepted forms', () => {
    let error: unknown;
    try {
      parseDuration('10x', 'settings.bantime', { allowPermanent: true });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).key).toBe('settings.bantime');
    expect((error as ConfigError).message).toBe(
      'settings.bantime: bad duration "10x" (use 600, "10m", "1h", "1d", "1w" or "permanent")',
    );
  });

  it('does not offer "permanent" where it is not allowed', () => {
    expect(() => parseDuration('10x', 'settings.findtime')).toThrow(
      'settings.findtime: bad duration "10x" (use 600, "10m", "1h", "1d" or "1w")',
    );
  });
});

describe('formatDuration', () => {
  it.each([
    [600, '10m'],
    [3600, '1h'],
    [5400, '1h30m'],
    [86_400, '1d'],
    [604_800, '1w'],
    [45, '45s'],
    [0, '0s'],
    [-1, 'permanent'],
  ])('writes %i as %s', (seconds, text) => {
    expect(formatDuration(seconds)).toBe(text);
  });

  it('round-trips through parseDuration', () => {
    for (const seconds of [1, 59, 61, 3599, 90_061, 1_000_000]) {
      expect(parseDuration(formatDuration(seconds), 'x')).toBe(seconds);
    }
  });
});
