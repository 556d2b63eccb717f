import { describe, expect, it } from 'vitest';
import { fleetSummary } from '../../src/tui/shell/fleet-summary.js';

const link = { node: 'web01', stream: 'portcullis:bans', retrying: false, downSince: null, lagSeconds: 0.24, queued: 0, published: 5, applied: 7 };

describe('the header\'s fleet summary', () => {
  it('says up with the lag, or down with what waits to be published', () => {
    expect(fleetSummary({ ...link, link: 'connected' })).toEqual({ text: 'fleet: up, lag 0.2s', down: false });
    expect(fleetSummary({ ...link, link: 'connected', lagSeconds: 42.4, queued: 3 }).text).toBe('fleet: up, lag 42s, 3 queued');
    expect(fleetSummary({ ...link, link: 'connected', lagSeconds: 125 }).text).toBe('fleet: up, lag 2m5s');
    expect(fleetSummary({ ...link, link: 'disconnected', retrying: true, downSince: 1, lagSeconds: 30, queued: 1200 })).toEqual({ text: 'fleet: down, 1,200 queued', down: true });
    expect(fleetSummary({ ...link, link: 'disconnected', retrying: true, downSince: 1 }).text).toBe('fleet: down, 0 queued');
  });
});
