// Dates without a zone are read in the process's zone; fix it before any Date is made.
process.env.TZ = 'UTC';

import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/index.js';
import { EngineLog } from '../../src/engine/engine-log.js';
import { Engine, type EngineEvent } from '../../src/engine/engine.js';
import { compileFilter, loadFilter, type CompiledFilter, type LineResult } from '../../src/engine/filter/index.js';
import { MemoryStore } from '../../src/engine/memory-store.js';
import { DryRunBackend } from '../../src/firewall/dry-run-backend.js';
import { FAIL2BAN_LOG_DIR } from '../helpers/filter-paths.js';
import { safeSections } from '../helpers/safe-config.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait.js';
import { FAKE, payloads, REAL, TEMPLATES } from '../samples/injection-matrix.js';

const NOW = Date.parse('2026-11-26T12:00:00Z');
const compiled = new Map<string, CompiledFilter>();
function filter(name: string): CompiledFilter {
  let f = compiled.get(name);
  if (!f) compiled.set(name, (f = compileFilter(loadFilter(name), { now: () => NOW })));
  return f;
}

/** What a line gives, in the words the assertions compare: an address, a name, or "none". */
function verdict(result: LineResult): string {
  if (result.kind !== 'failure') return 'none';
  return result.ip ?? `name:${result.host}`;
}

/** Each line on a connection of its own, so the multi-line memory of one cannot help another. */
let pid = 20_000;
function fresh(line: string): string {
  pid += 1;
  return line.replace(/sshd\[\d+\]/, `sshd[${pid}]`);
}

describe('right address or none: every shipped filter, hostile text in every client-chosen slot', () => {
  for (const template of TEMPLATES) {
    describe(`${template.filter}: ${template.slot}: ${template.line('<u>').slice(0, 90)}`, () => {
      it(template.counts ? 'counts the real line, with the real address' : 'does not count the line by itself', () => {
        const got = verdict(filter(template.filter).matchLine(fresh(template.line(template.benign ?? 'alice')), NOW));
        expect(got).toBe(template.counts ? REAL : 'none');
      });

      it('gives the real address or none, whatever the client writes in the slot', () => {
        const wrong = payloads(template)
          .map((payload) => ({ payload, got: verdict(filter(template.filter).matchLine(fresh(template.line(payload)), NOW)) }))
          .filter(({ got }) => got !== REAL && got !== 'none' && !(got.startsWith('name:') && !got.includes(FAKE)));
        expect(wrong).toEqual([]);
      });
    });
  }
});

describe('lines whose address can be told apart from the attacker text give the real address', () => {
  const V = FAKE;
  const cases: { filter: string; line: string; why: string }[] = [
    {
      filter: 'nginx-http-auth',
      why: 'a user name holding "client: <ip>": nginx writes its own client field after the message',
      line: `2026/11/24 10:00:00 [error] 812#812: *9 user "client: ${V}": password mismatch, client: ${REAL}, server: www, request: "GET / HTTP/1.1", host: "www.example.test"`,
    },
    {
      filter: 'nginx-http-auth',
      why: 'a user name holding a whole fake message and client field: the fake host field is followed by text a Host header cannot hold (a blank)',
      line: `2026/11/24 10:00:00 [error] 812#812: *9 user "x": password mismatch, client: ${V}, server: www, request: "GET / HTTP/1.1", host: "www.example.test"" was not found in "/etc/nginx/.htpasswd", client: ${REAL}, server: www, request: "GET / HTTP/1.1", host: "www.example.test"`,
    },
    {
      filter: 'nginx-http-auth',
      why: 'a Referer holding a whole fake message: nginx cuts a Basic user name at its first colon, so the first client field after it is nginx\'s',
      line: `2026/11/24 10:00:00 [error] 812#812: *9 user "alice": password mismatch, client: ${REAL}, server: www, request: "GET / HTTP/1.1", host: "www.example.test", referrer: "x": password mismatch, client: ${V}, server: www, request: "GET / HTTP/1.1", host: "www.example.test"`,
    },
    {
      filter: 'sshd',
      why: 'a user name holding a whole "from <ip> port <n> ssh2" clause not followed by ": "',
      line: `Nov 24 10:00:00 gate sshd[4000]: Failed password for invalid user test from ${V} port 55555 ssh2 from ${REAL} port 58946 ssh2`,
    },
    {
      filter: 'sshd',
      why: 'a user name holding "from <ip>"',
      line: `Nov 24 10:00:00 gate sshd[4001]: Failed password for invalid user from ${V} from ${REAL} port 58946 ssh2`,
    },
    {
      filter: 'dovecot',
      why: 'a login user holding ", rip=<ip>": Dovecot writes rip= after the user field',
      line: `Nov 24 10:00:00 mx dovecot: imap-login: Disconnected (auth failed, 1 attempts in 2 secs): user=<x>, method=PLAIN, rip=${V}, lip=192.0.2.10>, method=PLAIN, rip=${REAL}, lip=192.0.2.10, TLS, session=<a1b2>`,
    },
  ];
  for (const c of cases) {
    it(`${c.filter}: ${c.why}`, () => {
      expect(verdict(filter(c.filter).matchLine(c.line, NOW))).toBe(REAL);
    });
  }
});

describe('lines that cannot be told apart give no failure', () => {
  it('sshd: "ssh2: " after the first clause and another clause at the end (user-name or auth-info injection)', () => {
    // Either the user name is "test from <V> port 1 ssh2:" and the client is REAL (OpenSSH writes
    // no auth info after a password), or the auth info is the client's text and the client is V.
    const line = `Nov 24 10:00:00 gate sshd[4100]: Failed password for invalid user test from ${FAKE} port 58946 ssh2: from ${REAL} port 55555 ssh2`;
    expect(verdict(filter('sshd').matchLine(line, NOW))).toBe('none');
    const line2 = `Nov 24 10:00:00 gate sshd[4101]: Failed password for invalid user x from ${FAKE} port 1 ssh2: y from ${REAL} port 58946 ssh2`;
    expect(verdict(filter('sshd').matchLine(line2, NOW))).toBe('none');
  });

  it('nginx: a user name holding a colon and a Referer holding a fake message', () => {
    const line = `2026/11/24 10:00:00 [error] 812#812: *9 user "a:b": password mismatch, client: ${REAL}, server: www, request: "GET / HTTP/1.1", host: "www.example.test", referrer: "x": password mismatch, client: ${FAKE}, server: www, request: "GET / HTTP/1.1", host: "www.example.test"`;
    expect(verdict(filter('nginx-http-auth').matchLine(line, NOW))).not.toBe(FAKE);
  });
});

// fail2ban's own injection samples, read where the Debian package installs them (never copied).
const fail2banSamples = existsSync(FAIL2BAN_LOG_DIR);
describe.skipIf(!fail2banSamples)("fail2ban's injection samples", () => {
  /** The annotated line that contains `text`, and the host its annotation gives. */
  function sample(name: string, text: string): { line: string; host: string } {
    const lines = readFileSync(path.join(FAIL2BAN_LOG_DIR, name), 'utf8').split('\n');
    const at = lines.findIndex((l) => l.includes(text) && !l.startsWith('#'));
    expect(at, `${name}: a line with ${text}`).toBeGreaterThan(0);
    const json = JSON.parse(lines[at - 1]!.replace(/^# failJSON:/, '')) as { host: string };
    return { line: lines[at]!, host: json.host };
  }

  it('sshd: user name "from 10.10.1.1" and "test from 10.10.1.2 port 55555 ssh2" give the real address', () => {
    for (const text of ['invalid user from 10.10.1.1 from 127.0.0.1', 'invalid user test from 10.10.1.2 port 55555 ssh2 from 127.0.0.1']) {
      const { line, host } = sample('sshd', text);
      expect(verdict(filter('sshd').matchLine(line, NOW)), line).toBe(host);
    }
  });

  it('sshd line "ssh2: from 10.10.1.2 port 55555 ssh2": never 10.10.1.2 (no failure: the line cannot be told apart)', () => {
    const { line, host } = sample('sshd', 'ssh2: from 10.10.1.2 port 55555 ssh2');
    expect(host).toBe('127.0.0.1');
    expect(['none', host]).toContain(verdict(filter('sshd').matchLine(line, NOW)));
  });

  it('nginx-http-auth: a user name holding "client: 127.0.0.1" gives the real address', () => {
    const { line, host } = sample('nginx-http-auth', 'client: 127.0.0.1, server: test');
    expect(verdict(filter('nginx-http-auth').matchLine(line, NOW))).toBe(host);
  });
});

describe('a jail whose filter yields an address in a trusted range (through the engine)', () => {
  it('refuses the trusted address, however it is written, and bans the attacker who named it', async () => {
    const tmp = makeTempDir('portcullis-injection-trusted-');
    const logFile = tmp.write('auth.log', '');
    const configPath = path.join(tmp.dir, 'config.toml');
    const config = parseConfig(`
[settings]
enabled = true
bantime = "10m"
[trusted]
ranges = ["127.0.0.0/8", "198.18.5.0/24", "2001:db8:5::/48"]
${safeSections(tmp.dir)}
[jails.sshd]
filter = "sshd"
logpath = [${JSON.stringify(logFile)}]
start_at = "beginning"
maxretry = 2
findtime = "1h"
bantime = "1h"
`, configPath);
    const log = new EngineLog();
    const firewall = new DryRunBackend();
    const events: EngineEvent[] = [];
    const engine = new Engine({ configPath, config, store: new MemoryStore(), firewall, log, follow: { pollMs: 20 }, onEvent: (e) => events.push(e) });
    try {
      await engine.start();
      const at = (i: number) => new Date(Date.now() - 60_000 + i * 1000).toISOString();
      const ATTACKER = '203.0.113.77';
      appendFileSync(logFile, [
        // Trusted addresses failing for real: plain, IPv4-mapped, IPv6.
        `${at(1)} gate sshd[7001]: Failed password for root from 198.18.5.5 port 1 ssh2`,
        `${at(2)} gate sshd[7002]: Failed password for root from ::ffff:198.18.5.5 port 2 ssh2`,
        `${at(3)} gate sshd[7003]: Failed password for root from 2001:db8:5::9 port 3 ssh2`,
        `${at(4)} gate sshd[7004]: Failed password for root from 2001:db8:5::9 port 4 ssh2`,
        // An attacker naming a trusted address in its user name: counted for the attacker only.
        `${at(5)} gate sshd[7005]: Failed password for invalid user x from 127.0.0.1 port 22 ssh2 from ${ATTACKER} port 5 ssh2`,
        `${at(6)} gate sshd[7006]: Invalid user client: 127.0.0.1 from ${ATTACKER} port 6`,
        // And one naming it where the two readings differ: no failure for anyone.
        `${at(7)} gate sshd[7007]: Failed password for invalid user y from 127.0.0.1 port 1 ssh2: z from ${ATTACKER} port 7 ssh2`,
        '',
      ].join('\n'));
      const refused = (ip: string) => events.some((e) => e.type === 'refused' && e.ip === ip);
      await waitFor(() => refused('198.18.5.5') && refused('2001:db8:5::9') && engine.bans.get(ATTACKER) !== undefined,
        'the trusted addresses refused and the attacker banned', 15_000);
      await engine.bans.idle();
      expect((await firewall.listBans()).sort()).toEqual([ATTACKER]);
      expect(engine.list().map((b) => b.ip)).toEqual([ATTACKER]);
      // The trusted range never reached the firewall as a ban, and 127.0.0.1 was never counted.
      const failures = events.flatMap((e) => (e.type === 'failure' ? [e.ip] : []));
      expect(failures).not.toContain('127.0.0.1');
      expect(failures.filter((ip) => ip === ATTACKER)).toHaveLength(2);
      expect(firewall.log.some((line) => line.includes('198.18.5.5') && /ban|add/i.test(line))).toBe(false);
    } finally {
      await engine.stop();
      tmp.remove();
    }
  });
});
