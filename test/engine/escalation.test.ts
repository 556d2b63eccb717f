import { describe, expect, it } from 'vitest';
import type { EscalationSettings } from '../../src/config/schema.js';
import {
  banDuration,
  banEnd,
  endsLater,
  RECIDIVE_BANS,
  RECIDIVE_MIN_BANTIME,
  withRecidive,
} from '../../src/engine/escalation.js';

const H = 3600;
const W = 7 * 24 * H;

function escalation(overrides: Partial<EscalationSettings> = {}): EscalationSettings {
  return { enabled: true, factor: 2, maxtime: W, scope: 'all', ...overrides };
}

describe('banDuration', () => {
  // [what, bantime, escalation, previousBans, expected seconds]
  const cases: Array<[string, number, EscalationSettings, number, number]> = [
    ['escalation off: first ban', 600, escalation({ enabled: false }), 0, 600],
    ['escalation off: tenth ban is still bantime', 600, escalation({ enabled: false }), 9, 600],
    ['escalation off: permanent_after ignored', 600, escalation({ enabled: false, permanent_after: 1 }), 5, 600],
    ['factor: first ban is bantime', 600, escalation(), 0, 600],
    ['factor: second ban doubles', 600, escalation(), 1, 1200],
    ['factor: fourth ban is 8x', 600, escalation(), 3, 4800],
    ['factor 3: third ban is 9x', 600, escalation({ factor: 3 }), 2, 5400],
    ['factor: capped at maxtime', 600, escalation({ maxtime: 2 * H }), 10, 2 * H],
    ['factor: huge count overflows to the cap', 600, escalation(), 5000, W],
    ['multipliers: first', 600, escalation({ multipliers: [1, 5, 30] }), 0, 600],
    ['multipliers: second', 600, escalation({ multipliers: [1, 5, 30] }), 1, 3000],
    ['multipliers: third', 600, escalation({ multipliers: [1, 5, 30] }), 2, 18000],
    ['multipliers: the last repeats', 600, escalation({ multipliers: [1, 5, 30] }), 7, 18000],
    ['multipliers win over factor', 600, escalation({ factor: 10, multipliers: [1, 2] }), 1, 1200],
    ['multipliers: capped', 600, escalation({ multipliers: [1, 1000], maxtime: H }), 1, H],
    ['multipliers below 1 shorten, never to 0', 1, escalation({ multipliers: [0.1] }), 0, 1],
    ['cap never cuts below bantime', 30 * 24 * H, escalation(), 0, 30 * 24 * H],
    ['cap never cuts below bantime, escalated', 30 * 24 * H, escalation(), 3, 30 * 24 * H],
    ['permanent_after 3: third ban is not permanent', 600, escalation({ permanent_after: 3 }), 2, 2400],
    ['permanent_after 3: fourth ban is permanent', 600, escalation({ permanent_after: 3 }), 3, -1],
    ['permanent_after 3: later bans stay permanent', 600, escalation({ permanent_after: 3 }), 8, -1],
    ['permanent_after 1: second ban is permanent', 600, escalation({ permanent_after: 1 }), 1, -1],
    ['permanent bantime stays permanent', -1, escalation(), 0, -1],
    ['permanent bantime, escalation off', -1, escalation({ enabled: false }), 4, -1],
    ['negative count read as none', 600, escalation(), -3, 600],
    ['fractional count rounded down', 600, escalation(), 1.7, 1200],
  ];
  it.each(cases)('%s', (_what, bantime, esc, previous, expected) => {
    expect(banDuration({ bantime, escalation: esc }, previous)).toBe(expected);
  });
});

describe('withRecidive', () => {
  const cases: Array<[string, number, number, number]> = [
    ['below the threshold: unchanged', 600, RECIDIVE_BANS - 1, 600],
    ['at the threshold: a week', 600, RECIDIVE_BANS, RECIDIVE_MIN_BANTIME],
    ['longer bans are kept', 2 * RECIDIVE_MIN_BANTIME, RECIDIVE_BANS + 5, 2 * RECIDIVE_MIN_BANTIME],
    ['permanent stays permanent', -1, RECIDIVE_BANS, -1],
  ];
  it.each(cases)('%s', (_what, seconds, recent, expected) => {
    expect(withRecidive(seconds, recent)).toBe(expected);
  });
});

describe('ban end times', () => {
  it('turns seconds into an end time, -1 into null', () => {
    expect(banEnd(1000, 60)).toBe(61_000);
    expect(banEnd(1000, -1)).toBeNull();
  });
  it('orders end times with permanent last', () => {
    expect(endsLater(2, 1)).toBe(true);
    expect(endsLater(1, 2)).toBe(false);
    expect(endsLater(1, 1)).toBe(false);
    expect(endsLater(null, 5)).toBe(true);
    expect(endsLater(5, null)).toBe(false);
    expect(endsLater(null, null)).toBe(false);
  });
});
