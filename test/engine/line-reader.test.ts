import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MAX_LINE_LENGTH, readLines, type ReadStats } from '../../src/engine/source/line-reader.js';
import { makeTempDir, type TempDir } from './helpers.js';

let tmp: TempDir;
beforeEach(() => {
  tmp = makeTempDir('portcullis-lines-');
});
afterEach(() => tmp.remove());

// A boundary of the reader's chunks (64 KiB each) and of the 1 MiB ones it read before.
const CHUNK = 1 << 20;

async function readAll(content: string | Buffer): Promise<{ lines: string[]; numbers: number[]; stats: ReadStats }> {
  const file = tmp.write('log', content);
  const lines: string[] = [];
  const numbers: number[] = [];
  const stats = await readLines(file, (line, n) => {
    lines.push(line);
    numbers.push(n);
  });
  return { lines, numbers, stats };
}

describe('readLines', () => {
  it('reads LF lines with 1-based numbers and no phantom empty last line', async () => {
    const { lines, numbers, stats } = await readAll('one\ntwo\n\nfour\n');
    expect(lines).toEqual(['one', 'two', '', 'four']);
    expect(numbers).toEqual([1, 2, 3, 4]);
    expect(stats).toEqual({ lines: 4, truncated: 0 });
  });

  it('strips CRLF endings', async () => {
    const { lines } = await readAll('a\r\nb\r\n\r\nc\r\n');
    expect(lines).toEqual(['a', 'b', '', 'c']);
  });

  it('keeps a lone \\r inside a line', async () => {
    expect((await readAll('a\rb\n')).lines).toEqual(['a\rb']);
  });

  it('reads a last line without newline', async () => {
    const { lines, stats } = await readAll('first\nlast without newline');
    expect(lines).toEqual(['first', 'last without newline']);
    expect(stats.lines).toBe(2);
  });

  it('reads an empty file as no lines', async () => {
    expect(await readAll('')).toEqual({ lines: [], numbers: [], stats: { lines: 0, truncated: 0 } });
  });

  it('replaces invalid UTF-8 with U+FFFD and keeps valid multi-byte characters', async () => {
    const bytes = Buffer.concat([Buffer.from('bad '), Buffer.from([0xff, 0xc3]), Buffer.from(' end\nzoë ✓\n')]);
    const { lines } = await readAll(bytes);
    expect(lines).toHaveLength(2);
    expect(lines[0]!.startsWith('bad ')).toBe(true);
    expect(lines[0]!.endsWith(' end')).toBe(true);
    expect(lines[0]).toContain('\uFFFD');
    expect(lines[0]).not.toContain('\xff');
    expect(lines[1]).toBe('zoë ✓');
  });

  it('skips a 200 KiB line, counts it, and reads the next line whole with its own number', async () => {
    const long = 'L'.repeat(200 * 1024);
    const { lines, numbers, stats } = await readAll(`before\n${long}\nafter the long line\n`);
    expect(MAX_LINE_LENGTH).toBe(64 * 1024);
    expect(lines).toEqual(['before', 'after the long line']);
    expect(numbers).toEqual([1, 3]);
    expect(stats).toEqual({ lines: 3, truncated: 1 });
  });

  it('keeps a line of exactly MAX_LINE_LENGTH characters with a CRLF ending', async () => {
    const exact = 'E'.repeat(MAX_LINE_LENGTH);
    const { lines, stats } = await readAll(`${exact}\r\nnext\r\n`);
    expect(lines).toEqual([exact, 'next']);
    expect(stats.truncated).toBe(0);
  });

  it('skips a long line that straddles a chunk boundary and reads the next line whole', async () => {
    const filler = `${'f'.repeat(99)}\n`.repeat(10_000); // 1,000,000 bytes
    const long = 'L'.repeat(200 * 1024); // runs from byte 1,000,000 across 1,048,576
    const { lines, stats } = await readAll(`${filler}${long}\nnext line\nlast\n`);
    expect(lines).toHaveLength(10_002);
    expect(lines[10_000]).toBe('next line');
    expect(lines[10_001]).toBe('last');
    expect(stats).toEqual({ lines: 10_003, truncated: 1 });
  });

  it('skips a line longer than two chunks and still counts every line once', async () => {
    const huge = 'H'.repeat(2 * CHUNK + 12345);
    const { lines, numbers, stats } = await readAll(`a\n${huge}\nb\n${huge}`);
    expect(lines).toEqual(['a', 'b']);
    expect(numbers).toEqual([1, 3]);
    expect(stats).toEqual({ lines: 4, truncated: 2 });
  });

  it('keeps a line split across a chunk boundary whole', async () => {
    const rows = Array.from({ length: 12_000 }, (_, i) => `line ${String(i).padStart(6, '0')} ${'x'.repeat(85)}`);
    const text = `${rows.join('\n')}\n`;
    expect(Buffer.byteLength(text)).toBeGreaterThan(CHUNK);
    const { lines, stats } = await readAll(text);
    expect(lines).toEqual(rows);
    expect(stats.truncated).toBe(0);
  });

  it('keeps a multi-byte character split across the chunk boundary', async () => {
    // 'é' is two bytes; put its first byte at the last byte of the first chunk.
    const filler = `${'x'.repeat(99)}\n`.repeat(10_485); // 1,048,500 bytes
    const split = `${'b'.repeat(CHUNK - 1 - 1_048_500)}é tail`;
    const text = `${filler}${split}\nnext\n`;
    expect(Buffer.from(text).indexOf(Buffer.from('é'))).toBe(CHUNK - 1);
    const { lines } = await readAll(text);
    expect(lines).toHaveLength(10_487);
    expect(lines[10_485]).toBe(split);
    expect(lines[10_486]).toBe('next');
  });

  it('waits for a promise returned by onLine before the next line', async () => {
    const file = tmp.write('log', 'a\nb\nc\n');
    const events: string[] = [];
    await readLines(file, async (line) => {
      events.push(`start ${line}`);
      await new Promise((r) => setTimeout(r, 5));
      events.push(`end ${line}`);
    });
    expect(events).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
  });

  it('rejects for a missing file', async () => {
    await expect(readLines(`${tmp.dir}/missing.log`, () => undefined)).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
