/**
 * Deterministic generator of a Debian syslog-format auth log for the regex benchmark.
 *
 * Lines come from short "connections" (an sshd pid with its IP, port and user) that are
 * interleaved the way a busy host interleaves them, so each pid's lines are coherent: fail2ban
 * correlates lines by pid (its MLFID), and lines that contradict each other under one pid would
 * make its counts depend on that correlation rather than on the regexes.
 *
 * Usage: node --import tsx bench/generate-auth-log.ts <out> [lines] [seed]
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { pathToFileURL } from 'node:url';
import { mulberry32 } from '../src/demo/random.js';

export { mulberry32 };

/** What the generator wrote, by kind of line, so a benchmark can explain a count mismatch. */
export interface AuthLogStats {
  lines: number;
  bytes: number;
  /** Lines per kind, e.g. `failed-invalid`, `cron-open`. */
  kinds: Record<string, number>;
  /** Lines logged as `sshd-session[pid]` (OpenSSH 9.8+) rather than `sshd[pid]`. */
  sshdSessionLines: number;
  /** `Failed password` and `Invalid user` lines: failures for fail2ban's sshd filter. */
  failures: number;
  /** Of those, the ones logged as `sshd-session`, which fail2ban 1.0.2's sshd filter misses. */
  sshdSessionFailures: number;
}

/** Options beyond the line count and seed. */
export interface AuthLogOptions {
  /** Share of sshd connections logged as `sshd-session` (default 0.1). */
  sshdSessionShare?: number;
}


const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const VALID_USERS = ['root', 'root', 'root', 'root', 'ubuntu', 'debian', 'admin'];
const INVALID_USERS = ['test', 'guest', 'oracle', 'ftpuser', 'pi', 'support', 'user1', 'hadoop',
  'minecraft', 'nagios', 'steam', 'ansible', 'jenkins', 'tomcat', 'mysql', 'postgres', 'dev',
  'operator', 'ts3', 'git', 'vagrant', 'elastic', 'zabbix', 'solana', 'sol', 'teamspeak',
  // odd names OpenSSH really logs: empty, with a space, and one that looks like a clause
  '', 'admin test', 'x from y'];
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

type Line = [kind: string, text: string];

/** Writes `lines` lines to `path`; the same (lines, seed, options) always gives the same bytes. */
export async function generateAuthLog(path: string, lines: number, seed = 1,
  options: AuthLogOptions = {}): Promise<AuthLogStats> {
  const rand = mulberry32(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const hex = () => int(0, 0xffff).toString(16);
  const sessionShare = options.sshdSessionShare ?? 0.1;

  // A few thousand attackers, some far busier than others (rand()^2 skews towards the start).
  const attackers: string[] = [];
  for (let i = 0; i < 3000; i++) {
    attackers.push(i % 10 === 9
      ? `2001:db8:${hex()}:${hex()}::${hex()}`
      : `198.${int(18, 19)}.${int(0, 255)}.${int(1, 254)}`);
  }
  const attacker = () => attackers[Math.floor(rand() * rand() * attackers.length)]!;
  const legit = ['2001:db8:feed::2'];
  for (let i = 0; i < 15; i++) legit.push(`203.0.113.${int(1, 254)}`, `192.0.2.${int(1, 254)}`);
  const keys = Array.from({ length: 4 }, () =>
    Array.from({ length: 43 }, () => B64[int(0, 63)]).join(''));

  // Each script is one connection's lines; weights are tuned to the mix in the issue
  // (30% Failed, 10% Invalid user, 5% Connection closed, 5% pam auth, 10% Accepted,
  // 15% sshd sessions, 5% Received disconnect, 20% CRON).
  const invalidAttack = (): Line[] => {
    const u = pick(INVALID_USERS), ip = attacker(), p = int(1024, 65535);
    const out: Line[] = [['invalid-user', `Invalid user ${u} from ${ip} port ${p}`]];
    for (let n = int(1, 2); n > 0; n--) {
      out.push(['failed-invalid', `Failed password for invalid user ${u} from ${ip} port ${p} ssh2`]);
    }
    return out;
  };
  const userAttack = (): Line[] => {
    const u = pick(VALID_USERS), ip = attacker(), p = int(1024, 65535);
    const out: Line[] = [['pam-auth-failure', 'pam_unix(sshd:auth): authentication failure; logname= '
      + `uid=0 euid=0 tty=ssh ruser= rhost=${ip}  user=${u}`]];
    for (let n = int(2, 4); n > 0; n--) {
      out.push(['failed-password', `Failed password for ${u} from ${ip} port ${p} ssh2`]);
    }
    out.push(['connection-closed', `Connection closed by authenticating user ${u} ${ip} port ${p} [preauth]`]);
    return out;
  };
  const login = (): Line[] => {
    const ip = pick(legit), p = int(1024, 65535);
    const out: Line[] = [
      ['accepted', `Accepted publickey for deploy from ${ip} port ${p} ssh2: ED25519 SHA256:${pick(keys)}`],
      ['session-open', 'pam_unix(sshd:session): session opened for user deploy(uid=1000) by (uid=0)'],
    ];
    if (rand() < 0.5) {
      out.push(['disconnect', `Received disconnect from ${ip} port ${p}:11: disconnected by user`],
        ['session-close', 'pam_unix(sshd:session): session closed for user deploy']);
    }
    return out;
  };
  const cron = (): Line[] => [
    ['cron-open', 'pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)'],
    ['cron-close', 'pam_unix(cron:session): session closed for user root'],
  ];

  interface Conn { daemon: string; lines: Line[]; next: number }
  let pid = 1000;
  const open = (): Conn => {
    pid = pid >= 4_000_000 ? 1000 : pid + int(1, 40);
    const r = rand() * 35; // expected lines: 10*2.5 + 5*5 + 10*3 + 10*2 = 100 per 35 scripts
    if (r < 10) return { daemon: 'CRON', lines: cron(), next: 0 };
    const daemon = rand() < sessionShare ? 'sshd-session' : 'sshd';
    const lines = r < 20 ? invalidAttack() : r < 25 ? userAttack() : login();
    return { daemon, lines, next: 0 };
  };
  const active: Conn[] = [];
  const pids: number[] = [];
  for (let i = 0; i < 8; i++) {
    active.push(open());
    pids.push(pid);
  }

  const stats: AuthLogStats = { lines, bytes: 0, kinds: {}, sshdSessionLines: 0, failures: 0,
    sshdSessionFailures: 0 };
  const out = createWriteStream(path, { highWaterMark: 1 << 20 });
  let time = Date.UTC(2025, 10, 24, 10, 0, 0);
  let chunk = '';
  for (let i = 0; i < lines; i++) {
    const slot = int(0, active.length - 1);
    let conn = active[slot]!;
    const [kind, text] = conn.lines[conn.next++]!;
    const d = new Date((time += int(0, 600)));
    const stamp = `${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} `
      + `${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')}:`
      + `${String(d.getUTCSeconds()).padStart(2, '0')}`;
    chunk += `${stamp} web1 ${conn.daemon}[${pids[slot]}]: ${text}\n`;
    stats.kinds[kind] = (stats.kinds[kind] ?? 0) + 1;
    const failure = kind === 'invalid-user' || kind.startsWith('failed-');
    if (failure) stats.failures++;
    if (conn.daemon === 'sshd-session') {
      stats.sshdSessionLines++;
      if (failure) stats.sshdSessionFailures++;
    }
    if (conn.next >= conn.lines.length) {
      active[slot] = conn = open();
      pids[slot] = pid;
    }
    if (chunk.length >= 1 << 16) {
      stats.bytes += Buffer.byteLength(chunk);
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  stats.bytes += Buffer.byteLength(chunk);
  out.end(chunk);
  await once(out, 'finish');
  return stats;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [outPath, count = '1000000', seed = '1'] = process.argv.slice(2);
  if (!outPath) {
    console.error('usage: node --import tsx bench/generate-auth-log.ts <out> [lines] [seed]');
    process.exit(2);
  }
  const started = performance.now();
  const stats = await generateAuthLog(outPath, Number(count), Number(seed));
  const secs = ((performance.now() - started) / 1000).toFixed(2);
  console.log(`wrote ${stats.lines} lines (${(stats.bytes / 1e6).toFixed(1)} MB) to ${outPath} in ${secs} s`);
  console.log(JSON.stringify(stats.kinds));
}
