import { describe, expect, it } from 'vitest';
import { BanBatch } from '../../src/actions/ban-batch.js';
import { HourWindow } from '../../src/actions/hour-window.js';
import { banLength, escapeText, formatBanMessage, formatDigestMessage, headerText } from '../../src/actions/index.js';
import { sshBan, T0 } from './smtp-fixture.js';

const ctx = { hostname: 'gate.test', heldBack: 0, maxPerHour: 20 };

describe('escapeText', () => {
  it('shows control, invisible and bidi characters as escapes', () => {
    expect(escapeText('a\\b\tc\r\nd')).toBe('a\\\\b\\tc\\r\\nd');
    expect(escapeText('\x1b[31m\x07\x00\x7f')).toBe('\\x1b[31m\\x07\\x00\\x7f');
    expect(escapeText('C1 \u0085 \u009b')).toBe('C1 \\u0085 \\u009b');
    expect(escapeText('\u2028\u2029\u202e\u2066\u200b\u200f\ufeff\u061c')).toBe('\\u2028\\u2029\\u202e\\u2066\\u200b\\u200f\\ufeff\\u061c');
  });

  it('keeps ordinary text of any script, and replaces broken UTF-16', () => {
    expect(escapeText('user jörg 日本 😀 $(id) `id` ; | & <b>')).toBe('user jörg 日本 😀 $(id) `id` ; | & <b>');
    expect(escapeText('half \ud83d pair \ude00.')).toBe('half \ufffd pair \ufffd.');
  });

  it('cuts long text by characters, never inside an escape or a surrogate pair', () => {
    expect(escapeText('abcdef', 4)).toBe('abcd [cut: 2 more characters]');
    expect(escapeText('ab\x1bcd', 4)).toBe('ab [cut: 3 more characters]');
    expect(escapeText('a😀😀', 2)).toBe('a😀 [cut: 1 more characters]');
  });

  it('headerText is one line of at most 200 characters plus the cut note', () => {
    const subject = headerText(`x\r\nBcc: y@z.test${'!'.repeat(500)}`);
    expect(subject).not.toMatch(/[\r\n]/);
    expect(subject.startsWith('x\\r\\nBcc: y@z.test')).toBe(true);
    expect(subject.length).toBeLessThan(240);
  });
});

describe('message text', () => {
  it('gives ban lengths like the config writes them', () => {
    expect(banLength({ bannedAt: T0, expiresAt: null })).toBe('permanent');
    expect(banLength({ bannedAt: T0, expiresAt: T0 + 600_000 })).toBe('10m');
    expect(banLength({ bannedAt: T0, expiresAt: T0 + 5_400_000 })).toBe('1h30m');
  });

  it('quotes at most 20 lines of one ban and says how many were left out', () => {
    const batch = new BanBatch();
    batch.add(sshBan('192.0.2.1', { reason: Array.from({ length: 30 }, (_, i) => `line ${i}`) }));
    const summary = batch.take();
    const { text } = formatBanMessage(summary.samples[0]!, ctx);
    expect(text).toContain('Why: 30 log lines matched:');
    expect(text.match(/^ {2}\| line \d+$/gm)).toHaveLength(20);
    expect(text).toContain('  ... and 10 more lines\n');
  });

  it('says when no log line was recorded (a manual ban)', () => {
    expect(formatBanMessage(sshBan('192.0.2.2', { jail: 'manual', reason: [] }), ctx).text).toContain('Why: no log lines were recorded');
  });

  it('keeps a digest of 20,000 bans small', () => {
    const batch = new BanBatch();
    for (let i = 0; i < 20_000; i++) {
      batch.add(sshBan(`10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`, { reason: Array.from({ length: 40 }, () => 'x'.repeat(1000)) }));
    }
    const summary = batch.take();
    expect(summary.total).toBe(20_000);
    expect(summary.addresses).toBe(10_000); // counted up to a bound
    expect(summary.samples).toHaveLength(50);
    expect(summary.top).toHaveLength(10);
    const { subject, text } = formatDigestMessage(summary, ctx);
    expect(subject).toBe('[portcullis gate.test] 20000 bans (sshd 20000)');
    expect(text.length).toBeLessThan(20_000);
    expect(batch.size).toBe(0);
  });
});

describe('HourWindow', () => {
  it('counts the last hour only', () => {
    const window = new HourWindow();
    window.add(T0);
    window.add(T0 + 500, 4);
    window.add(T0 + 1_800_000, 2);
    expect(window.total(T0 + 1_800_000)).toBe(7);
    expect(window.nextExpiry(T0 + 1_800_000)).toBe(T0 + 3_600_000);
    expect(window.total(T0 + 3_600_000)).toBe(2);
    expect(window.total(T0 + 5_400_000)).toBe(0);
    expect(window.nextExpiry(T0 + 5_400_000)).toBeNull();
  });
});
