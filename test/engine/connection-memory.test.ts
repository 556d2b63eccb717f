process.env.TZ = 'UTC';

import { describe, expect, it } from 'vitest';
import { ConnectionMemory } from '../../src/engine/filter/connection-memory.js';
import { compile } from './helpers.js';

const NOW = Date.UTC(2026, 10, 26, 12);
const PREFIX = '^\\s*<F-MLFID>\\S+ sshd\\[\\d+\\]:</F-MLFID> ';
const filter = () =>
  compile(
    [
      `${PREFIX}Disconnecting: Too many authentication failures(?: for <F-USER>\\S+</F-USER>)? \\[preauth\\]$`,
      `${PREFIX}Failed password for <F-USER>\\S+</F-USER> from <ADDR> port \\d+ ssh2$`,
      `${PREFIX}Connection from <ADDR> port \\d+<F-NOFAIL></F-NOFAIL>$`,
      `${PREFIX}Connection closed by <ADDR> \\[preauth\\]<F-NOFAIL></F-NOFAIL>$`,
    ],
    {},
    { now: () => NOW },
  );

describe('connections tied by <F-MLFID>', () => {
  it('takes the address from an earlier line of the same connection', () => {
    const f = filter();
    expect(f.matchLine('Nov 24 10:00:00 srv sshd[26713]: Connection from 198.18.0.77 port 51353', NOW).kind).toBe('ignored');
    const r = f.matchLine('Nov 24 10:00:03 srv sshd[26713]: Disconnecting: Too many authentication failures for root [preauth]', NOW);
    expect(r).toMatchObject({ kind: 'failure', ip: '198.18.0.77', user: 'root', regexIndex: 0, time: Date.UTC(2026, 10, 24, 10, 0, 3) });
  });

  it('holds a failure without an address until a later line of the same connection names it', () => {
    const f = filter();
    expect(f.matchLine('Nov 24 10:00:00 srv sshd[8148]: Disconnecting: Too many authentication failures for root [preauth]', NOW).kind).toBe('ignored');
    const r = f.matchLine('Nov 24 10:00:18 srv sshd[8148]: Connection closed by 2001:db8::61 [preauth]', NOW);
    expect(r).toMatchObject({ kind: 'failure', ip: '2001:db8::61', user: 'root', regexIndex: 0, time: Date.UTC(2026, 10, 24, 10, 0, 18) });
    // The pending failure counted once; the next close of the same connection is only a note.
    expect(f.matchLine('Nov 24 10:00:19 srv sshd[8148]: Connection closed by 2001:db8::61 [preauth]', NOW).kind).toBe('ignored');
  });

  it('never ties lines of different connections', () => {
    const f = filter();
    f.matchLine('Nov 24 10:00:00 srv sshd[9148]: Disconnecting: Too many authentication failures for root [preauth]', NOW);
    expect(f.matchLine('Nov 24 10:00:18 srv sshd[7148]: Connection closed by 198.18.0.61 [preauth]', NOW).kind).toBe('ignored');
    expect(f.matchLine('Nov 24 10:00:20 srv sshd[7148]: Disconnecting: Too many authentication failures [preauth]', NOW)).toMatchObject({
      kind: 'failure', ip: '198.18.0.61',
    });
  });

  it('a failure line with its own address counts on its own', () => {
    const f = filter();
    expect(f.matchLine('Nov 24 10:00:00 srv sshd[1]: Failed password for root from 198.18.0.5 port 22 ssh2', NOW)).toMatchObject({
      kind: 'failure', ip: '198.18.0.5', regexIndex: 1,
    });
  });

  it('stays bounded under a flood of connections', () => {
    const memory = new ConnectionMemory(1000);
    for (let i = 0; i < 100_000; i++) memory.get(`sshd[${i}]`).host = '198.18.0.1';
    expect(memory.size).toBeLessThanOrEqual(2000);
    expect(memory.get('sshd[99999]').host).toBe('198.18.0.1');
    expect(memory.get('sshd[5]').host).toBeUndefined();
  });

  it('after a flood, each of the newest connections still finds its own state', () => {
    const memory = new ConnectionMemory(1000);
    const host = (i: number) => `198.18.${(i >> 8) & 255}.${i & 255}`;
    for (let i = 0; i < 50_000; i++) memory.get(`srv sshd[${i}]:`).host = host(i);
    // The newest 2,000 are kept, each with its own address; the ones before are forgotten.
    for (let i = 48_000; i < 50_000; i++) expect(memory.get(`srv sshd[${i}]:`).host).toBe(host(i));
    expect(memory.get('srv sshd[47999]:').host).toBeUndefined();
    expect(memory.size).toBe(2000);
  });

  it('keeps a connection that goes on logging while newer ones come and go', () => {
    const memory = new ConnectionMemory(100);
    memory.get('sshd[1]').host = '198.18.0.1';
    for (let i = 2; i < 10_000; i++) {
      memory.get(`sshd[${i}]`);
      if (i % 150 === 0) expect(memory.get('sshd[1]').host).toBe('198.18.0.1');
    }
    expect(memory.size).toBeLessThanOrEqual(200);
  });

  it('tells apart long ids that differ only at their end', () => {
    const memory = new ConnectionMemory(1000);
    const long = 'a-host-name-of-some-length.example.org sshd-session[';
    memory.get(`${long}1]`).user = 'one';
    memory.get(`${long}2]`).user = 'two';
    memory.get('short[1]').user = 'three';
    expect(memory.get(`${long}1]`).user).toBe('one');
    expect(memory.get(`${long}2]`).user).toBe('two');
    expect(memory.get(`${long}3]`).user).toBeUndefined();
    expect(memory.get('short[1]').user).toBe('three');
    expect(memory.get('short[2]').user).toBeUndefined();
  });
});

describe('users tried on one connection (<F-NOFAIL> with a user, <F-MLFGAINED>)', () => {
  const P = '^\\s*<F-MLFID>\\S+ sshd\\[\\d+\\]:</F-MLFID> ';
  const f = () =>
    compile(
      [
        `${P}<F-NOFAIL></F-NOFAIL>pam_unix\\(sshd:auth\\): authentication failure; ruser=<F-ALT_USER>\\S*</F-ALT_USER> rhost=<HOST>(?: user=<F-USER>\\S+</F-USER>)?$`,
        `${P}<F-MLFGAINED></F-MLFGAINED>Accepted \\S+ for <F-USER>\\S+</F-USER> from <ADDR> port \\d+ ssh2$`,
      ],
      {},
      { now: () => NOW },
    );
  const pam = (pid: number, user: string) => `Nov 24 10:00:00 srv sshd[${pid}]: pam_unix(sshd:auth): authentication failure; ruser=${user} rhost=198.18.0.114`;
  const accepted = (pid: number, user: string) => `Nov 24 10:00:05 srv sshd[${pid}]: Accepted password for ${user} from 198.18.0.114 port 52100 ssh2`;

  it('a failure of one user, then that user logs in: no failure', () => {
    const filter = f();
    expect(filter.matchLine(pam(1, 'rda'), NOW).kind).toBe('ignored');
    expect(filter.matchLine(pam(1, 'rda'), NOW).kind).toBe('ignored');
    expect(filter.matchLine(accepted(1, 'rda'), NOW).kind).toBe('ignored');
  });

  it('failures of a second user on the same connection count', () => {
    const filter = f();
    expect(filter.matchLine(pam(2, 'root'), NOW).kind).toBe('ignored');
    expect(filter.matchLine(pam(2, 'sudoer'), NOW)).toMatchObject({ kind: 'failure', ip: '198.18.0.114', user: 'sudoer' });
  });

  it('a login as another user after failures counts (the failures are not forgotten)', () => {
    const filter = f();
    filter.matchLine(pam(3, 'root'), NOW);
    filter.matchLine(pam(3, 'root'), NOW);
    expect(filter.matchLine(accepted(3, 'known'), NOW)).toMatchObject({ kind: 'failure', ip: '198.18.0.114', user: 'known', regexIndex: 1 });
  });

  it('never mixes the users of two connections', () => {
    const filter = f();
    filter.matchLine(pam(4, 'root'), NOW);
    expect(filter.matchLine(pam(5, 'admin'), NOW).kind).toBe('ignored');
    expect(filter.matchLine(accepted(6, 'known'), NOW).kind).toBe('ignored');
  });
});
