import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { emailSettings, sshBan, startSmtp, T0, waitFor, mailKit } from './smtp-fixture.js';
import { sleep } from '../helpers/wait.js';

const kit = mailKit();
const { server, notifier } = kit;

afterEach(() => kit.cleanup());


describe('EmailNotifier when the mail server fails', () => {
  it('retries a refused recipient with backoff, then gives up on that message and reports it', async () => {
    let refused = 0;
    const smtp = await server({
      onRcptTo(_address, _session, callback) {
        refused++;
        callback(Object.assign(new Error('Mailbox unavailable'), { responseCode: 550 }));
      },
    });
    const { n, log } = notifier(emailSettings(smtp.port));
    n.notify(sshBan('192.0.2.30'));
    expect(n.status().queued).toBe(1);
    await waitFor(() => log.at('ERROR').length === 1, 5000, 'the give-up report');
    expect(refused).toBe(3);
    expect(log.at('WARNING')).toHaveLength(2);
    expect(log.at('WARNING')[0]).toMatch(/^e-mail: sending ".*192\.0\.2\.30.*" failed \(attempt 1\): EENVELOPE: .*550 Mailbox unavailable; next attempt in 50ms$/);
    expect(log.at('ERROR')[0]).toMatch(/^e-mail: gave up on ".*192\.0\.2\.30.*" after 3 attempts: EENVELOPE: .*550/);
    expect(smtp.messages).toHaveLength(0);
    const status = n.status();
    expect(status).toMatchObject({ queued: 0, sentLastHour: 0, failing: true });
    expect(status.lastError).toContain('550 Mailbox unavailable');
  });

  it('delivers later when the server was down and comes back on the same port', async () => {
    const gone = await startSmtp();
    const port = gone.port;
    await gone.close();
    const { n, log } = notifier(emailSettings(port), { retryDelays: [100, 300, 300, 300, 300] });
    const started = performance.now();
    n.notify(sshBan('192.0.2.31'));
    expect(performance.now() - started).toBeLessThan(50); // the ban never waits on mail
    await waitFor(() => log.at('WARNING').length >= 1, 5000, 'the first failure');
    expect(log.at('WARNING')[0]).toMatch(/failed \(attempt 1\): ESOCKET: .*ECONNREFUSED/);
    expect(n.status()).toMatchObject({ failing: true, queued: 1 });

    const back = await server({ port });
    await waitFor(() => back.messages.length === 1, 5000, 'the late message');
    expect(back.messages[0]!.subject).toContain('banned 192.0.2.31');
    await waitFor(() => log.at('INFO').length === 1, 2000, 'the report');
    expect(log.at('NOTICE')[0]).toMatch(/^e-mail: the mail server works again \(last error: .*ECONNREFUSED/);
    expect(log.at('ERROR')).toEqual([]);
    expect(n.status()).toMatchObject({ failing: false, lastError: null, queued: 0, sentLastHour: 1 });
  });

  it('stop() is bounded when the server hangs, and reports what it dropped', async () => {
    const sockets = new Set<net.Socket>();
    const silent = net.createServer((socket) => sockets.add(socket)); // accepts, never greets
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as net.AddressInfo).port;
    try {
      const { n, log } = notifier(emailSettings(port), { stopTimeoutMs: 300 });
      n.notify(sshBan('192.0.2.32'));
      await waitFor(() => sockets.size === 1, 2000, 'the connection');
      const started = performance.now();
      await n.stop();
      expect(performance.now() - started).toBeLessThan(1500);
      expect(log.at('ERROR')).toEqual(['e-mail: stopping: 1 message not sent within 300ms, dropped']);
      n.notify(sshBan('192.0.2.33'));
      n.notify(sshBan('192.0.2.34'));
      expect(log.at('WARNING')).toEqual(['e-mail: a ban arrived after the notifier stopped; not mailed']);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});

describe('EmailNotifier under a flood of bans', () => {
  it('turns 1,000 bans within batch = 2s into one digest with the count and the top addresses', async () => {
    const smtp = await server();
    const { n, log } = notifier(emailSettings(smtp.port, { batch: 2 }));
    const started = performance.now();
    for (let i = 0; i < 1000; i++) {
      // Two repeat offenders among 900 one-off addresses, in two jails.
      const ip = i % 20 === 0 ? '198.51.100.7' : i % 25 === 1 ? '198.51.100.8' : `10.0.${i >> 8}.${i & 255}`;
      const jail = i % 10 === 6 ? 'postfix' : 'sshd';
      n.notify(sshBan(ip, { jail, bannedAt: T0 + i * 10, expiresAt: T0 + i * 10 + 600_000, count: ip.startsWith('198') ? 4 : 1 }));
    }
    expect(performance.now() - started).toBeLessThan(500);
    await waitFor(() => smtp.messages.length >= 1, 6000, 'the digest');
    await sleep(300);
    expect(smtp.messages).toHaveLength(1);

    const digest = smtp.messages[0]!;
    expect(digest.subject).toBe('[portcullis gate.test] 1000 bans (sshd 900, postfix 100)');
    const body = digest.body;
    expect(body).toContain('made 1000 bans of 912 addresses\nbetween 2026-11-26T12:00:00Z and 2026-11-26T12:00:09Z');
    expect(body).toMatch(/Bans by jail:\n {2}sshd {5}900\n {2}postfix {2}100\n/);
    const top = body.slice(body.indexOf('Top addresses'), body.indexOf('Bans (the first')).split('\n').slice(1, 4);
    expect(top[0]).toMatch(/^ {2}198\.51\.100\.7 +50x {2}sshd {2}ban #4 {2}10m$/);
    expect(top[1]).toMatch(/^ {2}198\.51\.100\.8 +40x {2}sshd,postfix {2}ban #4 {2}10m$/);
    expect(body).toContain('Bans (the first 50 of 1000):');
    expect(body).toContain('  ... and 950 more (the engine log lists every ban)');
    expect(body.length).toBeLessThan(20_000);
    expect(log.at('INFO')).toEqual([expect.stringMatching(/\(1000 bans\) to 1 recipient$/)]);
  });

  it('caps messages per hour, reports the cap once, and names the held-back bans in the next message', async () => {
    let clock = T0;
    const smtp = await server();
    const { n, log } = notifier(emailSettings(smtp.port, { batch: 0, max_per_hour: 3 }), { now: () => clock });
    for (let i = 1; i <= 1000; i++) n.notify(sshBan(`10.1.${i >> 8}.${i & 255}`));
    await waitFor(() => log.at('INFO').length === 3, 5000, 'three messages');
    await sleep(200);
    expect(smtp.messages).toHaveLength(3);
    expect(log.at('WARNING')).toEqual(['e-mail: limit of 3 messages per hour reached; bans are not mailed until 2026-11-26T13:00:00.000Z (counted in the next message)']);
    expect(n.status()).toMatchObject({ queued: 0, sentLastHour: 3, suppressedLastHour: 997 });

    clock += 3_601_000;
    expect(n.status()).toMatchObject({ sentLastHour: 0, suppressedLastHour: 0 });
    n.notify(sshBan('192.0.2.40'));
    await waitFor(() => smtp.messages.length === 4, 5000, 'the fourth message');
    expect(smtp.messages[3]!.body).toContain('Note: 997 earlier bans were not mailed: the limit of 3\nmessages per hour');
    expect(log.at('NOTICE')).toEqual(['e-mail: hourly limit no longer reached; 997 bans were not mailed while it was']);
  });
});
