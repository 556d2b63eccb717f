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
    const first = handedOver(held);
    held.add('second');
    const second = handedOver(held);
    expect(second.toString()).toBe('second');
    // Same memory: no new buffer (and its page faults) for each burst.
    expect(sameMemory(first, second)).toBe(true);
  });

  it('never overwrites bytes a write kept', () => {
    const held = new HeldBytes(16);
    held.add('first line\n');
    const first = handedOver(held, true);
    held.add('second line\n');
    expect(first.toString()).toBe('first line\n');
    expect(drained(held)).toBe('second line\n');
  });

  it('goes back to its first size once a burst that grew it is over', () => {
    const held = new HeldBytes(16);
    held.add('x'.repeat(1000));
    const big = handedOver(held);
    held.add('small');
    const small = handedOver(held);
    expect(small.toString()).toBe('small');
    expect(sameMemory(small, big)).toBe(true);
    held.add('small again');
    const after = handedOver(held);
    expect(after.toString()).toBe('small again');
    expect(sameMemory(after, big)).toBe(false);
  });
});

/** The bytes `drain` hands over (a view of the holder's buffer); `kept` as the write's answer. */
function handedOver(held: HeldBytes, kept = false): Buffer {
  let out: Buffer = Buffer.alloc(0);
  held.drain((bytes) => {
    out = bytes;
    return kept;
  });
  return out;
}

function drained(held: HeldBytes): string {
  return Buffer.from(handedOver(held)).toString('utf8');
}

function sameMemory(a: Buffer, b: Buffer): boolean {
  return a.buffer === b.buffer && a.byteOffset === b.byteOffset;
}
