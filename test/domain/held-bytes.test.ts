import { describe, expect, it } from 'vitest';
import { HeldBytes } from '../../src/domain/held-bytes.js';

describe('HeldBytes', () => {
  it('gives back the UTF-8 bytes of what was added, in order, across growth', () => {
    const held = new HeldBytes(8);
    const parts = ['Ban 198.18.0.1\n', 'Grüße 🔥 ', 'x'.repeat(1000), '\n', '', 'end'];
    for (const part of parts) held.add(part);
    expect(held.empty).toBe(false);
    expect(drained(held)).toBe(parts.join(''));
    expect(held.empty).toBe(true);
  });

  it('reuses its buffer for the next burst: the bytes handed over are the same memory', () => {
    const held = new HeldBytes(16);
    held.add('a'.repeat(100));
    let first: Buffer | null = null;
    held.drain((bytes) => {
      first = bytes;
    });
    held.add('second');
    let second: Buffer | null = null;
    held.drain((bytes) => {
      second = bytes;
    });
    expect(second!.toString()).toBe('second');
    // Same memory: no new buffer (and its page faults) for each burst.
    expect(second!.buffer).toBe(first!.buffer);
    expect(second!.byteOffset).toBe(first!.byteOffset);
  });

  it('never overwrites bytes a write kept', () => {
    const held = new HeldBytes(16);
    held.add('first line\n');
    let first: Buffer | null = null;
    held.drain((bytes) => {
      first = bytes;
      return true;
    });
    held.add('second line\n');
    expect(first!.toString()).toBe('first line\n');
    expect(drained(held)).toBe('second line\n');
  });

  it('goes back to its first size once a burst that grew it is over', () => {
    const held = new HeldBytes(16);
    held.add('x'.repeat(1000));
    let big: Buffer | null = null;
    held.drain((bytes) => {
      big = bytes;
    });
    held.add('small');
    let small: Buffer | null = null;
    held.drain((bytes) => {
      small = bytes;
    });
    expect(small!.toString()).toBe('small');
    expect(small!.buffer === big!.buffer && small!.byteOffset === big!.byteOffset).toBe(true);
    held.add('small again');
    let after: Buffer | null = null;
    held.drain((bytes) => {
      after = bytes;
    });
    expect(after!.toString()).toBe('small again');
    expect(after!.buffer === big!.buffer && after!.byteOffset === big!.byteOffset).toBe(false);
  });
});

function drained(held: HeldBytes): string {
  let text = '';
  held.drain((bytes) => {
    text = bytes.toString('utf8');
  });
  return text;
}
