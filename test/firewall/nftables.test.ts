import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NftablesBackend } from '../../src/firewall/nftables/index.js';
import { CommandError } from '../../src/firewall/run-command.js';
import { rule } from '../helpers/rules.js';
import { sleep } from '../helpers/wait.js';
import { createNetnsPair, netnsSkipReason, type NetnsPair } from '../helpers/netns.js';

const skip = netnsSkipReason(['nft', 'iptables']);
if (skip) console.log(`nftables backend tests skipped: ${skip}`);

const PORT = 8080;
const OTHER_PORT = 8081;
/** How long a probe that should fail waits. */
const SHORT = 600;


describe.skipIf(skip !== null)('nftables backend in a network namespace', () => {
  let pair: NetnsPair;
  let backend: NftablesBackend;
  let foreignBefore: string;

  const nft = (...args: string[]) => pair.exec(pair.server, ['nft', ...args]);
  /** Everything the host has outside our table: nft tables, iptables and ip6tables rules. */
  const foreignRuleset = () => nft('list', 'ruleset').replace(/^table inet portcullis \{\n[\s\S]*?\n\}\n/m, '');
  const foreignState = () => {
    const ruleset = foreignRuleset();
    const saved = ['iptables-save', 'ip6tables-save'].map((cmd) =>
      pair.exec(pair.server, [cmd]).split('\n').filter((l) => !l.startsWith('#')).join('\n'));
    return [ruleset, ...saved].join('\n---\n');
  };
  const expectForeignUnchanged = () => expect(foreignState()).toBe(foreignBefore);

  /** Every probe, expected to succeed or to fail. */
  const probes = (host: 4 | 6, reachable: boolean) => {
    const addr = host === 4 ? pair.serverV4 : pair.serverV6;
    const ms = reachable ? 1500 : SHORT;
    return { [`tcp${host}`]: pair.tcp(addr, PORT, ms), [`udp${host}`]: pair.udp(addr, PORT, ms), [`ping${host}`]: pair.ping(addr) };
  };
  const expectAll = (reachable: boolean) => {
    const got = { ...probes(4, reachable), ...probes(6, reachable) };
    expect(got).toEqual(Object.fromEntries(Object.keys(got).map((k) => [k, reachable])));
  };
  /** Waits up to `ms` for a probe to pass, for changes the kernel makes on its own (timeouts). */
  const eventually = async (probe: () => boolean, ms: number) => {
    const until = Date.now() + ms;
    while (!probe()) {
      if (Date.now() > until) return false;
      await sleep(100);
    }
    return true;
  };
  const tcp4 = (ms = SHORT) => pair.tcp(pair.serverV4, PORT, ms);
  const tcp6 = (ms = SHORT) => pair.tcp(pair.serverV6, PORT, ms);

  beforeAll(async () => {
    pair = createNetnsPair(20);
    await pair.listen(PORT);
    await pair.listen(OTHER_PORT);
    backend = new NftablesBackend({ netns: pair.server });
    // Someone else's firewall, which must come through every operation untouched.
    nft('add', 'table', 'ip', 'hostfw');
    nft('add', 'set', 'ip', 'hostfw', 'blocked', '{ type ipv4_addr; }');
    nft('add', 'element', 'ip', 'hostfw', 'blocked', '{ 192.0.2.50 }');
    nft('add', 'chain', 'ip', 'hostfw', 'input', '{ type filter hook input priority 0; policy accept; }');
    nft('add', 'rule', 'ip', 'hostfw', 'input', 'ip', 'saddr', '@blocked', 'tcp', 'dport', '9', 'drop');
    pair.exec(pair.server, ['iptables', '-A', 'INPUT', '-s', '192.0.2.99', '-p', 'tcp', '--dport', '9', '-j', 'DROP']);
    foreignBefore = foreignState();
  });
  afterAll(() => pair?.destroy());

  it('reaches the server on every protocol before start', () => {
    expectAll(true);
  });

  it('starts idempotently: a second start leaves the ruleset identical', async () => {
    await backend.start(['192.0.2.0/24', '192.0.2.7', '2001:db8:ffff::/48']);
    const first = nft('list', 'ruleset');
    await backend.start(['192.0.2.0/24', '192.0.2.7', '2001:db8:ffff::/48']);
    expect(nft('list', 'ruleset')).toBe(first);
    expect(first.match(/ip saddr @bans4 drop/g)).toHaveLength(1);
    expect(first).toContain('ip6 saddr @nets6 drop');
    // One ban chain, at prerouting before connection tracking, trusted ranges first.
    const chain = nft('list', 'chain', 'inet', 'portcullis', 'bans_prerouting');
    expect(chain).toContain('type filter hook prerouting priority raw; policy accept;');
    expect(chain.indexOf('@trusted6 return')).toBeLessThan(chain.indexOf('@bans4 drop'));
    // Single addresses in plain hash sets, networks in interval sets.
    expect(nft('list', 'set', 'inet', 'portcullis', 'bans4')).toMatch(/flags timeout\n/);
    expect(nft('list', 'set', 'inet', 'portcullis', 'nets6')).toMatch(/flags interval,timeout\n/);
    expectForeignUnchanged();
    expect(tcp4(1500)).toBe(true);
  });

  it('bans drop TCP, UDP and ICMP on both families; unban restores access', async () => {
    await backend.ban([{ address: pair.clientV4 }, { address: pair.clientV6 }]);
    expectAll(false);
    expect((await backend.listBans()).sort()).toEqual([pair.clientV4, pair.clientV6].sort());
    const live = await backend.live();
    expect(live.bans).toBe(2);
    expect(live.managed).toContain('\t\tip6 saddr @bans6 drop');
    expect(live.foreign.join('\n')).toContain('table ip hostfw');
    expect(live.foreign.join('\n')).not.toContain('portcullis');
    expect(`${live.foreign.join('\n')}\n`).toBe(foreignRuleset());
    expect(live.foreign.join('\n')).toContain('192.0.2.99'); // the iptables-nft rule
    expectForeignUnchanged();

    await backend.unban([pair.clientV4, pair.clientV6]);
    expectAll(true);
    expect(await backend.listBans()).toEqual([]);
    await backend.unban([pair.clientV4, '2001:db8::dead']); // not there: no error
  });

  it('never blocks a trusted range, even when it is banned', async () => {
    await backend.start(['198.18.20.0/24', '2001:db8:14::/64']);
    await backend.ban([{ address: pair.clientV4 }, { address: pair.clientV6 }]);
    expect({ tcp4: tcp4(1500), tcp6: tcp6(1500), ping4: pair.ping(pair.serverV4) }).toEqual({ tcp4: true, tcp6: true, ping4: true });
    await backend.setTrusted([]);
    expect({ tcp4: tcp4(), tcp6: tcp6() }).toEqual({ tcp4: false, tcp6: false });
    await backend.unban([pair.clientV4, pair.clientV6]);
    expect(tcp4(1500)).toBe(true);
  });

  it('lets a ban with a timeout lapse by itself', async () => {
    // 4 s leaves room for the two blocked probes on a busy machine before the ban lapses.
    const t0 = Date.now();
    await backend.ban([{ address: pair.clientV4, timeout: 4 }, { address: pair.clientV6, timeout: 4 }]);
    expect({ tcp4: tcp4(800), tcp6: tcp6(800) }).toEqual({ tcp4: false, tcp6: false });
    expect(await eventually(() => tcp4(500), 12_000)).toBe(true);
    expect(await eventually(() => tcp6(500), 3_000)).toBe(true);
    console.log(`nftables: a 4 s ban lapsed after ${Date.now() - t0} ms`);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(4000);
    expect(await backend.listBans()).toEqual([]);
    // What the engine does when a ban ends, lapsed in the kernel or not; the count follows.
    await backend.unban([pair.clientV4, pair.clientV6]);
    expect((await backend.live()).bans).toBe(0);
  }, 30_000);

  it('gives an address banned again its new timeout, from this process or one that did not put it in', async () => {
    /** The timeout nft lists for an address of bans4 (`timeout 1h` and the like), in seconds. */
    const timeoutOf = (address: string): number | undefined => {
      const listed = nft('list', 'set', 'inet', 'portcullis', 'bans4');
      const m = new RegExp(`${address.replace(/\./g, '\\.')} timeout ((?:\\d+[dhms])+)`).exec(listed);
      if (!m) return undefined;
      const unit: Record<string, number> = { d: 86_400, h: 3600, m: 60, s: 1 };
      return [...m[1]!.matchAll(/(\d+)([dhms])/g)].reduce((sum, [, n, u]) => sum + Number(n) * unit[u!]!, 0);
    };
    await backend.replaceBans([]);
    // A new address (known absent) and one banned again by this process.
    await backend.ban([{ address: '198.18.7.1', timeout: 600 }]);
    await backend.ban([{ address: '198.18.7.1', timeout: 7200 }, { address: '198.18.7.2', timeout: 60 }]);
    expect([timeoutOf('198.18.7.1'), timeoutOf('198.18.7.2')]).toEqual([7200, 60]);
    // Another process knows nothing of what the sets hold: it still replaces the timeout.
    const other = new NftablesBackend({ netns: pair.server });
    await other.ban([{ address: '198.18.7.2', timeout: 3600 }]);
    expect(timeoutOf('198.18.7.2')).toBe(3600);
    await backend.replaceBans([]);
  });

  it('keeps addresses and networks apart: networks that nest reconcile, unban is exact', async () => {
    await backend.ban([{ address: '198.18.20.0/24' }]);
    await backend.ban([{ address: pair.clientV4, timeout: 60 }, { address: '192.0.2.1' }, { address: '198.18.20.0/25' }]);
    expect((await backend.listBans()).sort()).toEqual(['192.0.2.1', pair.clientV4, '198.18.20.0/24'].sort());
    await backend.unban([pair.clientV4]);
    expect(tcp4()).toBe(false); // the network is still banned
    await backend.unban(['198.18.20.0/24', '192.0.2.1']);
    expect(tcp4(1500)).toBe(true);

    await backend.ban([{ address: '198.18.20.0/26' }, { address: '198.18.20.77', timeout: 30 }]);
    await backend.ban([{ address: '198.18.20.0/25' }]);
    expect((await backend.listBans()).sort()).toEqual(['198.18.20.0/25', '198.18.20.77']);
    expect((await backend.live()).bans).toBe(2);
    await backend.unban(['198.18.20.0/25', '198.18.20.77']);
    expect(tcp4(1500)).toBe(true);
  });

  it('applies rules: a deny blocks its port; an allow plus default drop opens only that port', async () => {
    await backend.applyRules({ defaultPolicy: 'accept', rules: [rule({ name: 'no-echo', action: 'deny', ports: [PORT] })] });
    expect({ tcp4: tcp4(), tcp6: tcp6(), udp4: pair.udp(pair.serverV4, PORT), ping6: pair.ping(pair.serverV6) })
      .toEqual({ tcp4: false, tcp6: false, udp4: true, ping6: true });

    await backend.applyRules({ defaultPolicy: 'drop', rules: [rule({ name: 'echo', ports: [PORT] })] });
    expect({
      tcp4: tcp4(1500),
      tcp6: tcp6(1500),
      other4: pair.tcp(pair.serverV4, OTHER_PORT, SHORT),
      other6: pair.tcp(pair.serverV6, OTHER_PORT, SHORT),
      udp4: pair.udp(pair.serverV4, PORT, SHORT),
      ping4: pair.ping(pair.serverV4),
    }).toEqual({ tcp4: true, tcp6: true, other4: false, other6: false, udp4: false, ping4: false });
    expectForeignUnchanged();

    // Every form the planner writes loads into the kernel.
    await backend.applyRules({
      defaultPolicy: 'accept',
      rules: [
        rule({ name: 'ssh', ports: [22, [8000, 8100]], sources: ['10.0.0.0/8', '2001:db8::/32', '10.1.2.3'] }),
        rule({ name: 'dns', protocol: 'udp', ports: [53] }),
        rule({ name: 'no-ping', action: 'deny', protocol: 'icmp', sources: ['192.0.2.7'] }),
        rule({ name: 'both', protocol: 'any', ports: [[100, 200], 150, 300] }),
      ],
    });
    const managed = (await backend.live()).managed.join('\n');
    for (const name of ['ssh', 'dns', 'no-ping', 'both']) expect(managed).toContain(`comment "portcullis:${name}"`);
    await backend.applyRules({ defaultPolicy: 'accept', rules: [] });
    expectAll(true);
  });

  it('replaces the bans with 100,000 addresses in one command', async () => {
    const entries = [];
    for (let i = 0; i < 60_000; i++) entries.push({ address: `198.19.${i >> 8}.${i & 255}`, timeout: 3600 });
    for (let i = 0; i < 40_000; i++) entries.push({ address: `2001:db8:ffff::${i.toString(16)}` });
    entries.push({ address: pair.clientV4 }, { address: pair.clientV6 });
    let t = performance.now();
    await backend.replaceBans(entries);
    const replaceMs = performance.now() - t;
    expect({ tcp4: tcp4(), tcp6: tcp6() }).toEqual({ tcp4: false, tcp6: false });

    t = performance.now();
    const listed = await backend.listBans();
    const listMs = performance.now() - t;
    expect(listed).toHaveLength(100_002);
    t = performance.now();
    await backend.ban([{ address: '192.0.2.200', timeout: 60 }]);
    const banMs = performance.now() - t;
    t = performance.now();
    await backend.unban(['192.0.2.200']);
    const unbanMs = performance.now() - t;
    t = performance.now();
    const live = await backend.live();
    const liveMs = performance.now() - t;
    expect(live.bans).toBe(100_002);
    expect(live.managed.length).toBeLessThan(100);
    console.log(
      `nftables, 100,002 bans: replaceBans ${replaceMs.toFixed(0)} ms, listBans ${listMs.toFixed(0)} ms, ` +
        `ban 1 ${banMs.toFixed(0)} ms, unban 1 ${unbanMs.toFixed(0)} ms, live ${liveMs.toFixed(0)} ms`,
    );

    await backend.replaceBans([]);
    expect(await backend.listBans()).toEqual([]);
    expect(tcp4(1500)).toBe(true);
  });

  it('lets a trusted address inside a banned network through, and drops the rest of it', async () => {
    await backend.start([`${pair.clientV4}/32`]);
    await backend.ban([{ address: `${pair.clientV4.replace(/\.\d+$/, '.0')}/24` }, { address: `${pair.clientV6}/64` }]);
    expect(tcp4(1500)).toBe(true);
    expect(tcp6()).toBe(false);
    await backend.setTrusted([]);
    expect(tcp4()).toBe(false);
    await backend.replaceBans([]);
    expect({ tcp4: tcp4(1500), tcp6: tcp6(1500) }).toEqual({ tcp4: true, tcp6: true });
  });

  it('moves the layout of earlier versions (interval ban sets, input and forward chains) to this one', async () => {
    await backend.stop({ removeBans: true });
    const old = [
      'add table inet portcullis',
      'add set inet portcullis bans4 { type ipv4_addr; flags interval, timeout; }',
      'add set inet portcullis bans6 { type ipv6_addr; flags interval, timeout; }',
      'add chain inet portcullis bans_input { type filter hook input priority filter - 10; policy accept; }',
      'add chain inet portcullis bans_forward { type filter hook forward priority filter - 10; policy accept; }',
      'add rule inet portcullis bans_input ip saddr @bans4 drop',
      'add rule inet portcullis bans_forward ip6 saddr @bans6 drop',
      `add element inet portcullis bans4 { ${pair.clientV4} }`,
    ];
    for (const line of old) nft(...line.split(' '));
    expect(tcp4()).toBe(false);
    const fresh = new NftablesBackend({ netns: pair.server });
    await fresh.start([]);
    const ruleset = nft('list', 'table', 'inet', 'portcullis');
    expect(ruleset).not.toMatch(/bans_input|bans_forward/);
    expect(nft('list', 'set', 'inet', 'portcullis', 'bans4')).toMatch(/flags timeout\n/);
    await fresh.replaceBans([{ address: pair.clientV4 }]);
    expect(tcp4()).toBe(false);
    expect((await fresh.live()).bans).toBe(1);
    await fresh.replaceBans([]);
    expect(tcp4(1500)).toBe(true);
  });

  it('sweeps the ban sets for lapsed elements hourly, not every second, sets of the last version too', async () => {
    await backend.stop({ removeBans: true });
    // The last version's sets: plain hash sets the kernel swept every second (its default).
    for (const line of [
      'add table inet portcullis',
      'add set inet portcullis bans4 { type ipv4_addr; flags timeout; }',
      'add set inet portcullis nets6 { type ipv6_addr; flags interval, timeout; }',
      `add element inet portcullis bans4 { ${pair.clientV4} }`,
    ]) nft(...line.split(' '));
    expect(nft('list', 'set', 'inet', 'portcullis', 'bans4')).not.toContain('gc-interval');
    const fresh = new NftablesBackend({ netns: pair.server });
    await fresh.start([]);
    for (const set of ['bans4', 'bans6', 'nets4', 'nets6']) expect(nft('list', 'set', 'inet', 'portcullis', set)).toContain('gc-interval 1h');
    expect(await fresh.listBans()).toEqual([pair.clientV4]);
    expect(tcp4()).toBe(false);
    await fresh.replaceBans([]);
    expect(tcp4(1500)).toBe(true);
  });

  it('stop without removeBans deletes the chains and keeps the sets; start brings the bans back', async () => {
    await backend.ban([{ address: pair.clientV4 }]);
    await backend.stop({ removeBans: false });
    await backend.stop({ removeBans: false });
    const ruleset = nft('list', 'ruleset');
    expect(ruleset).toContain('table inet portcullis');
    expect(ruleset).not.toMatch(/chain (bans_prerouting|rules_input)/);
    expect(await backend.listBans()).toEqual([pair.clientV4]);
    expect(tcp4(1500)).toBe(true);
    expectForeignUnchanged();

    await backend.start([]);
    expect(tcp4()).toBe(false);
  });

  it('stop with removeBans deletes the table; nothing else changed', async () => {
    await backend.stop({ removeBans: true });
    await backend.stop({ removeBans: true });
    expect(nft('list', 'tables')).not.toContain('portcullis');
    expect(tcp4(1500)).toBe(true);
    expectForeignUnchanged();
    expect(await backend.listBans()).toEqual([]);
    expect((await backend.live()).managed).toEqual([]);
  });

  it('reports a failing command with its stderr', async () => {
    const err = await backend.ban([{ address: pair.clientV4 }]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CommandError);
    expect((err as CommandError).stderr).toMatch(/No such file or directory/);
    await expect(backend.ban([{ address: 'example.com' }])).rejects.toThrow(/not an IP address/);
  });
});
