process.env.TZ = 'UTC';

import { describe, expect, it } from 'vitest';
import { Jail, type JailEvent } from '../../src/engine/jail.js';
import { compile } from './helpers.js';

const NOW = Date.UTC(2026, 10, 26, 12, 0, 0);
const filter = compile(['^ \\S+ sshd\\[\\d+\\]: Failed password for <F-USER>\\S+</F-USER> from <HOST> port \\d+$']);
const line = (sec: number, host: string, user = 'root'): string =>
  `Nov 24 10:${String(Math.floor(sec / 60)).padStart(2, '0')}:${String(sec % 60).padStart(2, '0')} web1 sshd[7]: Failed password for ${user} from ${host} port 22`;

function feed(jail: Jail, rows: string[], skip?: (ip: string) => boolean): JailEvent[] {
  return rows.flatMap((row) => jail.processLine(row, NOW, skip));
}

describe('Jail', () => {
  it('emits a failure per matched line and a ban request with the matched lines at maxretry', () => {
    const jail = new Jail('sshd', filter, { maxretry: 3, findtime: 600_000 });
    const events = feed(jail, [line(0, '198.18.0.1'), line(10, '198.18.0.1', 'admin'), line(20, '198.18.0.1')]);
    expect(events.map((e) => e.type)).toEqual(['failure', 'failure', 'failure', 'ban-request']);
    expect(events.filter((e) => e.type === 'failure').map((e) => (e.type === 'failure' ? e.count : 0))).toEqual([1, 2, 3]);
    const ban = events[3];
    expect(ban?.type === 'ban-request' && ban.request).toMatchObject({
      jail: 'sshd', ip: '198.18.0.1', failures: 3, time: Date.UTC(2026, 10, 24, 10, 0, 20),
    });
    expect(ban?.type === 'ban-request' && ban.request.lines[1]).toContain('for admin from');
    expect(jail.tracked).toBe(0);
  });

  it('counts each address on its own and not failures outside findtime', () => {
    const jail = new Jail('sshd', filter, { maxretry: 2, findtime: 60_000 });
    const events = feed(jail, [line(0, '198.18.0.1'), line(5, '2001:db8::5'), line(120, '198.18.0.1'), line(125, '2001:db8::5')]);
    expect(events.some((e) => e.type === 'ban-request')).toBe(false);
    expect(jail.tracked).toBe(2);
  });

  it('reports a hostname without counting it', () => {
    const jail = new Jail('sshd', filter, { maxretry: 1, findtime: 60_000 });
    const events = feed(jail, [line(0, 'evil.example')]);
    expect(events).toEqual([expect.objectContaining({ type: 'hostname', host: 'evil.example' })]);
    expect(jail.tracked).toBe(0);
  });

  it('does not count addresses the caller skips', () => {
    const jail = new Jail('sshd', filter, { maxretry: 1, findtime: 60_000 });
    expect(feed(jail, [line(0, '198.18.0.9')], (ip) => ip === '198.18.0.9')).toEqual([]);
    expect(feed(jail, [line(1, '198.18.0.10')], (ip) => ip === '198.18.0.9').map((e) => e.type)).toEqual(['failure', 'ban-request']);
  });
});
