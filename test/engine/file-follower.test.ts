import { copyFile, open, rename, stat, truncate, unlink, writeFile, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { batchBytesFor, FileFollower, type FileFollowerOptions, type FollowEvent } from '../../src/engine/source/file-follower.js';
import { LineSplitter, MAX_HELD_BYTES } from '../../src/engine/source/follow-line-splitter.js';
import type { SourcePosition } from '../../src/engine/types.js';
import { makeTempDir, type TempDir } from './helpers.js';
import { sleep, waitFor } from '../helpers/wait.js';

let tmp: TempDir;
let file: string;
const running: FileFollower[] = [];
beforeEach(() => {
  tmp = makeTempDir('portcullis-follow-');
  file = path.join(tmp.dir, 'app.log');
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((f) => f.stop()));
  tmp.remove();
});

/** Line n: numbered, with a varying tail so lines differ in length. */
const line = (n: number) => `line ${String(n).padStart(6, '0')} ${'x'.repeat((n * 7) % 41)}`;
const numberOf = (text: string) => Number(/^line (\d{6})/.exec(text)?.[1] ?? NaN);

interface Followed {
  follower: FileFollower;
  lines: string[];
  positions: SourcePosition[];
  events: FollowEvent[];
}

async function follow(options: Partial<FileFollowerOptions> = {}, into?: Followed): Promise<Followed> {
  const got: Followed = into ?? { follower: null as unknown as FileFollower, lines: [], positions: [], events: [] };
  got.follower = new FileFollower(file, {
    startAt: 'beginning',
    pollMs: 100,
    ...options,
    onLines: (lines, position) => {
      got.lines.push(...lines);
      got.positions.push(position);
    },
    onEvent: (event) => got.events.push(event),
  });
  running.push(got.follower);
  await got.follower.start();
  return got;
}

/** Lines 1..n exactly, in order: reported as missing / duplicated numbers first, for a readable failure. */
function expectExactly(lines: string[], n: number, from = 1): void {
  const numbers = lines.map(numberOf);
  const seen = new Set<number>();
  const duplicates = numbers.filter((k) => (seen.has(k) ? true : (seen.add(k), false)));
  const missing: number[] = [];
  for (let k = from; k <= n; k++) if (!seen.has(k)) missing.push(k);
  expect({ missing, duplicates }).toEqual({ missing: [], duplicates: [] });
  expect(lines).toEqual(Array.from({ length: n - from + 1 }, (_, i) => line(from + i)));
}

/** A daemon writing numbered lines through an append descriptor, with random pauses and split writes. */
class Writer {
  n = 0;
  private constructor(private fd: FileHandle) {}

  static async open(target = file): Promise<Writer> {
    return new Writer(await open(target, 'a'));
  }

  async write(count: number, pauses = true): Promise<void> {
    for (let i = 0; i < count; i++) {
      const text = `${line(++this.n)}\n`;
      if (pauses && Math.random() < 0.1) {
        // Half a line now, the rest a little later: it must be delivered once, whole.
        const cut = 1 + Math.floor(Math.random() * (text.length - 1));
        await this.fd.write(text.slice(0, cut));
        await sleep(Math.random() * 3);
        await this.fd.write(text.slice(cut));
      } else {
        await this.fd.write(text);
      }
      if (pauses && Math.random() < 0.2) await sleep(Math.random() * 2);
    }
  }

  /** What a daemon does on SIGHUP/SIGUSR1: close its log and open the path again. */
  async reopen(target = file): Promise<void> {
    await this.fd.close();
    this.fd = await open(target, 'a');
  }

  close(): Promise<void> {
    return this.fd.close();
  }
}

describe('FileFollower', () => {
  it('delivers a large backlog in batches that grow with it (fewer store transactions), never over 1 MiB', async () => {
    // About 16 MiB of lines already in the file: 256 KiB batches made 64 transactions (each with a
    // disk sync and index pages written again); a sixteenth of the backlog, up to 1 MiB, about 16.
    const lines = Array.from({ length: 520_000 }, (_, i) => line(i + 1));
    await writeFile(file, lines.join('\n') + '\n');
    const size = (await stat(file)).size;
    const sizes: number[] = [];
    let last = 0;
    const got = await follow();
    await waitFor(() => got.lines.length >= lines.length, 'lines');
    for (const position of got.positions) {
      sizes.push(position.offset - last);
      last = position.offset;
    }
    expectExactly(got.lines, lines.length);
    expect(last).toBe(size);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(1024 * 1024 + 64 * 1024);
    expect(sizes.length).toBeLessThanOrEqual(Math.ceil(size / (768 * 1024)));
    expect(sizes.slice(0, -1).every((bytes) => bytes >= 256 * 1024)).toBe(true);
  });

  it('sizes a batch by the backlog: 256 KiB at least, a sixteenth of the backlog, 1 MiB at most', () => {
    expect(batchBytesFor(0)).toBe(256 * 1024);
    expect(batchBytesFor(1024 * 1024)).toBe(256 * 1024);
    expect(batchBytesFor(8 * 1024 * 1024)).toBe(512 * 1024);
    expect(batchBytesFor(200 * 1024 * 1024)).toBe(1024 * 1024);
  });

  it('delivers plain appends exactly once, in order, with the position after each batch', async () => {
    await writeFile(file, '');
    const got = await follow();
    const writer = await Writer.open();
    await writer.write(3000);
    await writer.close();
    await waitFor(() => got.lines.length >= 3000, 'lines');
    expectExactly(got.lines, 3000);
    const offsets = got.positions.map((p) => p.offset);
    expect(offsets).toEqual([...offsets].sort((a, b) => a - b));
    expect(got.follower.position().offset).toBe((await stat(file)).size);
    expect(got.follower.stats).toEqual({ lines: 3000, truncated: 0, rotations: 0 });
  });

  for (const [name, mode] of [
    ['fs.watch', {}],
    ['polling only', { watch: false, pollMs: 50 }],
  ] as const) {
    it(`survives several rename+create rotations, draining what the daemon still writes to the old file (${name})`, async () => {
      await writeFile(file, '');
      const got = await follow(mode);
      const writer = await Writer.open();
      for (let r = 1; r <= 5; r++) {
        await writer.write(300);
        await rename(file, `${file}.${r}`);
        await writeFile(file, ''); // logrotate's `create`
        await writer.write(5); // the daemon has not reopened yet
        await writer.reopen();
      }
      await writer.write(300);
      await writer.close();
      await waitFor(() => got.lines.length >= 1825, 'lines');
      expectExactly(got.lines, 1825);
      const switches = got.events.filter((e) => e.type === 'rotated' || e.type === 'appeared');
      expect(switches).toHaveLength(5);
      expect(got.follower.position().inode).toBe((await stat(file)).ino);
    });

    it(`copytruncate with the writer quiet around the copy: nothing lost, nothing read twice (${name})`, async () => {
      await writeFile(file, '');
      const got = await follow(mode);
      const writer = await Writer.open();
      for (let r = 1; r <= 3; r++) {
        await writer.write(300);
        await waitFor(() => got.lines.length === writer.n, 'catch-up');
        await copyFile(file, `${file}.${r}`);
        await truncate(file, 0);
      }
      await writer.write(300);
      await writer.close();
      await waitFor(() => got.lines.length >= 1200, 'lines');
      expectExactly(got.lines, 1200);
      expect(got.events.filter((e) => e.type === 'rotated')).toEqual(Array(3).fill({ type: 'rotated', how: 'truncate' }));
    });
  }

  it('copytruncate under continuous writing: only lines unread when a truncate began are lost', async () => {
    await writeFile(file, '');
    const got = await follow();
    const writer = await Writer.open();
    let writing = true;
    const loop = (async () => {
      while (writing) await writer.write(20, false);
    })();
    // [last line delivered when the truncate began, last line written when it returned]
    const windows: Array<[number, number]> = [];
    for (let r = 1; r <= 4; r++) {
      await sleep(150 + Math.random() * 100);
      const before = Math.max(0, ...got.lines.map(numberOf));
      await copyFile(file, `${file}.${r}`);
      await truncate(file, 0);
      windows.push([before, writer.n]);
    }
    await sleep(100);
    writing = false;
    await loop;
    await writer.close();
    const total = writer.n;
    await waitFor(() => got.lines.length > 0 && numberOf(got.lines.at(-1)!) === total, 'last line');
    const numbers = got.lines.map(numberOf);
    for (let i = 1; i < numbers.length; i++) expect(numbers[i]).toBeGreaterThan(numbers[i - 1]!);
    for (const text of got.lines) expect(text).toBe(line(numberOf(text)));
    const delivered = new Set(numbers);
    const lost: number[] = [];
    for (let k = 1; k <= total; k++) if (!delivered.has(k)) lost.push(k);
    const unexplained = lost.filter((k) => !windows.some(([before, after]) => k > before && k <= after));
    expect(unexplained).toEqual([]);
    console.log(`copytruncate under load: ${total} lines written, ${lost.length} lost in the race windows`);
  });

  for (const [name, mode] of [
    ['fs.watch', {}],
    ['polling only', { watch: false, pollMs: 50 }],
  ] as const) {
    it(`drains a deleted file, reports it missing, and reads the re-created file from its beginning (${name})`, async () => {
      await writeFile(file, '');
      const got = await follow(mode);
      const writer = await Writer.open();
      await writer.write(200);
      await unlink(file);
      await writer.write(20); // late writes to the deleted file are still read
      await waitFor(() => got.events.some((e) => e.type === 'missing'), 'missing');
      await sleep(300);
      await writer.reopen();
      await writer.write(200);
      await writer.close();
      await waitFor(() => got.lines.length >= 420, 'lines');
      expectExactly(got.lines, 420);
      expect(got.events.map((e) => e.type)).toEqual(['missing', 'appeared']);
    });
  }

  it('waits for a file missing at start and reads it from its beginning (even with startAt end)', async () => {
    const got = await follow({ startAt: 'end' });
    expect(got.events).toEqual([{ type: 'missing', never: true }]);
    await sleep(300);
    const writer = await Writer.open();
    await writer.write(500);
    await writer.close();
    await waitFor(() => got.lines.length >= 500, 'lines');
    expectExactly(got.lines, 500);
    expect(got.events).toEqual([{ type: 'missing', never: true }, { type: 'appeared' }]);
  });

  it('holds a line until its newline arrives, then delivers it once, whole', async () => {
    await writeFile(file, 'first\nsecond, first half');
    const got = await follow();
    await waitFor(() => got.lines.length === 1, 'first line');
    await sleep(300);
    expect(got.lines).toEqual(['first']);
    expect(got.follower.position().offset).toBe(6);
    const fd = await open(file, 'a');
    await fd.write(' and second half\nthird\n');
    await fd.close();
    await waitFor(() => got.lines.length === 3, 'lines');
    expect(got.lines).toEqual(['first', 'second, first half and second half', 'third']);
    expect(got.positions.at(-1)!.offset).toBe((await stat(file)).size);
  });

  it('delivers the unfinished last line of a file rotated away once it is drained', async () => {
    await writeFile(file, 'a\nb without newline');
    const got = await follow();
    await waitFor(() => got.lines.length === 1, 'a');
    await rename(file, `${file}.1`);
    await writeFile(file, 'c\n');
    await waitFor(() => got.lines.length === 3, 'lines');
    expect(got.lines).toEqual(['a', 'b without newline', 'c']);
    // Seen as a rotation, or (when a poll falls between the rename and the new file) as the
    // file going missing and coming back: either way every line arrives once.
    expect(got.follower.stats.rotations).toBeLessThanOrEqual(1);
  });

  it('replaces invalid UTF-8, keeps a character split across writes, strips CRLF', async () => {
    await writeFile(file, '');
    const got = await follow();
    const fd = await open(file, 'a');
    await fd.write(Buffer.concat([Buffer.from('bad '), Buffer.from([0xff, 0xc3, 0x28]), Buffer.from(' end\r\n')]));
    const e = Buffer.from('é');
    await fd.write(Buffer.concat([Buffer.from('zo'), e.subarray(0, 1)]));
    await sleep(250); // the follower reads the first byte of 'é' alone
    await fd.write(Buffer.concat([e.subarray(1), Buffer.from(' ✓\n'), Buffer.from([0xe2, 0x82]), Buffer.from('\n')]));
    await fd.close();
    await waitFor(() => got.lines.length === 3, 'lines');
    expect(got.lines).toEqual(['bad \uFFFD\uFFFD( end', 'zoé ✓', '\uFFFD']);
  });

  it('skips a 200 KiB line, counting it, and reads the next line intact', async () => {
    await writeFile(file, 'before\n');
    const got = await follow();
    const fd = await open(file, 'a');
    const piece = 'A'.repeat(16 * 1024);
    for (let i = 0; i < 12; i++) {
      await fd.write(piece); // 192 KiB arriving over time, without its newline
      await sleep(20);
    }
    await fd.write(`${'A'.repeat(8 * 1024)}\nnext line\n${'B'.repeat(200 * 1024)}\nlast\n`);
    await fd.close();
    await waitFor(() => got.lines.length === 3, 'lines');
    expect(got.lines).toEqual(['before', 'next line', 'last']);
    expect(got.follower.stats).toMatchObject({ lines: 3, truncated: 2 });
    expect(got.follower.position().offset).toBe((await stat(file)).size);
  });

  it('resumes from a saved position with no loss or duplicate while the writer goes on', async () => {
    await writeFile(file, '');
    const first = await follow();
    const writer = await Writer.open();
    const writing = writer.write(2000);
    await waitFor(() => first.lines.length >= 700, 'first half');
    await first.follower.stop();
    const saved = first.positions.at(-1)!;
    expect(first.follower.position()).toEqual(saved);
    await sleep(100);
    const second = await follow({ startAt: 'end', position: saved });
    await writing;
    await writer.close();
    await waitFor(() => first.lines.length + second.lines.length >= 2000, 'lines');
    expectExactly([...first.lines, ...second.lines], 2000);
  });

  it('refuses a saved position when the file was replaced by another inode: reads it from the beginning', async () => {
    await writeFile(file, Array.from({ length: 100 }, (_, i) => `${line(i + 1)}\n`).join(''));
    const first = await follow();
    await waitFor(() => first.lines.length === 100, 'lines');
    await first.follower.stop();
    const saved = first.follower.position();
    await writeFile(`${file}.new`, Array.from({ length: 150 }, (_, i) => `${line(i + 1)}\n`).join(''));
    await rename(`${file}.new`, file);
    const second = await follow({ startAt: 'end', position: saved });
    await waitFor(() => second.lines.length >= 150, 'lines');
    expectExactly(second.lines, 150);
  });

  it('refuses a saved position when the same inode now starts with another line', async () => {
    await writeFile(file, Array.from({ length: 100 }, (_, i) => `${line(i + 1)}\n`).join(''));
    const first = await follow();
    await waitFor(() => first.lines.length === 100, 'lines');
    await first.follower.stop();
    const saved = first.follower.position();
    const fd = await open(file, 'r+'); // rewritten in place: same inode, longer, another first line
    await fd.write(Array.from({ length: 300 }, (_, i) => `${line(i + 1001)}\n`).join(''), 0);
    await fd.close();
    expect((await stat(file)).ino).toBe(saved.inode);
    const second = await follow({ startAt: 'end', position: saved });
    await waitFor(() => second.lines.length >= 300, 'lines');
    expectExactly(second.lines, 1300, 1001);
  });

  it('startAt end skips existing content but delivers an unfinished last line whole', async () => {
    await writeFile(file, `${Array.from({ length: 100 }, (_, i) => `${line(i + 1)}\n`).join('')}line 000101`);
    const got = await follow({ startAt: 'end' });
    expect(got.follower.position().offset).toBe((await stat(file)).size - 'line 000101'.length);
    const writer = await Writer.open();
    writer.n = 101;
    const fd = await open(file, 'a');
    await fd.write(` ${'x'.repeat((101 * 7) % 41)}\n`);
    await fd.close();
    await writer.write(49);
    await writer.close();
    await waitFor(() => got.lines.length >= 50, 'lines');
    expectExactly(got.lines, 150, 101);
  });

  it('delivers an append within a few milliseconds (fs.watch)', async () => {
    await writeFile(file, '');
    let resolveNext: (() => void) | null = null;
    const follower = new FileFollower(file, {
      startAt: 'end',
      onLines: () => resolveNext?.(),
    });
    running.push(follower);
    await follower.start();
    const fd = await open(file, 'a');
    const latencies: number[] = [];
    for (let i = 1; i <= 200; i++) {
      const delivered = new Promise<void>((resolve) => (resolveNext = resolve));
      const t0 = performance.now();
      await fd.write(`${line(i)}\n`);
      await delivered;
      latencies.push(performance.now() - t0);
      await sleep(1 + Math.random() * 4);
    }
    await fd.close();
    latencies.sort((a, b) => a - b);
    const median = latencies[100]!;
    const p99 = latencies[197]!;
    console.log(`append-to-delivery latency over 200 appends: median ${median.toFixed(2)} ms, p99 ${p99.toFixed(2)} ms, max ${latencies[199]!.toFixed(2)} ms`);
    expect(median).toBeLessThan(50);
  });
});

describe('LineSplitter', () => {
  it('keeps at most MAX_HELD_BYTES of a line that never ends', () => {
    const splitter = new LineSplitter();
    const chunk = Buffer.alloc(64 * 1024, 'z');
    for (let i = 0; i < 160; i++) {
      expect(splitter.push(chunk).lines).toEqual([]);
      expect(splitter.heldBytes).toBeLessThanOrEqual(MAX_HELD_BYTES);
    }
    const end = splitter.push(Buffer.from('zz\nnext\n'));
    expect(end.lines).toEqual(['next']);
    expect(end).toMatchObject({ truncated: 1, advanced: 160 * 64 * 1024 + 8 });
    expect(splitter.heldBytes).toBe(0);
  });
});
