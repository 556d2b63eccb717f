import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/wait.js';
import { renderWithProviders, type ConsoleHarness } from './helpers/render-with-providers.js';

let h: ConsoleHarness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

/** Counts the requests the console makes from now on, by command (`firewall show` as `firewall:show`). */
function countRequests(harness: ConsoleHarness): Map<string, number> {
  const counts = new Map<string, number>();
  const channel = harness.model.channel;
  const request = channel.request.bind(channel);
  channel.request = ((command: { command: string; action?: string }) => {
    const name = command.action ? `${command.command}:${command.action}` : command.command;
    counts.set(name, (counts.get(name) ?? 0) + 1);
    return request(command as Parameters<typeof request>[0]);
  }) as typeof channel.request;
  return counts;
}

describe('console polling', () => {
  it('a pane polls only while shown: the Firewall pane once left asks nothing, nor is the config read on every poll', async () => {
    h = await renderWithProviders({ pane: 'firewall' });
    const counts = countRequests(h);
    await h.waitForFrame('LIVE');
    // Shown, the pane's snapshot is read on the poll.
    await waitFor(() => (counts.get('firewall:show') ?? 0) >= 1, 'the Firewall pane to poll while shown', 10_000, 50);
    await h.press('1');
    await h.waitForFrame('nobody is banned');
    counts.clear();
    // Two polls of the header's counts pass...
    await waitFor(() => (counts.get('status') ?? 0) >= 2, 'two polls', 10_000, 50);
    // ...and nothing was asked for the hidden pane, nor the config read again.
    expect(counts.get('firewall:show') ?? 0).toBe(0);
    expect(counts.get('config') ?? 0).toBe(0);
  });
});
