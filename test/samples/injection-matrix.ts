/**
 * Hostile input for "right address or none": for each shipped filter, real log lines with a slot
 * that the client fills in (a user name, a URL, an HTTP header, a SASL challenge...), and texts an
 * attacker would put in that slot to steer the filter to another address. Whatever goes into the
 * slot, a filter must give the real address or no failure at all; a benign fill must give the
 * real address. Shared by test/engine/injection.test.ts and the torture table.
 */

/** The address that really connected, in every template. */
export const REAL = '203.0.113.5';
/** The address an attacker wants banned (or hides behind). */
export const FAKE = '198.51.100.7';
export const FAKE6 = '2001:db8::bad';

/** A real line of one filter's log, with `${u}` where the client's text goes. */
export interface Template {
  filter: string;
  /** What the slot holds, in a few words. */
  slot: string;
  line: (u: string) => string;
  /** The real line counts as a failure with `benign` in the slot (false for a line that never counts). */
  counts: boolean;
  /** A benign fill; `alice` when absent. */
  benign?: string;
}

const R = REAL;
const sshd = (msg: string): string => `Nov 24 10:00:00 gate sshd[811]: ${msg}`;
const nginx = (msg: string): string => `2026/11/24 10:00:00 [error] 812#812: *4471 ${msg}`;
const NGINX_TAIL = `client: ${R}, server: www, request: "GET /admin HTTP/1.1", host: "www.example.test"`;

export const TEMPLATES: Template[] = [
  { filter: 'sshd', slot: 'invalid user name', counts: true, line: (u) => sshd(`Failed password for invalid user ${u} from ${R} port 4242 ssh2`) },
  { filter: 'sshd', slot: 'user name', counts: true, line: (u) => sshd(`Failed password for ${u} from ${R} port 4242 ssh2`) },
  { filter: 'sshd', slot: 'invalid user name', counts: true, line: (u) => sshd(`Invalid user ${u} from ${R} port 4242`) },
  { filter: 'sshd', slot: 'invalid user name, key login', counts: true, line: (u) => sshd(`Failed publickey for invalid user ${u} from ${R} port 4242 ssh2: RSA SHA256:v3dpapGleDaUKf4V1vKyR9ZyUgjaJAmoCTcb2PLljI`) },
  { filter: 'sshd', slot: 'hostbased client user', counts: true, line: (u) => sshd(`Failed hostbased for invalid user alice from ${R} port 4242 ssh2: ECDSA SHA256:v3dpapGleDaUKf4V1vKyR9ZyUgjaJAmoCTcb2PLljI, client user "${u}", client host "h.example"`) },
  { filter: 'sshd', slot: 'invalid user name', counts: true, line: (u) => sshd(`error: maximum authentication attempts exceeded for invalid user ${u} from ${R} port 4242 ssh2 [preauth]`) },
  { filter: 'sshd', slot: 'user name', counts: true, line: (u) => sshd(`User ${u} from ${R} not allowed because not listed in AllowUsers`) },
  { filter: 'sshd', slot: 'disconnect reason', counts: true, line: (u) => sshd(`Received disconnect from ${R} port 4242:3: com.jcraft.jsch.JSchException: ${u}: Auth fail [preauth]`) },
  { filter: 'sshd', slot: 'PAM user', counts: false, line: (u) => sshd(`pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=${R}  user=${u}`) },
  { filter: 'postfix', slot: 'envelope and HELO', counts: true, line: (u) => `Nov 24 10:00:00 mx postfix/smtpd[2010]: NOQUEUE: reject: RCPT from unknown[${R}]: 554 5.7.1 <${u}@example.org>: Relay access denied; from=<${u}> to=<${u}@example.org> proto=ESMTP helo=<${u}>` },
  { filter: 'postfix', slot: 'SASL challenge', counts: true, line: (u) => `Nov 24 10:00:00 mx postfix/smtpd[2010]: warning: unknown[${R}]: SASL LOGIN authentication failed: ${u}` },
  { filter: 'dovecot', slot: 'login user', counts: true, line: (u) => `Nov 24 10:00:00 mx dovecot: imap-login: Disconnected (auth failed, 1 attempts in 2 secs): user=<${u}>, method=PLAIN, rip=${R}, lip=192.0.2.10, TLS, session=<a1b2c3d4e5f6a7b8>` },
  { filter: 'dovecot', slot: 'auth user', counts: true, line: (u) => `Nov 24 10:00:00 mx dovecot: auth: passwd-file(${u},${R}): unknown user` },
  { filter: 'dovecot', slot: 'PAM user', counts: true, line: (u) => `Nov 24 10:00:00 mx dovecot: auth-worker(3100): pam(${u},${R},<QmFk>): pam_authenticate() failed: Authentication failure (password mismatch?)` },
  { filter: 'nginx-http-auth', slot: 'Basic user name', counts: true, line: (u) => nginx(`user "${u}": password mismatch, ${NGINX_TAIL}`) },
  { filter: 'nginx-http-auth', slot: 'Basic user name', counts: true, line: (u) => nginx(`user "${u}" was not found in "/etc/nginx/.htpasswd", ${NGINX_TAIL}`) },
  { filter: 'nginx-http-auth', slot: 'Referer header', counts: true, line: (u) => nginx(`user "alice": password mismatch, ${NGINX_TAIL}, referrer: "${u}"`) },
  { filter: 'nginx-http-auth', slot: 'URL', counts: true, line: (u) => nginx(`no user/password was provided for basic authentication, client: ${R}, server: www, request: "GET /${u} HTTP/1.1", host: "www.example.test"`) },
  { filter: 'apache-auth', slot: 'user name', counts: true, line: (u) => `[Tue Nov 24 10:00:00.123456 2026] [auth_basic:error] [pid 2211:tid 1407] [client ${R}:51022] AH01618: user ${u} not found: /private/` },
  { filter: 'apache-auth', slot: 'user name (2.2)', counts: true, line: (u) => `[Tue Nov 24 10:00:00 2026] [error] [client ${R}] user ${u}: authentication failure for "/private/": Password Mismatch` },
  { filter: 'apache-auth', slot: 'URL', counts: true, line: (u) => `[Tue Nov 24 10:00:00.123456 2026] [authz_core:error] [pid 2211:tid 1407] [client ${R}:51022] AH01630: client denied by server configuration: /var/www/${u}` },
  { filter: 'wordpress', slot: 'URL, referer and user agent', counts: true, line: (u) => `${R} - - [24/Nov/2026:10:00:00 +0000] "POST /${u}/wp-login.php HTTP/1.1" 200 4412 "${u}" "${u}"` },
  { filter: 'wordpress', slot: 'Basic user field', counts: true, benign: 'alice', line: (u) => `${R} - ${u} [24/Nov/2026:10:00:00 +0000] "POST /wp-login.php HTTP/1.1" 200 4412 "-" "-"` },
  { filter: 'proftpd', slot: 'user name', counts: true, line: (u) => `Nov 24 10:00:00 ftp1 proftpd[4210] ftp1.example.org (client.example.net[${R}]): USER ${u} (Login failed): Incorrect password` },
  { filter: 'proftpd', slot: 'user name', counts: true, line: (u) => `Nov 24 10:00:00 ftp1 proftpd[4210] ftp1.example.org (client.example.net[${R}]): USER ${u}: no such user found from client.example.net [${R}] to 192.0.2.21:21` },
  { filter: 'pure-ftpd', slot: 'user name', counts: true, line: (u) => `Nov 24 10:00:00 ftp1 pure-ftpd: (?@${R}) [WARNING] Authentication failed for user [${u}]` },
  { filter: 'vsftpd', slot: 'user name', counts: true, line: (u) => `Tue Nov 24 10:00:00 2026 [pid 4170] [${u}] FAIL LOGIN: Client "${R}"` },
  { filter: 'vsftpd', slot: 'PAM ruser', counts: true, line: (u) => `Nov 24 10:00:00 ftp1 vsftpd: pam_unix(vsftpd:auth): authentication failure; logname= uid=0 euid=0 tty=ftp ruser=${u} rhost=${R}  user=${u}` },
  { filter: 'plesk-panel', slot: 'login', counts: true, line: (u) => `[2026-11-24 10:00:00.123] ERR [panel] Failed login attempt with login '${u}' from IP address ${R}` },
  { filter: 'recidive', slot: 'ban note', counts: true, benign: '5 failures, 10m, ban #1', line: (u) => `2026-11-24T10:00:00.123Z portcullis[1234]: NOTICE [sshd] Ban ${R} (${u})` },
];

/** Texts an attacker puts in a slot; each names {@link FAKE} (or a disguise of it) some way. */
export function payloads(template: Template): string[] {
  const V = FAKE;
  const generic = [
    `from ${V}`,
    `from ${V} port 22 ssh2`,
    `x from ${V} port 1 ssh2: y`,
    `test from ${V} port 58946 ssh2:`,
    `test from ${V} port 58946 ssh2: from`,
    `client: ${V}`,
    `x": password mismatch, client: ${V}, server: www, request: "GET / HTTP/1.1", host: "h`,
    `x", client: ${V}, server: www, request: "GET / HTTP/1.1", host: "h`,
    `x rhost=${V}`,
    `x rhost=${V} user=x`,
    `x>, method=PLAIN, rip=${V}, lip=192.0.2.10, TLS, session=<ab`,
    `x,${V}): unknown user`,
    `x,${V}`,
    `[client ${V}] user x not found: /`,
    `[client ${V}:1] AH01618: user x not found: /`,
    `x (h[${V}]): USER x (Login failed): Incorrect password`,
    `?@${V}) [WARNING] Authentication failed for user [x`,
    `x] FAIL LOGIN: Client "${V}"`,
    `x' from IP address ${V}`,
    `unknown[${V}]: SASL LOGIN authentication failed: x`,
    `${V} - - [24/Nov/2026:10:00:00 +0000] "POST /wp-login.php HTTP/1.1" 200 1 "-" "-"`,
    `x) Ban ${V} (y`,
    `::ffff:${V}`,
    `from ::ffff:${V} port 22 ssh2`,
    `from [::ffff:${V}] port 22 ssh2`,
    `from ${FAKE6} port 22 ssh2`,
    `from 198.051.100.007 port 22 ssh2`,
    `from %31%39%38.51.100.7 port 22 ssh2`,
    `from ${V}%0a port 22 ssh2`,
    `client: 198.051.100.007`,
    `client: %31%39%38.51.100.7`,
    `x rhost=::ffff:${V}`,
  ];
  // The line's own text after the slot, with the fake address in it: the strongest disguise there is.
  const marker = '\u0001';
  const line = template.line(marker);
  const after = line.slice(line.indexOf(marker) + 1);
  const mirror = after.split(REAL).join(V);
  return [...generic, `x${mirror}`, `x${mirror} y`, `x${mirror}: y`, `x${mirror}"`];
}
