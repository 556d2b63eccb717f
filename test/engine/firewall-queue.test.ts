import { describe, expect, it } from 'vitest';
import { FirewallQueue } from '../../src/engine/firewall-queue.js';
import { DryRunBackend } from '../../src/firewall/dry-run-backend.js';

/** A dry-run firewall whose first command waits until `release()`: the firewall is busy. */
function busyFirewall() {
  const firewall = new DryRunBackend();
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const start = firewall.start.bind(firewall);
  firewall.start = async (trusted) => {
    await gate;
    return start(trusted);
  };
  return { firewall, release };
}

describe('FirewallQueue batches what arrives while the firewall is busy', () => {
  it('sends queued unbans (expiries firing one after another) in one command, in call order with bans', async () => {
    const { firewall, release } = busyFirewall();
    const queue = new FirewallQueue({ firewall, desired: () => ({ trusted: [], entries: [] }), onError: (m) => expect.fail(m), onResynced: () => {} });
    const done = [queue.run('start', () => firewall.start([]))];
    for (let i = 0; i < 5; i++) done.push(queue.ban({ address: `198.18.70.${i}` }));
    for (let i = 0; i < 3; i++) done.push(queue.unban([`198.18.70.${i}`]));
    done.push(queue.ban({ address: '198.18.71.1' }));
    done.push(queue.unban(['198.18.70.3']), queue.unban(['198.18.70.4']));
    release();
    await Promise.all(done);
    await queue.idle();
    expect(firewall.log.slice(1)).toEqual([
      'ban 5: 198.18.70.0, 198.18.70.1, 198.18.70.2, 198.18.70.3, 198.18.70.4',
      'unban 3: 198.18.70.0, 198.18.70.1, 198.18.70.2',
      'ban 1: 198.18.71.1',
      'unban 2: 198.18.70.3, 198.18.70.4',
    ]);
    expect(await firewall.listBans()).toEqual(['198.18.71.1']);
  });
});
