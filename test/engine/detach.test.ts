import v8 from 'node:v8';
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { detach } from '../../src/engine/detach.js';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

describe('detach', () => {
  it('keeps none of the string a piece was cut from', () => {
    const kept: string[] = [];
    gc();
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < 40; i++) {
      // A line of a 1 MiB chunk of a log; the piece kept is its address and user (30 characters).
      const chunk = `${i} ${'x'.repeat(1 << 20)} from 198.51.100.${i} user u${String(i).padStart(12, '0')}`;
      kept.push(detach(chunk.slice(chunk.length - 30)));
    }
    gc();
    // Each piece still cut from its chunk would hold the chunk: 40 MiB.
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(8 * 2 ** 20);
    expect(kept[7]).toBe('98.51.100.7 user u000000000007');
    expect(kept.every((text, i) => text.endsWith(`u${String(i).padStart(12, '0')}`) && text.length === 30)).toBe(true);
  });

  it('gives back short and non-ASCII text unchanged', () => {
    for (const text of ['', 'a', '198.18.0.1', '2001:db8::1', 'ünïcødé-user-name-æøå', '👾 emoji user 👾 name']) expect(detach(text)).toBe(text);
  });
});
