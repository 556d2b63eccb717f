import { describe, expect, it } from 'vitest';
import { IptablesBackend } from '../../src/firewall/iptables/iptables-backend.js';
import { rawStartLines, startLines, stopLines } from '../../src/firewall/iptables/chain-script.js';
import { checkBan, checkTrusted, MAX_SET_TIMEOUT, parseSetHeaders, parseSetSave, replaceBansScript, replaceScript } from '../../src/firewall/iptables/ipset-script.js';
import { multiportChunks } from '../../src/firewall/iptables/rules-script.js';
import { filterTable, parseSave, splitSave } from '../../src/firewall/iptables/save-parser.js';
import type { FirewallRule, RuleSet } from '../../src/firewall/types.js';
import { rule } from '../helpers/rules.js';

const plan = (rules: FirewallRule[], defaultPolicy: RuleSet['defaultPolicy'] = 'accept') =>
  new IptablesBackend().planRules({ defaultPolicy, rules });

/** The plan's lines for one family: the script after the comment that names its command. */
function familyLines(lines: string[], family: 4 | 6): string[] {
  const v6 = lines.indexOf('# ip6tables-restore --noflush');
  return family === 4 ? lines.slice(0, v6) : lines.slice(v6);
}

describe('iptables rules script', () => {
  it('declares and flushes only our chain, accepts established and loopback, then the rules', () => {
    const lines = plan([rule({ name: 'ssh', ports: [22] })], 'drop');
    expect(familyLines(lines, 4)).toEqual([
      '# iptables-restore --noflush',
      '*filter',
      ':PORTCULLIS-RULES - [0:0]',
      '-F PORTCULLIS-RULES',
      '-A PORTCULLIS-RULES -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT',
      '-A PORTCULLIS-RULES -i lo -j ACCEPT',
      '-A PORTCULLIS-RULES -p tcp -m multiport --dports 22 -m comment --comment "portcullis:ssh" -j ACCEPT',
      '-A PORTCULLIS-RULES -j DROP',
      'COMMIT',
    ]);
    const v6 = familyLines(lines, 6);
    for (const type of [133, 134, 135, 136]) {
      expect(v6).toContain(`-A PORTCULLIS-RULES -p ipv6-icmp -m icmp6 --icmpv6-type ${type} -j ACCEPT`);
    }
    expect(v6).toContain('-A PORTCULLIS-RULES -p tcp -m multiport --dports 22 -m comment --comment "portcullis:ssh" -j ACCEPT');
  });

  it('leaves the rest to the host when the default is accept', () => {
    const lines = plan([]);
    expect(lines.filter((l) => l.endsWith('-j DROP'))).toEqual([]);
  });

  it('sends each source to its own family and skips a family without sources', () => {
    const lines = plan([
      rule({ name: 'v4only', action: 'deny', protocol: 'any', sources: ['198.51.100.7', '203.0.113.0/24'] }),
      rule({ name: 'mixed', protocol: 'icmp', sources: ['::ffff:192.0.2.1', '2001:db8::5'] }),
    ]);
    expect(familyLines(lines, 4).filter((l) => l.includes('portcullis:'))).toEqual([
      '-A PORTCULLIS-RULES -s 198.51.100.7/32 -m comment --comment "portcullis:v4only" -j DROP',
      '-A PORTCULLIS-RULES -s 203.0.113.0/24 -m comment --comment "portcullis:v4only" -j DROP',
      '-A PORTCULLIS-RULES -s 192.0.2.1/32 -p icmp -m comment --comment "portcullis:mixed" -j ACCEPT',
    ]);
    expect(familyLines(lines, 6).filter((l) => l.includes('portcullis:'))).toEqual([
      '-A PORTCULLIS-RULES -s 2001:db8::5/128 -p ipv6-icmp -m comment --comment "portcullis:mixed" -j ACCEPT',
    ]);
  });

  it('splits ports into multiport matches of at most 15 slots, a range counting two', () => {
    const ports = Array.from({ length: 14 }, (_, i) => 1000 + i);
    expect(multiportChunks([...ports, [2000, 2010]])).toEqual([ports.join(','), '2000:2010']);
    expect(multiportChunks([[5, 5], [6, 9]])).toEqual(['5,6:9']);
    const lines = plan([rule({ name: 'many', protocol: 'udp', ports: Array.from({ length: 31 }, (_, i) => i + 1) })]);
    expect(familyLines(lines, 4).filter((l) => l.includes('multiport'))).toHaveLength(3);
  });

  it('refuses what it cannot express exactly, naming the culprit', () => {
    expect(() => plan([rule({ sources: ['10.0.0.1; rm -rf /'] })])).toThrow(/10\.0\.0\.1; rm -rf/);
    expect(() => plan([rule({ name: 'x"\n-A INPUT -j ACCEPT' })])).toThrow(/rule name/);
    expect(() => plan([rule({ protocol: 'icmp', ports: [22] })])).toThrow(/ports need protocol tcp or udp/);
    expect(() => plan([rule({ ports: [70000] })])).toThrow(/70000/);
    expect(() => plan([rule({ ports: [[90, 80]] })])).toThrow(/backwards/);
    expect(() => plan([rule({ name: 'a' }), rule({ name: 'a' })])).toThrow(/used twice/);
  });
});

describe('ipset script', () => {
  it('checks bans: canonical text, rounded timeouts, too long means until removed', () => {
    expect(checkBan({ address: '2001:DB8:0:0::1', timeout: 9.2 })).toEqual({ text: '2001:db8::1', family: 6, timeout: 10 });
    expect(checkBan({ address: '198.51.100.0/24' })).toEqual({ text: '198.51.100.0/24', family: 4 });
    expect(checkBan({ address: '192.0.2.1', timeout: MAX_SET_TIMEOUT + 1 })).toEqual({ text: '192.0.2.1', family: 4 });
    expect(() => checkBan({ address: '192.0.2.1', timeout: 0 })).toThrow(/positive/);
    expect(() => checkBan({ address: '0.0.0.0/0' })).toThrow(/every address/);
    expect(() => checkBan({ address: 'example.com' })).toThrow(/example\.com/);
  });

  it('splits a trusted /0 into halves, since hash:net cannot hold it', () => {
    expect(checkTrusted('0.0.0.0/0').map((m) => m.text)).toEqual(['0.0.0.0/1', '128.0.0.0/1']);
    expect(checkTrusted('::/0').map((m) => m.text)).toEqual(['::/1', '8000::/1']);
  });

  it('replaces through a temporary set swapped in', () => {
    const script = replaceScript('bans', [checkBan({ address: '192.0.2.1', timeout: 60 }), checkBan({ address: '2001:db8::1' })]);
    expect(script.split('\n')).toEqual([
      'create portcullis-bans4 hash:net family inet hashsize 65536 maxelem 4194304 timeout 0',
      'create portcullis-bans4-new hash:net family inet hashsize 65536 maxelem 4194304 timeout 0',
      'flush portcullis-bans4-new',
      'add portcullis-bans4-new 192.0.2.1 timeout 60',
      'swap portcullis-bans4-new portcullis-bans4',
      'destroy portcullis-bans4-new',
      'create portcullis-bans6 hash:net family inet6 hashsize 65536 maxelem 4194304 timeout 0',
      'create portcullis-bans6-new hash:net family inet6 hashsize 65536 maxelem 4194304 timeout 0',
      'flush portcullis-bans6-new',
      'add portcullis-bans6-new 2001:db8::1 timeout 0',
      'swap portcullis-bans6-new portcullis-bans6',
      'destroy portcullis-bans6-new',
      '',
    ]);
  });

  it('reads sets back from ipset output', () => {
    const save = 'create portcullis-bans6 hash:net family inet6 hashsize 1024 maxelem 4194304 timeout 0\n'
      + 'add portcullis-bans6 2001:db8:0::1 timeout 0\nadd portcullis-bans6 2001:db8:1::/48 timeout 30\nadd other 2001:db8::9\n';
    expect(parseSetSave(save, 'portcullis-bans6')).toEqual(['2001:db8::1', '2001:db8:1::/48']);
    const headers = 'Name: a\nType: hash:net\nNumber of entries: 3\n\nName: portcullis-bans4\nNumber of entries: 12\n';
    expect(parseSetHeaders(headers)).toEqual(new Map([['a', 3], ['portcullis-bans4', 12]]));
  });
});

describe('iptables-save reconciliation', () => {
  const ours = [':PORTCULLIS-RULES - [0:0]', '-A INPUT -j PORTCULLIS-RULES', '-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT', '-A PORTCULLIS-RULES -j DROP'];
  const oursRaw = [
    ':PORTCULLIS-BANS - [0:0]',
    '-A PREROUTING -j PORTCULLIS-BANS',
    '-A PREROUTING -p udp --dport 9 -j CT --notrack',
    '-A PORTCULLIS-BANS -m set --match-set portcullis-trusted4 src -j RETURN',
    '-A PORTCULLIS-BANS -m set --match-set portcullis-bans4 src -j DROP',
  ];
  /** The earlier layout: the bans chain in filter, jumped to from INPUT, FORWARD and DOCKER-USER. */
  const oldFilter = [
    ':PORTCULLIS-BANS - [0:0]',
    ':PORTCULLIS-RULES - [0:0]',
    ':DOCKER-USER - [0:0]',
    '-A INPUT -j PORTCULLIS-BANS',
    '-A INPUT -j PORTCULLIS-RULES',
    '-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT',
    '-A FORWARD -j PORTCULLIS-BANS',
    '-A DOCKER-USER -j PORTCULLIS-BANS',
    '-A PORTCULLIS-BANS -m set --match-set portcullis-trusted4 src -j RETURN',
    '-A PORTCULLIS-BANS -m set --match-set portcullis-bans4 src -j DROP',
    '-A PORTCULLIS-RULES -j DROP',
  ];
  const save = (lines: string[]) => ['# Generated by test', '*filter', ':INPUT ACCEPT [1:2]', ':FORWARD DROP [0:0]', ':OUTPUT ACCEPT [0:0]', ...lines, 'COMMIT', '# Completed'].join('\n');
  const saveRaw = (lines: string[]) => ['*raw', ':PREROUTING ACCEPT [0:0]', ':OUTPUT ACCEPT [0:0]', ...lines, 'COMMIT'].join('\n');

  it('does nothing when everything is in place', () => {
    expect(startLines(filterTable(parseSave(save(ours))))).toEqual([]);
    expect(rawStartLines(filterTable(parseSave(saveRaw(oursRaw)), 'raw'), 4)).toEqual([]);
  });

  it('creates the bans chain in raw PREROUTING and the rules chain in filter INPUT on bare tables', () => {
    expect(rawStartLines(filterTable(parseSave(save([])), 'raw'), 6)).toEqual([
      '*raw',
      ':PORTCULLIS-BANS - [0:0]',
      '-A PORTCULLIS-BANS -m set --match-set portcullis-trusted6 src -j RETURN',
      '-A PORTCULLIS-BANS -m set --match-set portcullis-bans6 src -j DROP',
      '-I PREROUTING 1 -j PORTCULLIS-BANS',
      'COMMIT',
    ]);
    expect(startLines(filterTable(parseSave(save([]))))).toEqual(['*filter', ':PORTCULLIS-RULES - [0:0]', '-I INPUT 1 -j PORTCULLIS-RULES', 'COMMIT']);
  });

  it('moves a jump that is no longer first', () => {
    const moved = oursRaw.filter((l) => l !== '-A PREROUTING -j PORTCULLIS-BANS').concat('-A PREROUTING -j PORTCULLIS-BANS');
    expect(rawStartLines(filterTable(parseSave(saveRaw(moved)), 'raw'), 4)).toEqual([
      '*raw',
      '-D PREROUTING -j PORTCULLIS-BANS',
      '-I PREROUTING 1 -j PORTCULLIS-BANS',
      'COMMIT',
    ]);
  });

  it('takes the bans chain of the earlier layout out of filter', () => {
    expect(startLines(filterTable(parseSave(save(oldFilter))))).toEqual([
      '*filter',
      '-D INPUT -j PORTCULLIS-BANS',
      '-D INPUT -j PORTCULLIS-RULES',
      '-I INPUT 1 -j PORTCULLIS-RULES',
      '-D FORWARD -j PORTCULLIS-BANS',
      '-D DOCKER-USER -j PORTCULLIS-BANS',
      '-F PORTCULLIS-BANS',
      '-X PORTCULLIS-BANS',
      'COMMIT',
    ]);
  });

  it('stops by removing jumps, then chains, in each table', () => {
    expect(stopLines(filterTable(parseSave(save(ours))))).toEqual(['*filter', '-D INPUT -j PORTCULLIS-RULES', '-F PORTCULLIS-RULES', '-X PORTCULLIS-RULES', 'COMMIT']);
    expect(stopLines(filterTable(parseSave(saveRaw(oursRaw)), 'raw'))).toEqual([
      '*raw',
      '-D PREROUTING -j PORTCULLIS-BANS',
      '-F PORTCULLIS-BANS',
      '-X PORTCULLIS-BANS',
      'COMMIT',
    ]);
    expect(stopLines(filterTable(parseSave(save([]))))).toEqual([]);
  });

  it('splits managed from foreign lines, raw table included', () => {
    const { managed, foreign } = splitSave(`${saveRaw(oursRaw)}\n${save(ours)}`, 'iptables');
    expect(managed[0]).toBe('iptables -N PORTCULLIS-BANS');
    expect(managed).toContain('iptables -A PREROUTING -j PORTCULLIS-BANS');
    expect(managed).toContain('iptables -A INPUT -j PORTCULLIS-RULES');
    expect(foreign).toEqual([
      '*raw',
      ':PREROUTING ACCEPT [0:0]',
      ':OUTPUT ACCEPT [0:0]',
      '-A PREROUTING -p udp --dport 9 -j CT --notrack',
      'COMMIT',
      '*filter',
      ':INPUT ACCEPT [1:2]',
      ':FORWARD DROP [0:0]',
      ':OUTPUT ACCEPT [0:0]',
      '-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT',
      'COMMIT',
    ]);
  });
});

describe('replaceBansScript', () => {
  it('writes what replaceScript writes for the checked bans, in one pass, for a restore of thousands', () => {
    const entries = Array.from({ length: 12_000 }, (_, i) => {
      const address = i % 3 === 0 ? `2001:db8::${i.toString(16)}` : i % 50 === 1 ? `198.18.${i & 255}.0/24` : `198.${18 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`;
      return i % 7 === 0 ? { address } : { address, timeout: i % 11 === 0 ? MAX_SET_TIMEOUT + 5 : 60 + i };
    });
    // The same lines, each set's in the same order; both sets filled before either is swapped in.
    const made = [...replaceBansScript(entries)].join('').trimEnd().split('\n');
    const whole = replaceScript('bans', entries.map(checkBan)).trimEnd().split('\n');
    const ofSet = (lines: string[], set: string) => lines.filter((line) => line.split(' ')[1] === set);
    for (const set of ['portcullis-bans4', 'portcullis-bans6', 'portcullis-bans4-new', 'portcullis-bans6-new']) {
      expect(ofSet(made, set)).toEqual(ofSet(whole, set));
    }
    expect(made.length).toBe(whole.length);
    expect(made.slice(-4)).toEqual(['swap portcullis-bans4-new portcullis-bans4', 'destroy portcullis-bans4-new', 'swap portcullis-bans6-new portcullis-bans6', 'destroy portcullis-bans6-new']);
    expect([...replaceBansScript([])].join('').split('\n').sort()).toEqual(replaceScript('bans', []).split('\n').sort());
    expect(() => [...replaceBansScript([{ address: '198.18.0.1' }, { address: '0.0.0.0/0' }])]).toThrow(/every address/);
  });
});
