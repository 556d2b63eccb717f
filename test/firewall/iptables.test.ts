import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { IptablesBackend } from '../../src/firewall/iptables/iptables-backend.js';
import { CommandError } from '../../src/firewall/run-command.js';
import { createNetnsPair, netnsSkipReason, type NetnsPair } from '../helpers/netns.js';
import { rule } from '../helpers/rules.js';

/** Every command the backend runs, to count processes per operation. */
const commands = vi.hoisted(() => [] as string[][]);
vi.mock('../../src/firewall/run-command.js', async (importOriginal) =>
  (await import('../helpers/command-spy.js')).recordingRunCommand(await importOriginal(), commands));

const skip = netnsSkipReason(['iptables', 'ip6tables', 'ipset', 'iptables-save', 'ip6tables-save']);
if (skip) console.log(`iptables backend test skipped: ${skip}`);

const PORT = 8080;
const OTHER_PORT = 8081;
/** A blocked probe waits this long; an open one answers in a few milliseconds. */
const SHORT = 400;

describe.skipIf(skip !== null)('IptablesBackend in a network namespace', () => {
  let pair: NetnsPair;
  let backend: IptablesBackend;
  let foreignBefore: string;

  const inServer = (argv: string[]) => pair.exec(pair.server, argv);
  /** Both families' iptables-save, without timestamps and counters. */
  const saved = () => ['iptables-save', 'ip6tables-save']
    .map((tool) => inServer([tool]))
    .join('')
    .split('\n')
    .filter((line) => !line.startsWith('#'))
    .map((line) => line.replace(/\[\d+:\d+\]/g, '[0:0]'));
  /** What is left once every line naming our chains is taken out: must never change. */
  const foreign = () => saved().filter((line) => !line.includes('PORTCULLIS-')).join('\n');
  const ourSets = () => inServer(['ipset', 'list', '-n']).split('\n').filter((n) => n.startsWith('portcullis-')).sort();

  /** Which of TCP, UDP and ICMP reach the server on one family. */
  const reach = (family: 4 | 6, ms = SHORT) => {
    const host = family === 4 ? pair.serverV4 : pair.serverV6;
    return { tcp: pair.tcp(host, PORT, ms), udp: pair.udp(host, PORT, ms), ping: pair.ping(host) };
  };
  const open = { tcp: true, udp: true, ping: true };
  const closed = { tcp: false, udp: false, ping: false };

  beforeAll(async () => {
    pair = createNetnsPair(10);
    await pair.listen(PORT);
    await pair.listen(OTHER_PORT);
    // The host's own rules, which we must leave exactly as they are.
    inServer(['iptables', '-A', 'INPUT', '-p', 'tcp', '--dport', '9999', '-j', 'ACCEPT']);
    inServer(['iptables', '-N', 'HOST-CUSTOM']);
    inServer(['iptables', '-A', 'HOST-CUSTOM', '-s', '203.0.113.0/24', '-j', 'DROP']);
    inServer(['iptables', '-A', 'INPUT', '-j', 'HOST-CUSTOM']);
    inServer(['iptables', '-N', 'DOCKER-USER']);
    inServer(['iptables', '-A', 'DOCKER-USER', '-j', 'RETURN']);
    inServer(['ip6tables', '-A', 'INPUT', '-p', 'udp', '--dport', '9999', '-j', 'ACCEPT']);
    // Rules of the host's own in the raw table, where our bans chain goes too.
    inServer(['iptables', '-t', 'raw', '-A', 'PREROUTING', '-p', 'udp', '--dport', '9998', '-j', 'CT', '--notrack']);
    inServer(['ip6tables', '-t', 'raw', '-A', 'PREROUTING', '-p', 'udp', '--dport', '9998', '-j', 'CT', '--notrack']);
    foreignBefore = foreign();
    backend = new IptablesBackend({ netns: pair.server });
  });
  afterAll(() => pair?.destroy());

  it('starts with the bans first in raw PREROUTING, the rules first in INPUT, and blocks nothing yet', async () => {
    expect(reach(4, 1500)).toEqual(open);
    await backend.start([]);
    for (const tool of ['iptables', 'ip6tables']) {
      const chain = (table: string, name: string) => inServer([tool, '-t', table, '-S']).split('\n').filter((l) => l.startsWith(`-A ${name} `));
      expect(chain('raw', 'PREROUTING')[0]).toBe('-A PREROUTING -j PORTCULLIS-BANS');
      expect(chain('raw', 'PORTCULLIS-BANS')[0]).toMatch(/--match-set portcullis-trusted[46] src -j RETURN$/);
      expect(chain('filter', 'INPUT')[0]).toBe('-A INPUT -j PORTCULLIS-RULES');
      expect(inServer([tool, '-S']).split('\n').some((l) => l.includes('PORTCULLIS-BANS'))).toBe(false);
    }
    expect(ourSets()).toEqual(['portcullis-bans4', 'portcullis-bans6', 'portcullis-trusted4', 'portcullis-trusted6']);
    expect(foreign()).toBe(foreignBefore);
    expect(reach(4, 1500)).toEqual(open);
    expect(reach(6, 1500)).toEqual(open);
  });

  it('changes nothing on a second start', async () => {
    const before = saved();
    const sets = inServer(['ipset', 'save']);
    commands.length = 0;
    await backend.start([]);
    expect(saved()).toEqual(before);
    expect(inServer(['ipset', 'save'])).toBe(sets);
    expect(commands.some((argv) => argv.some((a) => a.endsWith('tables-restore')))).toBe(false);
  });

  it('bans drop TCP, UDP and ICMP on both families, and unban restores access', async () => {
    commands.length = 0;
    await backend.ban([{ address: pair.clientV4 }, { address: pair.clientV6, timeout: 600 }]);
    // Through the long-lived `ipset -`: no process started for the ban.
    expect(commands).toEqual([]);
    expect(reach(4)).toEqual(closed);
    expect(reach(6)).toEqual(closed);
    expect((await backend.listBans()).sort()).toEqual([pair.clientV4, pair.clientV6].sort());
    const live = await backend.live();
    expect(live.bans).toBe(2);
    expect(live.managed).toContain('iptables -A PORTCULLIS-BANS -m set --match-set portcullis-bans4 src -j DROP');
    expect(live.managed).toContain('ip6tables -A PORTCULLIS-BANS -m set --match-set portcullis-bans6 src -j DROP');
    expect(live.foreign).toContain('-A HOST-CUSTOM -s 203.0.113.0/24 -j DROP');
    expect(live.foreign.some((l) => l.includes('PORTCULLIS'))).toBe(false);
    expect(inServer(['ipset', 'save', 'portcullis-bans6'])).toMatch(/add portcullis-bans6 2001:db8:a::2 timeout 5\d\d/);
    expect(foreign()).toBe(foreignBefore);
    // Dropped in raw, before connection tracking: the drop rule there counted the probes.
    const dropped = inServer(['iptables', '-t', 'raw', '-L', 'PORTCULLIS-BANS', '-v', '-x', '-n']).split('\n').find((l) => l.includes('DROP'))!;
    expect(Number(dropped.trim().split(/\s+/)[0])).toBeGreaterThan(0);

    await backend.unban([pair.clientV4, pair.clientV6]);
    expect(await backend.listBans()).toEqual([]);
    expect(reach(4, 1500)).toEqual(open);
    expect(reach(6, 1500)).toEqual(open);
  });

  it('never blocks a trusted range, even when banned', async () => {
    await backend.start([`${pair.clientV4.replace(/\.\d+$/, '.0')}/24`, `${pair.clientV6}/128`]);
    await backend.ban([{ address: pair.clientV4 }, { address: pair.clientV6 }]);
    expect(reach(4, 1500)).toEqual(open);
    expect(reach(6, 1500)).toEqual(open);
    await backend.setTrusted(['192.0.2.0/24']);
    expect(pair.tcp(pair.serverV4, PORT, SHORT)).toBe(false);
    expect(pair.tcp(pair.serverV6, PORT, SHORT)).toBe(false);
    await backend.unban([pair.clientV4, pair.clientV6]);
    await backend.start([]);
  });

  it('lets a trusted address inside a banned network through, and drops the rest of it', async () => {
    await backend.start([`${pair.clientV4}/32`]);
    await backend.ban([{ address: `${pair.clientV4.replace(/\.\d+$/, '.0')}/24` }, { address: `${pair.clientV6}/64` }]);
    expect(reach(4, 1500)).toEqual(open);
    expect(pair.tcp(pair.serverV6, PORT, SHORT)).toBe(false);
    await backend.setTrusted([]);
    expect(pair.tcp(pair.serverV4, PORT, SHORT)).toBe(false);
    await backend.replaceBans([]);
    expect(reach(4, 1500)).toEqual(open);
  });

  it('applies rules atomically: a deny blocks its port, an allow with default drop opens only its own', async () => {
    await backend.applyRules({ defaultPolicy: 'accept', rules: [rule({ name: 'no-echo', action: 'deny', ports: [PORT] })] });
    expect(pair.tcp(pair.serverV4, PORT, SHORT)).toBe(false);
    expect(pair.tcp(pair.serverV6, PORT, SHORT)).toBe(false);
    expect(pair.udp(pair.serverV4, PORT)).toBe(true);
    expect(pair.tcp(pair.serverV4, OTHER_PORT)).toBe(true);

    const rules = {
      defaultPolicy: 'drop' as const,
      rules: [
        rule({ name: 'other port', ports: [OTHER_PORT, [60000, 60010]] }),
        rule({ name: 'udp-v4-client', protocol: 'udp', ports: [PORT], sources: [pair.clientV4] }),
      ],
    };
    commands.length = 0;
    await backend.applyRules(rules);
    expect(commands.map((argv) => argv.find((a) => a.endsWith('-restore')))).toEqual(['iptables-restore', 'ip6tables-restore']);
    // Forget neighbours, so IPv6 has to get through neighbour discovery under the drop policy.
    for (const ns of [pair.server, pair.client]) pair.exec(ns, ['ip', 'neigh', 'flush', 'all']);
    expect(pair.tcp(pair.serverV6, OTHER_PORT)).toBe(true);
    expect(pair.tcp(pair.serverV4, OTHER_PORT)).toBe(true);
    expect(pair.tcp(pair.serverV4, PORT, SHORT)).toBe(false);
    expect(pair.udp(pair.serverV4, PORT)).toBe(true);
    expect(pair.udp(pair.serverV6, PORT, SHORT)).toBe(false);
    expect(pair.ping(pair.serverV4)).toBe(false);

    // What the plan shows is what the kernel prints back.
    const live = await backend.live();
    const planned = backend.planRules(rules);
    const v6At = planned.indexOf('# ip6tables-restore --noflush');
    const appended = (lines: string[], tool: string) => lines.filter((l) => l.startsWith('-A ')).map((l) => `${tool} ${l}`);
    const managedRules = live.managed.filter((l) => l.includes(' -A PORTCULLIS-RULES '));
    expect(managedRules).toEqual([...appended(planned.slice(0, v6At), 'iptables'), ...appended(planned.slice(v6At), 'ip6tables')]);
    expect(foreign()).toBe(foreignBefore);

    await backend.applyRules({ defaultPolicy: 'accept', rules: [] });
    expect(reach(4, 1500)).toEqual(open);
  });

  it('replaces 100,000 bans in one command and blocks the client', async () => {
    const entries = [{ address: pair.clientV4 }, { address: pair.clientV6, timeout: 3600 }];
    for (let i = 0; i < 50_000; i++) {
      entries.push({ address: `198.${18 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`, timeout: 60 + (i % 1000) });
      entries.push({ address: `2001:db8:${(i >> 16).toString(16)}:${(i & 0xffff).toString(16)}::1` });
    }
    const distinct = new Set(entries.map((e) => e.address)).size;
    commands.length = 0;
    const started = performance.now();
    await backend.replaceBans(entries);
    const replaceMs = performance.now() - started;
    expect(commands).toEqual([['ipset', 'restore', '-exist']]);
    const listStarted = performance.now();
    const listed = await backend.listBans();
    const listMs = performance.now() - listStarted;
    expect(listed).toHaveLength(distinct);
    expect((await backend.live()).bans).toBe(distinct);
    console.log(`iptables backend: replaceBans of ${entries.length} entries (${distinct} distinct) took ${replaceMs.toFixed(0)} ms; listBans ${listMs.toFixed(0)} ms`);
    expect(pair.tcp(pair.serverV4, PORT, SHORT)).toBe(false);
    expect(pair.tcp(pair.serverV6, PORT, SHORT)).toBe(false);

    // A start after the sets have grown still finds them acceptable.
    await backend.start([]);
    await backend.replaceBans([{ address: '198.18.200.1' }]);
    expect(await backend.listBans()).toEqual(['198.18.200.1']);
    expect(pair.tcp(pair.serverV4, PORT, 1500)).toBe(true);
    expect(ourSets()).toEqual(['portcullis-bans4', 'portcullis-bans6', 'portcullis-trusted4', 'portcullis-trusted6']);
  });

  it('puts a large ban batch in the kernel while this process is busy (the engine working through a backlog)', async () => {
    // 20,000 bans in one call. Through the session, ipset took its script from a pipe and wrote a
    // prompt per line to another, one pipe's worth each turn of this process's event loop: with
    // the loop busy it stopped after about a thousand. A batch this size is read from a file.
    const entries = Array.from({ length: 20_000 }, (_, i) => ({ address: `2001:db8:7:${(i >> 8).toString(16)}::${(i & 255).toString(16)}`, timeout: 600 }));
    await backend.replaceBans([]);
    commands.length = 0;
    const banned = backend.ban(entries);
    // One turn, so the command is under way; then the loop stays busy until the kernel holds them all.
    await new Promise((resolve) => setImmediate(resolve));
    const count = () => Number(/Number of entries: (\d+)/.exec(inServer(['ipset', 'list', 'portcullis-bans6', '-terse']))?.[1] ?? 0);
    const deadline = performance.now() + 60_000;
    let held = count();
    while (held < entries.length && performance.now() < deadline) {
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
      held = count();
    }
    expect(held).toBe(entries.length);
    await banned;
    expect(commands).toEqual([['ipset', '-exist', '-file', expect.stringMatching(/portcullis-script-/), 'restore']]);
    // The script's private folder is gone.
    expect(existsSync(path.dirname(commands[0]![3]!))).toBe(false);
    await backend.replaceBans([]);
  });

  it('rejects bad addresses before running anything, and reports a failing command with its stderr', async () => {
    commands.length = 0;
    await expect(backend.ban([{ address: pair.clientV4 }, { address: '10.0.0.1 -j ACCEPT' }])).rejects.toThrow(/10\.0\.0\.1 -j ACCEPT/);
    await expect(backend.unban(['::1', 'nope'])).rejects.toThrow(/"nope"/);
    await expect(backend.setTrusted(['300.1.1.1'])).rejects.toThrow(/300\.1\.1\.1/);
    expect(commands).toEqual([]);
    const stray = new IptablesBackend({ netns: pair.client });
    const error = await stray.ban([{ address: '192.0.2.1' }]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CommandError);
    expect((error as CommandError).stderr).toMatch(/portcullis-bans4|does not exist/);
  });

  it('stops: keeps the sets unless asked, removes everything of ours when asked', async () => {
    await backend.ban([{ address: pair.clientV4 }]);
    await backend.applyRules({ defaultPolicy: 'drop', rules: [] });
    await backend.stop({ removeBans: false });
    expect(saved().some((l) => l.includes('PORTCULLIS'))).toBe(false);
    expect(foreign()).toBe(foreignBefore);
    expect(ourSets()).toEqual(['portcullis-bans4', 'portcullis-bans6', 'portcullis-trusted4', 'portcullis-trusted6']);
    expect(await backend.listBans()).toContain(pair.clientV4);
    expect(reach(4, 1500)).toEqual(open);

    await backend.start([]);
    expect(pair.tcp(pair.serverV4, PORT, SHORT)).toBe(false);
    await backend.stop({ removeBans: true });
    await backend.stop({ removeBans: true });
    expect(saved().some((l) => l.includes('PORTCULLIS'))).toBe(false);
    expect(ourSets()).toEqual([]);
    expect(foreign()).toBe(foreignBefore);
    expect(await backend.listBans()).toEqual([]);
    expect((await backend.live()).bans).toBe(0);
    expect(reach(4, 1500)).toEqual(open);
    expect(reach(6, 1500)).toEqual(open);
  });
});
