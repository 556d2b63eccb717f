import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { IptablesBackend } from '../../src/firewall/iptables/index.js';
import { NftablesBackend } from '../../src/firewall/nftables/index.js';
import type { FirewallBackend } from '../../src/firewall/types.js';
import { netnsSkipReason } from '../helpers/netns.js';
import { waitFor } from '../helpers/wait.js';

const skip = netnsSkipReason(['nft', 'iptables', 'ipset']);
if (skip) console.log(`session warm-up tests skipped: ${skip}`);

/** The pids in namespace `ns` whose command line is `argv` exactly. */
function sessionPids(ns: string, argv: string[]): number[] {
  const pids = execFileSync('ip', ['netns', 'pids', ns]).toString().split('\n').filter(Boolean).map(Number);
  return pids.filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ') === argv.join(' ');
    } catch {
      return false; // gone meanwhile
    }
  });
}

const cases: Array<{ name: string; argv: string[]; make: (netns: string) => FirewallBackend }> = [
  { name: 'nftables', argv: ['nft', '-i'], make: (netns) => new NftablesBackend({ netns }) },
  { name: 'iptables', argv: ['ipset', '-exist', '-'], make: (netns) => new IptablesBackend({ netns }) },
];

describe.skipIf(skip !== null)('the session for small changes runs from the start', () => {
  for (const { name, argv, make } of cases) {
    it(`${name}: started with the backend, and the first ban goes through it`, async () => {
      const ns = `pc-h16-${randomBytes(3).toString('hex')}`;
      execFileSync('ip', ['netns', 'add', ns]);
      try {
        const backend = make(ns);
        await backend.start([]);
        // Before the first ban: a ban after a quiet spell no longer waits for the tool to start.
        await waitFor(() => sessionPids(ns, argv).length === 1, `${argv.join(' ')} running in ${ns}`, 10_000);
        const [pid] = sessionPids(ns, argv);
        await backend.ban([{ address: '198.18.0.1' }]);
        expect(sessionPids(ns, argv)).toEqual([pid]);
        await backend.stop({ removeBans: true });
      } finally {
        for (const pid of execFileSync('ip', ['netns', 'pids', ns]).toString().split('\n').filter(Boolean)) {
          try {
            process.kill(Number(pid), 'SIGKILL');
          } catch {
            // already gone
          }
        }
        execFileSync('ip', ['netns', 'del', ns]);
      }
    });
  }
});
