import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { runCommand } from '../../src/firewall/run-command.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait.js';

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

describe('runCommand input made ahead', () => {
  it('makes pieces ahead of a command that has not read yet, up to about a mebibyte', async () => {
    const tmp = makeTempDir('run-command-');
    const flag = path.join(tmp.dir, 'go');
    const piece = `${'z'.repeat(4095)}\n`;
    let made = 0;
    let mostBeforeReading = 0;
    function* pieces(): Generator<string> {
      for (let i = 0; i < 600; i++) {
        made++;
        if (!existsSync(flag)) mostBeforeReading = made;
        yield piece;
      }
    }
    try {
      // The command reads nothing until the flag file exists: what was made by then was made
      // ahead. Waiting for 'drain' after each piece made only what the pipe holds (about 20).
      const running = runCommand(['sh', '-c', 'while [ ! -e "$0" ]; do sleep 0.01; done; exec wc -c', flag], {}, pieces());
      await waitFor(() => made >= 200, '200 pieces made before the command reads', 30_000);
      tmp.write('go', '');
      expect((await running).stdout.trim()).toBe(String(600 * 4096));
      // Never more than a mebibyte queued, plus what the pipe took, plus the piece in hand.
      expect(mostBeforeReading).toBeLessThanOrEqual((1 << 20) / 4096 + 64 + 1);
    } finally {
      tmp.remove();
    }
  });
});
