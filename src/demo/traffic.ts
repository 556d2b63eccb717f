import type { DemoRandom } from './random.js';

/**
 * Log lines for the demo, in the exact formats the shipped filters read. Pure: randomness comes
 * from the caller's seeded {@link DemoRandom} when a line is planned, the time when it is written.
 */

/** The services the demo can play, each named as its jail and shipped filter. */
export const DEMO_SERVICES = ['sshd', 'nginx-http-auth', 'apache-auth', 'postfix', 'dovecot'] as const;
/** One of {@link DEMO_SERVICES}. */
export type DemoService = (typeof DEMO_SERVICES)[number];

/** A planned line; given the time it is written (epoch ms), the text without a newline. */
export type LineMaker = (time: number) => string;

/** True if `name` is one of {@link DEMO_SERVICES}. */
export function isDemoService(name: string): name is DemoService {
  return (DEMO_SERVICES as readonly string[]).includes(name);
}

const HOST = 'demo';
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const pad = (n: number, width = 2, fill = '0') => String(n).padStart(width, fill);
const clock = (d: Date) => `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;

/** `Nov 26 13:45:01`, local time, the day padded with a blank as syslog writes it. */
export function syslogTime(time: number): string {
  const d = new Date(time);
  return `${MONTHS[d.getMonth()]} ${pad(d.getDate(), 2, ' ')} ${clock(d)}`;
}

/** `2026/11/26 13:45:01`, local time (nginx error log). */
export function nginxTime(time: number): string {
  const d = new Date(time);
  return `${d.getFullYear()}/${pad(d.getMonth() + 1)}/${pad(d.getDate())} ${clock(d)}`;
}

/** `Thu Nov 26 13:45:01.123000 2026`, local time (Apache 2.4 error log, without the brackets). */
export function apacheTime(time: number): string {
  const d = new Date(time);
  return `${DAYS[d.getDay()]} ${MONTHS[d.getMonth()]} ${pad(d.getDate())} ${clock(d)}.${pad(d.getMilliseconds() * 1000, 6)} ${d.getFullYear()}`;
}

const syslog = (program: string, message: string): LineMaker => (time) => `${syslogTime(time)} ${HOST} ${program}: ${message}`;

const SSH_ROOT_USERS = ['root', 'root', 'admin', 'ubuntu'];
const SSH_INVALID_USERS = ['test', 'guest', 'oracle', 'pi', 'support', 'hadoop', 'git', 'postgres', 'deploy1', 'ftpuser'];
const WEB_USERS = ['admin', 'administrator', 'root', 'test', 'webmaster', 'user'];
const MAIL_USERS = ['info', 'admin', 'sales', 'office', 'test', 'contact', 'support'];
const REAL_USERS = ['alice', 'bob', 'carol', 'dave'];
const PATHS = ['/admin/', '/private/', '/reports/', '/backup/', '/members/'];
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

const base64 = (random: DemoRandom, length: number) => Array.from({ length }, () => random.pick([...B64])).join('');
const queueId = (random: DemoRandom) => `4${base64(random, 11).replace(/[+/]/g, 'x')}`;
const port = (random: DemoRandom) => random.int(32768, 60999);
/** `[ip]:port` as Apache writes a client; IPv6 unbracketed, as Apache does. */
const apacheClient = (ip: string, random: DemoRandom) => `${ip}:${port(random)}`;

/**
 * A burst of `count` failures from `ip` against `service`, as one attacking client produces them:
 * one connection (pid), one or two user names tried.
 */
export function attackBurst(service: DemoService, ip: string, count: number, random: DemoRandom): LineMaker[] {
  const out: LineMaker[] = [];
  switch (service) {
    case 'sshd': {
      const pid = `sshd[${random.int(2000, 60000)}]`;
      const p = port(random);
      const invalid = random.chance(0.5);
      const user = invalid ? random.pick(SSH_INVALID_USERS) : random.pick(SSH_ROOT_USERS);
      while (out.length < count) {
        if (invalid && out.length === 0) out.push(syslog(pid, `Invalid user ${user} from ${ip} port ${p}`));
        else if (invalid) out.push(syslog(pid, `Failed password for invalid user ${user} from ${ip} port ${p} ssh2`));
        else out.push(syslog(pid, `Failed password for ${user} from ${ip} port ${p} ssh2`));
      }
      break;
    }
    case 'nginx-http-auth': {
      const worker = random.int(1100, 1200);
      let request = random.int(100, 9000);
      const path = random.pick(PATHS);
      for (let i = 0; i < count; i++) {
        const user = random.pick(WEB_USERS);
        const what = i === 0 && random.chance(0.5)
          ? 'no user/password was provided for basic authentication'
          : random.chance(0.5) ? `user "${user}": password mismatch` : `user "${user}" was not found in "/etc/nginx/.htpasswd"`;
        const id = request++;
        out.push((time) => `${nginxTime(time)} [error] ${worker}#${worker}: *${id} ${what}, client: ${ip}, server: intranet.example.test, request: "GET ${path} HTTP/1.1", host: "intranet.example.test"`);
      }
      break;
    }
    case 'apache-auth': {
      const pid = random.int(3000, 3999);
      const path = random.pick(PATHS);
      for (let i = 0; i < count; i++) {
        const user = random.pick(WEB_USERS);
        const [module, what] = random.chance(0.5)
          ? ['auth_basic', `AH01617: user ${user}: authentication failure for "${path}": Password Mismatch`]
          : ['auth_basic', `AH01618: user ${user} not found: ${path}`];
        const client = apacheClient(ip, random);
        out.push((time) => `[${apacheTime(time)}] [${module}:error] [pid ${pid}:tid 140${pid}] [client ${client}] ${what}`);
      }
      break;
    }
    case 'postfix': {
      const pid = `postfix/submission/smtpd[${random.int(2000, 60000)}]`;
      for (let i = 0; i < count; i++) {
        if (random.chance(0.8)) {
          const mech = random.pick(['LOGIN', 'PLAIN']);
          const reason = mech === 'LOGIN' ? 'UGFzc3dvcmQ6' : 'authentication failure';
          out.push(syslog(pid, `warning: unknown[${ip}]: SASL ${mech} authentication failed: ${reason}`));
        } else {
          out.push(syslog(pid.replace('/submission', ''), `NOQUEUE: reject: RCPT from unknown[${ip}]: 554 5.7.1 <spam@example.com>: Relay access denied; from=<x@example.biz> to=<spam@example.com> proto=ESMTP helo=<WIN-${base64(random, 4).toUpperCase().replace(/[+/]/g, 'Q')}>`));
        }
      }
      break;
    }
    case 'dovecot': {
      for (let i = 0; i < count; i++) {
        const user = `${random.pick(MAIL_USERS)}@example.org`;
        const login = random.pick(['imap-login', 'pop3-login', 'submission-login']);
        if (random.chance(0.7)) {
          const tries = random.int(1, 3);
          out.push(syslog('dovecot', `${login}: Disconnected (auth failed, ${tries} attempts in ${tries * 2 + random.int(0, 3)} secs): user=<${user}>, method=PLAIN, rip=${ip}, lip=192.0.2.1, TLS, session=<${base64(random, 16)}>`));
        } else {
          out.push(syslog('dovecot', `auth-worker(${random.int(2000, 9000)}): pam(${user},${ip},<${base64(random, 16)}>): pam_authenticate() failed: Authentication failure (password mismatch?)`));
        }
      }
      break;
    }
  }
  return out;
}

/** One failure line: {@link attackBurst} of one, written at `time`. */
export function attackLine(service: DemoService, ip: string, time: number, random: DemoRandom): string {
  return attackBurst(service, ip, 1, random)[0]!(time);
}

/**
 * Normal use of `service` by the well-behaved client `ip`: a login and logout, a delivered message,
 * a page served. None of these lines is a failure for the service's filter.
 */
export function normalSession(service: DemoService, ip: string, random: DemoRandom): LineMaker[] {
  const user = random.pick(REAL_USERS);
  switch (service) {
    case 'sshd': {
      const pid = `sshd[${random.int(2000, 60000)}]`;
      const p = port(random);
      const how = random.chance(0.7) ? `publickey for ${user} from ${ip} port ${p} ssh2: ED25519 SHA256:${base64(random, 43)}` : `password for ${user} from ${ip} port ${p} ssh2`;
      return [
        syslog(pid, `Accepted ${how}`),
        syslog(pid, `pam_unix(sshd:session): session opened for user ${user}(uid=${1000 + REAL_USERS.indexOf(user)}) by (uid=0)`),
        syslog(pid, `Received disconnect from ${ip} port ${p}:11: disconnected by user`),
        syslog(pid, `pam_unix(sshd:session): session closed for user ${user}`),
      ];
    }
    case 'nginx-http-auth': {
      const worker = random.int(1100, 1200);
      const id = random.int(100, 9000);
      return [(time) => `${nginxTime(time)} [info] ${worker}#${worker}: *${id} client ${ip} closed keepalive connection`];
    }
    case 'apache-auth': {
      const pid = random.int(3000, 3999);
      const client = apacheClient(ip, random);
      const child = random.int(0, 24);
      return [(time) => `[${apacheTime(time)}] [ssl:info] [pid ${pid}:tid 140${pid}] [client ${client}] AH01964: Connection to child ${child} established (server www.example.test:443)`];
    }
    case 'postfix': {
      const pid = `postfix/smtpd[${random.int(2000, 60000)}]`;
      const id = queueId(random);
      const name = `mail${random.int(1, 9)}.example.net`;
      return [
        syslog(pid, `connect from ${name}[${ip}]`),
        syslog(pid, `${id}: client=${name}[${ip}]`),
        syslog(`postfix/qmgr[${random.int(800, 999)}]`, `${id}: from=<news@example.net>, size=${random.int(2000, 90000)}, nrcpt=1 (queue active)`),
        syslog(`postfix/local[${random.int(2000, 60000)}]`, `${id}: to=<${user}@example.org>, relay=local, delay=0.1, delays=0.05/0.01/0/0.04, dsn=2.0.0, status=sent (delivered to mailbox)`),
        syslog(pid, `disconnect from ${name}[${ip}] ehlo=2 starttls=1 mail=1 rcpt=1 data=1 quit=1 commands=7`),
      ];
    }
    case 'dovecot': {
      const session = base64(random, 16);
      const mpid = random.int(3000, 9000);
      return [
        syslog('dovecot', `imap-login: Login: user=<${user}@example.org>, method=PLAIN, rip=${ip}, lip=192.0.2.1, mpid=${mpid}, TLS, session=<${session}>`),
        syslog('dovecot', `imap(${user}@example.org)<${mpid}><${session}>: Disconnected: Logged out in=${random.int(80, 900)} out=${random.int(1000, 90000)} deleted=0 expunged=0 trashed=0`),
      ];
    }
  }
}

/** A line that names no client at all (cron, a reload, a queue run): what real logs are full of. */
export function noiseLine(service: DemoService, random: DemoRandom): LineMaker {
  switch (service) {
    case 'sshd':
      return random.chance(0.5)
        ? syslog(`CRON[${random.int(2000, 60000)}]`, 'pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)')
        : syslog(`systemd-logind[${random.int(400, 700)}]`, `New session ${random.int(10, 999)} of user ${random.pick(REAL_USERS)}.`);
    case 'nginx-http-auth': {
      const worker = random.int(1100, 1200);
      return (time) => `${nginxTime(time)} [notice] ${worker}#${worker}: signal process started`;
    }
    case 'apache-auth': {
      const pid = random.int(3000, 3999);
      return (time) => `[${apacheTime(time)}] [mpm_event:notice] [pid ${pid}:tid 140${pid}] AH00489: Apache/2.4.62 (Debian) configured -- resuming normal operations`;
    }
    case 'postfix':
      return syslog(`postfix/qmgr[${random.int(800, 999)}]`, `${queueId(random)}: removed`);
    case 'dovecot':
      return syslog('dovecot', `master: Warning: SIGHUP received - reloading configuration`);
  }
}
