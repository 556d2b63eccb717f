import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/index.js';
import { banFields, parseEntry, unbanFields } from '../../src/fleet/fleet-entry.js';
import { TrimTracker } from '../../src/fleet/trim-tracker.js';

describe('fleet entries', () => {
  it('reads back what it writes', () => {
    const ban = { ip: '2001:db8::1', jail: 'sshd', bannedAt: 1, expiresAt: 600_001, count: 2, reason: ['a', 'b', 'c'] };
    expect(parseEntry(banFields('web01', ban))).toEqual({ kind: 'ban', node: 'web01', ip: '2001:db8::1', jail: 'sshd', expiresAt: 600_001, reason: 'c', failures: 3 });
    expect(parseEntry(banFields('web01', { ...ban, expiresAt: null }))).toMatchObject({ kind: 'ban', expiresAt: null });
    expect(parseEntry(unbanFields('web01', '198.18.0.1', 'manual', 'manual'))).toEqual({ kind: 'unban', node: 'web01', ip: '198.18.0.1', jail: 'manual', reason: 'manual' });
  });

  it('refuses entries that anyone could have written wrong, naming the field', () => {
    const good = banFields('web01', { ip: '198.18.0.1', jail: 'sshd', bannedAt: 0, expiresAt: 5, count: 1, reason: [] });
    const withField = (name: string, value: string) => good.map((v, i) => (good[i - 1] === name ? value : v));
    expect(() => parseEntry(withField('ip', '198.18.0.1; rm -rf /'))).toThrow();
    expect(() => parseEntry(withField('node', 'web 01'))).toThrow(/field "node"/);
    expect(() => parseEntry(withField('jail', '../x'))).toThrow(/field "jail"/);
    expect(() => parseEntry(withField('expires', 'soon'))).toThrow(/field "expires"/);
    expect(() => parseEntry(withField('kind', 'nuke'))).toThrow(/field "kind"/);
    expect(() => parseEntry(good.slice(2))).toThrow(/field "kind" is missing/);
  });
});

describe('trimming', () => {
  it('trims past entries whose bans all ended, and keeps an unban as long as its ban would have lasted', () => {
    const t = new TrimTracker();
    expect(t.minId(0)).toBeNull();
    const ban = (node: string, ip: string, expiresAt: number | null) => ({ kind: 'ban' as const, node, ip, jail: 'sshd', expiresAt, reason: '', failures: 1 });
    t.saw('100-0', ban('a', '198.18.0.1', 1000));
    t.saw('101-0', ban('a', '198.18.0.2', 5000));
    t.saw('102-0', ban('b', '198.18.0.3', null));
    expect(t.minId(500)).toBe('100-0');
    expect(t.minId(1000)).toBe('101-0');
    // A permanent ban holds the stream until it is lifted; its end stays while nodes may be away.
    t.saw('103-0', { kind: 'unban', node: 'b', ip: '198.18.0.3', jail: 'sshd', reason: 'manual' });
    expect(t.minId(5000)).toBe('103-0');
    expect(t.size).toBe(1);
    expect(t.minId(104 + 24 * 3600 * 1000)).toBe('103-0'); // nothing held: trimmed up to the last read
    expect(t.size).toBe(0);
  });
});

describe('[fleet] and [metrics] in the config', () => {
  const parse = (text: string) => parseConfig(text, '/etc/portcullis/portcullis.toml');
  it('fills in the defaults and keeps both off when absent', () => {
    expect(parse('').fleet).toBeUndefined();
    expect(parse('').metrics).toBeUndefined();
    const fleet = parse('[fleet]\nredis = "rediss://:secret@redis.example:6380/2"\n').fleet!;
    expect(fleet).toMatchObject({ redis: 'rediss://:secret@redis.example:6380/2', accept: true, count_remote: false, stream: 'portcullis:bans' });
    expect(parse('[fleet]\nredis = "redis://x"\ncount_remote = true\n').fleet?.count_remote).toBe(true);
    expect(fleet.node).toMatch(/^[A-Za-z0-9_.-]+$/);
    expect(fleet.share).toBeUndefined();
    expect(parse('[metrics]\nlisten = "[::1]:9191"\n').metrics).toEqual({ listen: '[::1]:9191' });
  });

  it('names the field at fault', () => {
    expect(() => parse('[fleet]\nredis = "http://x"\n')).toThrow(/fleet\.redis.*redis:\/\/ or rediss:\/\//s);
    expect(() => parse('[fleet]\nredis = "redis://x"\nnode = "web 02"\n')).toThrow(/fleet\.node/);
    expect(() => parse('[fleet]\nredis = "redis://x"\nshares = []\n')).toThrow(/shares/);
    expect(() => parse('[fleet]\nredis = "redis://x"\ncount_remote = "yes"\n')).toThrow(/fleet\.count_remote.*true or false/s);
    expect(() => parse('[fleet]\nredis = "redis://x"\ntls_ca = "/etc/ca.pem"\n')).toThrow(/fleet\.tls_ca.*rediss:\/\//s);
    expect(() => parse('[fleet]\nredis = "rediss://x"\ntls_ca = "ca.pem"\n')).toThrow(/fleet\.tls_ca.*absolute/s);
    expect(parse('[fleet]\nredis = "rediss://x"\ntls_ca = "/etc/ca.pem"\n').fleet?.tls_ca).toBe('/etc/ca.pem');
    expect(() => parse('[metrics]\nlisten = "9191"\n')).toThrow(/metrics\.listen.*host:port/s);
    expect(() => parse('[metrics]\nlisten = "127.0.0.1:70000"\n')).toThrow(/metrics\.listen/);
  });
});
