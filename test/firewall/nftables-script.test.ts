import { describe, expect, it } from 'vitest';
import { NftablesBackend } from '../../src/firewall/nftables/index.js';
import { restoreLines } from '../../src/firewall/nftables/restore-script.js';
import { AddressSlots } from '../../src/net/index.js';
import { banChainLines, banElement, createLines, distinctElements, elementLines, migrationLines, BAN_SETS, NET_SETS, type SetElement } from '../../src/firewall/nftables/nft-script.js';
import { listedElement, parseBanElements, splitTables, ownTableLines } from '../../src/firewall/nftables/ruleset-parser.js';
import type { FirewallRule } from '../../src/firewall/types.js';
import { rule } from '../helpers/rules.js';

const ADD = 'add rule inet portcullis rules_input';

describe('nftables rule planning (no kernel)', () => {
  const backend = new NftablesBackend();

  it('plans the exact script: preamble, rules in order, a rule per family, the default drop', () => {
    const lines = backend.planRules({
      defaultPolicy: 'drop',
      rules: [
        rule({ name: 'ssh', ports: [22, [8000, 8100]], sources: ['10.0.0.0/8', '2001:db8::/32', '10.1.2.3'] }),
        rule({ name: 'dns', protocol: 'udp', ports: [53] }),
        rule({ name: 'no-ping', action: 'deny', protocol: 'icmp', sources: ['192.0.2.7'] }),
        rule({ name: 'all', protocol: 'any' }),
        rule({ name: 'both', protocol: 'any', ports: [[100, 200], 150, 300] }),
      ],
    });
    expect(lines).toEqual([
      'flush chain inet portcullis rules_input',
      `${ADD} ct state established,related accept`,
      `${ADD} iif lo accept`,
      `${ADD} icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert, nd-router-advert, nd-router-solicit } accept`,
      `${ADD} ip saddr { 10.0.0.0/8 } meta l4proto tcp th dport { 22, 8000-8100 } accept comment "portcullis:ssh"`,
      `${ADD} ip6 saddr { 2001:db8::/32 } meta l4proto tcp th dport { 22, 8000-8100 } accept comment "portcullis:ssh"`,
      `${ADD} meta l4proto udp th dport { 53 } accept comment "portcullis:dns"`,
      `${ADD} ip saddr { 192.0.2.7 } meta l4proto { icmp, ipv6-icmp } drop comment "portcullis:no-ping"`,
      `${ADD} accept comment "portcullis:all"`,
      `${ADD} meta l4proto { tcp, udp } th dport { 100-200, 300 } accept comment "portcullis:both"`,
      `${ADD} drop`,
    ]);
  });

  it('ends without a drop when the default policy is accept', () => {
    expect(backend.planRules({ defaultPolicy: 'accept', rules: [] }).at(-1)).toContain('icmpv6 type');
  });

  it('refuses what it cannot express safely', () => {
    const plan = (r: Partial<FirewallRule>) => () => backend.planRules({ defaultPolicy: 'accept', rules: [rule(r)] });
    expect(plan({ name: 'x" drop #' })).toThrow(/rule name/);
    expect(plan({ sources: ['10.0.0.1; flush ruleset'] })).toThrow(/not an IP address/);
    expect(plan({ ports: [0] })).toThrow(/bad port/);
    expect(plan({ ports: [[90, 80]] })).toThrow(/bad port/);
    expect(plan({ protocol: 'icmp', ports: [22] })).toThrow(/ports need/);
  });
});

describe('nftables set elements (no kernel)', () => {
  it('drops duplicates and entries inside wider ones, keeping the longest ban', () => {
    const elements = distinctElements(
      [
        { address: '10.0.0.5', timeout: 60 },
        { address: '10.0.0.0/24', timeout: 600 },
        { address: '10.0.1.1', timeout: 60 },
        { address: '10.0.1.1' },
        { address: '10.0.1.1', timeout: 1.2 },
        { address: '2001:db8::1' },
        { address: '2001:db8:0:0::1' },
      ].map(banElement),
    );
    expect(elementLines('add', BAN_SETS, elements)).toEqual([
      'add element inet portcullis bans4 { 10.0.0.0/24 timeout 600s, 10.0.1.1 }',
      'add element inet portcullis bans6 { 2001:db8::1 }',
    ]);
  });

  it('declares plain hash sets for addresses, interval sets for networks, one chain before conntrack', () => {
    const create = createLines();
    expect(create).toContain('add set inet portcullis bans4 { type ipv4_addr; flags timeout; gc-interval 1h; }');
    expect(create).toContain('add set inet portcullis nets6 { type ipv6_addr; flags interval, timeout; gc-interval 1h; }');
    expect(create).toContain('add chain inet portcullis bans_prerouting { type filter hook prerouting priority raw; policy accept; }');
    expect(banChainLines().slice(1, 3)).toEqual([
      'add rule inet portcullis bans_prerouting ip saddr @trusted4 return',
      'add rule inet portcullis bans_prerouting ip6 saddr @trusted6 return',
    ]);
  });

  it('deletes the ban sets and chains of the earlier layout, and nothing of this one', () => {
    const old = 'table inet portcullis {\n\tset bans4 {\n\t\ttype ipv4_addr\n\t\tflags interval,timeout\n\t}\n'
      + '\tset bans6 {\n\t\ttype ipv6_addr\n\t\tflags interval,timeout\n\t}\n\tchain bans_input {\n\t}\n}';
    expect(migrationLines(old)).toEqual([
      'add chain inet portcullis bans_input { type filter hook input priority filter - 10; policy accept; }',
      'flush chain inet portcullis bans_input',
      'delete chain inet portcullis bans_input',
      'delete set inet portcullis bans4',
      'delete set inet portcullis bans6',
    ]);
    const now = 'table inet portcullis {\n\tset bans4 {\n\t\ttype ipv4_addr\n\t\tflags timeout\n\t}\n'
      + '\tset nets4 {\n\t\ttype ipv4_addr\n\t\tflags interval,timeout\n\t}\n\tchain bans_prerouting {\n\t}\n}';
    expect(migrationLines(now)).toEqual([]);
  });

  it('refuses bad addresses and timeouts before any command', () => {
    expect(() => banElement({ address: '1.2.3.4 }; flush ruleset; {' })).toThrow(/not an IP address/);
    expect(() => banElement({ address: '1.2.3.4', timeout: 0 })).toThrow(/timeout/);
  });

  it('reads elements of every shape nft -j prints', () => {
    const json = JSON.stringify({
      nftables: [
        { metainfo: { version: '1.0.6' } },
        { set: { family: 'inet', table: 'portcullis', name: 'bans4', elem: ['1.2.3.4', { prefix: { addr: '10.0.0.0', len: 24 } }, { elem: { val: '5.6.7.8', timeout: 60, expires: 59 } }, { range: ['9.0.0.1', '9.0.0.9'] }] } },
        { set: { family: 'inet', table: 'portcullis', name: 'bans6', elem: [{ elem: { val: { prefix: { addr: '2001:db8::', len: 48 } }, timeout: 5 } }] } },
        { set: { family: 'inet', table: 'portcullis', name: 'trusted4', elem: ['127.0.0.1'] } },
        { set: { family: 'ip', table: 'other', name: 'bans4', elem: ['8.8.8.8'] } },
      ],
    });
    expect(parseBanElements(json)).toEqual(['1.2.3.4', '10.0.0.0/24', '5.6.7.8', '9.0.0.1-9.0.0.9', '2001:db8::/48']);
  });

  it('knows what a listed element covers', () => {
    expect(listedElement('10.0.0.0/24').range).toEqual({ family: 4, first: 0x0a000000n, last: 0x0a0000ffn });
    expect(listedElement('9.0.0.1-9.0.0.9').range).toEqual({ family: 4, first: 0x09000001n, last: 0x09000009n });
    expect(listedElement('2001:db8::1').range?.family).toBe(6);
    expect(listedElement('{"weird":1}').range).toBeNull();
  });

  it('splits a ruleset into tables and lists ours without its elements', () => {
    const text = [
      '# Warning: table ip filter is managed by iptables-nft, do not touch!',
      'table ip filter {',
      '\tchain INPUT {',
      '\t}',
      '}',
      'table inet portcullis {',
      '\tset bans4 {',
      '\t\ttype ipv4_addr',
      '\t\tflags interval,timeout',
      '\t\telements = { 1.2.3.4 timeout 1m expires 59s, 10.0.0.0/24,',
      '\t\t\t     5.6.7.8 }',
      '\t}',
      '\tset trusted4 {',
      '\t\telements = { 127.0.0.1 }',
      '\t}',
      '\tchain bans_input {',
      '\t\tip saddr @bans4 drop',
      '\t}',
      '}',
      '',
    ].join('\n');
    const blocks = splitTables(text);
    expect(blocks.map((b) => b.name)).toEqual(['ip filter', 'inet portcullis']);
    expect(blocks[0]!.text.split('\n')[0]).toMatch(/^# Warning/);
    const managed = ownTableLines(blocks[1]!);
    expect(managed.join('\n')).not.toMatch(/elements|1\.2\.3\.4|127\.0\.0\.1/);
    expect(managed).toContain('\t\tip saddr @bans4 drop');
    expect(managed).toContain('\t\tflags interval,timeout');
  });
});

describe('restoreLines', () => {
  /** What the ban sets hold after a script's element statements: set -> address -> timeout (Infinity: none). */
  function applied(lines: Iterable<string>): Map<string, Map<string, number>> {
    const sets = new Map<string, Map<string, number>>();
    const setOf = (name: string) => sets.get(name) ?? sets.set(name, new Map()).get(name)!;
    for (const line of lines) {
      const flush = /^flush set inet portcullis (\w+)$/.exec(line);
      if (flush) {
        setOf(flush[1]!).clear();
        continue;
      }
      const m = /^(add|delete) element inet portcullis (\w+) \{ (.*) \}$/.exec(line);
      if (!m) throw new Error(`unexpected line: ${line}`);
      const set = setOf(m[2]!);
      for (const element of m[3]!.split(', ')) {
        const [address, , timeout] = element.split(' ');
        if (m[1] === 'delete') {
          if (!set.delete(address!)) throw new Error(`delete of ${address}, not in ${m[2]}`);
        } else if (set.has(address!)) {
          throw new Error(`${address} added twice to ${m[2]}`);
        } else {
          set.set(address!, timeout ? Number(timeout.slice(0, -1)) : Infinity);
        }
      }
    }
    return sets;
  }

  it('makes the sets hold the distinct checked bans, the longer of two, networks apart', () => {
    const entries = Array.from({ length: 5000 }, (_, i) => {
      const address = i % 3 === 0 ? `2001:db8::${(i % 2000).toString(16)}` : i % 97 === 1 ? `198.18.${i & 255}.0/24` : `198.18.${(i >> 8) & 15}.${i & 255}`;
      return i % 7 === 0 ? { address } : { address, timeout: 60 + (i % 13) };
    });
    // Forms checkAddress makes canonical: written as checked.
    entries.push({ address: '2001:DB8::1', timeout: 99_999 }, { address: '::ffff:198.18.3.3' });
    const elements = entries.map(banElement);
    const single = (e: SetElement) => e.checked.prefix === (e.checked.family === 4 ? 32 : 128);
    const flushes = ['bans4', 'bans6', 'nets4', 'nets6'].map((set) => `flush set inet portcullis ${set}`);
    const expected = applied([...flushes, ...elementLines('add', BAN_SETS, distinctElements(elements.filter(single))), ...elementLines('add', NET_SETS, distinctElements(elements.filter((e) => !single(e))))]);
    const singles = new AddressSlots();
    const lines = [...restoreLines(entries, singles)];
    expect(lines.slice(0, 4)).toEqual(flushes);
    expect(applied(lines)).toEqual(expected);
    expect(expected.get('bans6')!.get('2001:db8::1')).toBe(99_999);
    expect(singles.size).toBe(expected.get('bans4')!.size + expected.get('bans6')!.size);
    expect([...expected.get('bans4')!.keys()].every((ip) => singles.has(ip))).toBe(true);
    expect([...restoreLines([], new AddressSlots())]).toHaveLength(4);
    expect(() => [...restoreLines([{ address: '198.18.0.1', timeout: -1 }], new AddressSlots())]).toThrow(/positive/);
    expect(() => [...restoreLines([{ address: '198.18.0.1' }, { address: 'nonsense' }], new AddressSlots())]).toThrow(/nonsense/);
  });

  it('reads the entries only as its statements are taken', () => {
    let read = 0;
    function* entries(): Generator<{ address: string; timeout: number }> {
      for (let i = 0; i < 5000; i++) {
        read++;
        yield { address: `198.18.${i >> 8}.${i & 255}`, timeout: 600 };
      }
    }
    const lines = restoreLines(entries(), new AddressSlots());
    for (let i = 0; i < 5; i++) lines.next(); // the four flushes and the first 1,000 addresses
    expect(read).toBe(1000);
    expect([...lines]).toHaveLength(4);
    expect(read).toBe(5000);
  });
});
