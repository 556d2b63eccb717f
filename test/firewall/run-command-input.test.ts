import { describe, expect, it } from 'vitest';
import { runCommand } from '../../src/firewall/run-command.js';

describe('runCommand input', () => {
  it('writes input given in pieces, in order, however much more than a pipe holds', async () => {
    const pieces = Array.from({ length: 3000 }, (_, i) => `${String(i).padStart(5, '0')} ${'x'.repeat(1000)}\n`);
    const { stdout } = await runCommand(['cat'], {}, pieces);
    expect(stdout).toBe(pieces.join(''));
    expect((await runCommand(['cat'], {}, 'one text')).stdout).toBe('one text');
    expect((await runCommand(['cat'], {}, [])).stdout).toBe('');
  });

  it('settles when the command exits without reading its input', async () => {
    const pieces = Array.from({ length: 2000 }, () => 'y'.repeat(4096));
    await expect(runCommand(['true'], {}, pieces)).resolves.toEqual({ stdout: '', stderr: '' });
    await expect(runCommand(['false'], {}, pieces)).rejects.toThrow();
  });
});
