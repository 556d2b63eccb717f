import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IpsetLists } from '../../src/blocklist/ipset-lists.js';
import { NftLists } from '../../src/blocklist/nft-lists.js';
import { IptablesBackend } from '../../src/firewall/iptables/iptables-backend.js';
import { NftablesBackend } from '../../src/firewall/nftables/nftables-backend.js';
import { ROOT } from '../helpers/cli.js';
import { netnsSkipReason } from '../helpers/netns.js';

// The package's prerm runs packaging/remove-firewall on removal. Here it runs in a namespace of
// its own, where both backends have made their objects next to the host's own rules, table and
// set: ours must all go, theirs must stay exactly as they were.

const skip = netnsSkipReason(['iptables', 'ip6tables', 'ipset', 'nft', 'iptables-save', 'iptables-restore']);
if (skip) console.log(`remove-firewall test skipped: ${skip}`);

describe.skipIf(skip !== null)('remove-firewall (prerm on removal)', () => {
  const ns = `pc-h20-${randomBytes(3).toString('hex')}`;
  const inNs = (argv: string[]): string => execFileSync('ip', ['netns', 'exec', ns, ...argv], { stdio: ['ignore', 'pipe', 'pipe'] }).toString();
  const iptablesSaved = (): string[] => ['iptables-save', 'ip6tables-save']
    .flatMap((tool) => inNs([tool]).split('\n'))
    .filter((line) => !line.startsWith('#'))
    .map((line) => line.replace(/\[\d+:\d+\]/g, '[0:0]'));
  const sets = (): string[] => inNs(['ipset', 'list', '-n']).split('\n').filter(Boolean).sort();
  const tables = (): string[] => inNs(['nft', 'list', 'tables']).split('\n').filter(Boolean).sort();
  const removeFirewall = () => spawnSync('ip', ['netns', 'exec', ns, 'sh', path.join(ROOT, 'packaging/remove-firewall')], { encoding: 'utf8' });

  beforeAll(() => {
    execFileSync('ip', ['netns', 'add', ns]);
  });
  afterAll(() => {
    spawnSync('ip', ['netns', 'del', ns]);
  });

  it("takes out our chains, jumps, table and sets, and leaves the host's rules alone", async () => {
    // The host's own objects, including a chain whose name starts like ours.
    inNs(['iptables', '-A', 'INPUT', '-p', 'tcp', '--dport', '9999', '-j', 'ACCEPT']);
    inNs(['iptables', '-N', 'PORTCULLIS-MINE']);
    inNs(['iptables', '-A', 'PORTCULLIS-MINE', '-s', '198.18.5.0/24', '-j', 'DROP']);
    inNs(['iptables', '-A', 'INPUT', '-j', 'PORTCULLIS-MINE']);
    inNs(['iptables', '-N', 'DOCKER-USER']);
    inNs(['iptables', '-A', 'DOCKER-USER', '-j', 'RETURN']);
    inNs(['ip6tables', '-A', 'INPUT', '-p', 'udp', '--dport', '9999', '-j', 'ACCEPT']);
    // The host's own raw-table rules, beside the ban chain our backends put there.
    inNs(['iptables', '-t', 'raw', '-A', 'PREROUTING', '-p', 'udp', '--dport', '9998', '-j', 'CT', '--notrack']);
    inNs(['ip6tables', '-t', 'raw', '-A', 'PREROUTING', '-p', 'udp', '--dport', '9998', '-j', 'CT', '--notrack']);
    inNs(['nft', 'add', 'table', 'inet', 'hostfw']);
    inNs(['nft', 'add', 'chain', 'inet', 'hostfw', 'input', '{ type filter hook input priority 0; }']);
    inNs(['ipset', 'create', 'host-set', 'hash:ip']);
    const hostIptables = iptablesSaved();
    const hostSets = sets();
    const hostTables = tables();

    const iptables = new IptablesBackend({ netns: ns });
    await iptables.start(['198.18.9.0/24']);
    await iptables.ban([{ address: '198.18.7.1', timeout: 3600 }, { address: '2001:db8::7', timeout: 3600 }]);
    const nft = new NftablesBackend({ netns: ns });
    await nft.start([]);
    await nft.ban([{ address: '198.18.7.2', timeout: 3600 }]);
    // Blocklists beside the bans, in both backends.
    const ipsetLists = new IpsetLists({ netns: ns });
    await ipsetLists.start(['drop']);
    await ipsetLists.replace('drop', ['198.18.8.0/24', '198.18.9.9'], ['2001:db8:8::/48']);
    const nftLists = new NftLists({ netns: ns });
    await nftLists.start(['drop']);
    await nftLists.replace('drop', ['198.18.8.0/24', '198.18.9.9'], ['2001:db8:8::/48']);
    expect(iptablesSaved().join('\n')).toContain('-j PORTCULLIS-BLOCKLISTS');
    expect(sets()).toContain('pcbl-drop-4');
    expect(iptablesSaved().join('\n')).toContain('-j PORTCULLIS-BANS');
    expect(sets().filter((s) => s.startsWith('portcullis-')).length).toBeGreaterThan(0);
    expect(tables()).toContain('table inet portcullis');

    const removed = removeFirewall();
    expect(removed.status, removed.stderr).toBe(0);
    expect(iptablesSaved()).toEqual(hostIptables);
    expect(sets()).toEqual(hostSets);
    expect(tables()).toEqual(hostTables);

    // Nothing of ours left: a second run has nothing to do and changes nothing.
    const again = removeFirewall();
    expect(again.status, again.stderr).toBe(0);
    expect(iptablesSaved()).toEqual(hostIptables);
  }, 60_000);
});
