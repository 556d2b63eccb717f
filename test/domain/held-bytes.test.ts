import { describe, expect, it } from 'vitest';
import { HeldBytes } from '../../src/domain/held-bytes.js';

describe('HeldBytes', () => {
  it('gives back the UTF-8 bytes of what was added, in order, across growth', () => {
    const held = new HeldBytes(8);
    const parts = ['Ban 198.18.0.1\n', 'Grüße 🔥 ', 'x'.repeat(1000), '\n', '', 'end'];
    for (const part of parts) held.add(part);
    expect(held.empty).toBe(false);
    expect(held.take().toString('utf8')).toBe(parts.join(''));
    expect(held.empty).toBe(true);
  });

  it('hands over a buffer that later additions do not overwrite', () => {
    const held = new HeldBytes(16);
    held.add('first line\n');
    const first = held.take();
    held.add('second line\n');
    expect(first.toString()).toBe('first line\n');
    expect(held.take().toString()).toBe('second line\n');
  });
});
