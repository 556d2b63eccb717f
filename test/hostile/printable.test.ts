import { describe, expect, it } from 'vitest';
import { displayWidth, fitWidth, padEndWidth, printable, truncateWidth } from '../../src/domain/index.js';

// Everything a terminal would obey, written into user names and URLs by an attacker.
const HOSTILE = [
  ['CSI (clear screen, colour)', '\x1b[2J\x1b[31m', '\\x1b[2J\\x1b[31m'],
  ['OSC 52 (write the clipboard)', '\x1b]52;c;cm0gLXJmIH4=\x07', '\\x1b]52;c;cm0gLXJmIH4=\\x07'],
  ['OSC 0 (retitle)', '\x1b]0;owned\x1b\\', '\\x1b]0;owned\\x1b\\'],
  ['BEL', 'a\x07b', 'a\\x07b'],
  ['CR (overwrite the line)', 'root\rBan 1.2.3.4', 'root\\rBan 1.2.3.4'],
  ['LF (forge a second line)', 'x\nNOTICE [sshd] Unban', 'x\\nNOTICE [sshd] Unban'],
  ['backspace', 'admin\b\b\b\b\buser', 'admin\\x08\\x08\\x08\\x08\\x08user'],
  ['NUL and DEL', 'a\x00b\x7f', 'a\\x00b\\x7f'],
  ['C1 CSI (one code point)', 'a\u009b2Jb', 'a\\u009b2Jb'],
  ['C1 NEL', 'a\u0085b', 'a\\u0085b'],
  ['bidi override', 'user\u202egnp.exe', 'user\\u202egnp.exe'],
  ['zero-width space', 'ro\u200bot', 'ro\\u200bot'],
  ['lone surrogate', 'a\ud800b', 'a\uFFFDb'],
  ['tab', 'a\tb', 'a\\tb'],
] as const;

describe('printable', () => {
  it.each(HOSTILE)('shows %s visibly', (_name, raw, shown) => {
    const out = printable(raw);
    expect(out).toBe(shown);
    expect(out).not.toMatch(/[\x00-\x1f\x7f-\x9f]/);
  });

  it('keeps double-width characters, emoji and plain text as they are', () => {
    for (const text of ['用户名', 'ｗｉｄｅ', '👍🏽 ok', '👨‍👩‍👧', 'café', '/wp-login.php?x=1']) expect(printable(text)).toBe(text);
  });

  it('is idempotent, so text escaped once (the engine log) is not escaped again by a view', () => {
    for (const [, raw] of HOSTILE) expect(printable(printable(raw))).toBe(printable(raw));
  });
});

describe('display width', () => {
  it('counts terminal columns, not UTF-16 units', () => {
    expect(displayWidth('abc')).toBe(3);
    expect(displayWidth('用户')).toBe(4);
    expect(displayWidth('👍')).toBe(2);
    expect(displayWidth('👨‍👩‍👧')).toBe(2);
    expect(displayWidth('e\u0301')).toBe(1);
  });

  it.each([
    ['ascii', 'administrator', 6, 'admin…'],
    ['cjk cut on a whole character', '管理员用户名', 7, '管理员…'],
    ['cjk that would straddle the edge', '管理员用户名', 6, '管理…  '.slice(0, 6)],
    ['emoji', '👍👍👍👍', 5, '👍👍…'],
    ['short cjk padded', '用户', 6, '用户  '],
    ['combining mark', 'e\u0301e\u0301', 3, 'e\u0301e\u0301 '],
    ['escape made visible, then cut', '\x1b[31mred', 6, '\\x1b[…'],
  ])('fitWidth %s', (_name, raw, width, expected) => {
    const out = fitWidth(raw, width);
    expect(displayWidth(out)).toBe(width);
    expect(out.trimEnd()).toBe(expected.trimEnd());
  });

  it('fits a 64 Ki-character line of wide characters without reading it all', () => {
    const line = '界'.repeat(64 * 1024);
    const out = fitWidth(line, 80);
    expect(displayWidth(out)).toBe(80);
    expect(out.trimEnd().endsWith('…')).toBe(true);
  });

  it('truncateWidth cuts but never pads; padEndWidth pads but never cuts', () => {
    expect(truncateWidth('用户名', 4)).toBe('用…');
    expect(truncateWidth('用户', 4)).toBe('用户');
    expect(padEndWidth('用户', 6)).toBe('用户  ');
    expect(padEndWidth('用户名称', 6)).toBe('用户名称');
  });
});
