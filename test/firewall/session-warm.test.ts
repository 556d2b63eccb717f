import { execFileSync } from 'node:child_process';
import { describe, expect, it, vi } from 'vitest';
import { IptablesBackend } from '../../src/firewall/iptables/index.js';
import { NftablesBackend } from '../../src/firewall/nftables/index.js';
import { inNamespace, netnsSkipReason } from '../helpers/netns.js';
import { netnsPids, runningProcesses } from '../helpers/processes.js';
import { waitFor } from '../helpers/wait.js';

/** Every command run as a process of its own (the sessions are not among them). */
const commands = vi.hoisted(() => [] as string[][]);
vi.mock('../../src/firewall/run-command.js', async (importOriginal) =>
  (await import('../helpers/command-spy.js')).recordingRunCommand(await importOriginal(), commands));

const skip = netnsSkipReason(['nft', 'iptables', 'ipset']);
if (skip) console.log(`session warm-up tests skipped: ${skip}`);

/** The pids in namespace `ns` whose command line is `argv` exactly. */
function sessionPids(ns: string, argv: string[]): number[] {
  return runningProcesses(netnsPids(ns)).filter((p) => p.argv.join(' ') === argv.join(' ')).map((p) => p.pid);
}

describe.skipIf(skip !== null)('nftables: a large batch through the session', () => {
  it('puts 20,000 bans (a script of several hundred KiB) in the kernel with no nft process of its own', async () => {
    await inNamespace(async (ns) => {
      const backend = new NftablesBackend({ netns: ns });
      await backend.start([]);
      commands.length = 0;
      const entries = Array.from({ length: 20_000 }, (_, i) => ({ address: `2001:db8:8:${(i >> 8).toString(16)}::${(i & 255).toString(16)}`, timeout: 600 }));
      await backend.ban(entries);
      // Each process started forked the daemon, whose every page written after was copied again.
      expect(commands).toEqual([]);
      const listed = execFileSync('ip', ['netns', 'exec', ns, 'nft', 'list', 'set', 'inet', 'portcullis', 'bans6'], { maxBuffer: 1 << 26 }).toString();
      expect(listed.match(/2001:db8:8:/g)?.length).toBe(20_000);
      await backend.stop({ removeBans: true });
    });
  });
});

describe.skipIf(skip !== null)('iptables: the ipset session runs from the start', () => {
  // nftables needs nothing for this: its start script already goes through its session.
  const argv = ['ipset', '-exist', '-'];
  it('is started with the backend, and the first ban goes through it', async () => {
    await inNamespace(async (ns) => {
      const backend = new IptablesBackend({ netns: ns });
      await backend.start([]);
      // Before the first ban: a ban after a quiet spell no longer waits for the tool to start.
      await waitFor(() => sessionPids(ns, argv).length === 1, `${argv.join(' ')} running in ${ns}`, 10_000);
      const [pid] = sessionPids(ns, argv);
      await backend.ban([{ address: '198.18.0.1' }]);
      expect(sessionPids(ns, argv)).toEqual([pid]);
      await backend.stop({ removeBans: true });
    });
  });
});
