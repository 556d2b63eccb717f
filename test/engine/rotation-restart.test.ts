import { appendFileSync, copyFileSync, renameSync, truncateSync, writeFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileFollower, type FollowEvent } from '../../src/engine/source/file-follower.js';
import type { SourcePosition } from '../../src/engine/types.js';
import { makeTempDir, type TempDir } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait.js';

const lines = (from: number, to: number): string => Array.from({ length: to - from + 1 }, (_, i) => `line ${from + i}\n`).join('');

describe('a log rotated while the follower was stopped', () => {
  let tmp: TempDir;
  let file: string;

  beforeEach(() => {
    tmp = makeTempDir('portcullis-rotation-restart-');
    file = tmp.write('auth.log', lines(1, 3));
  });
  afterEach(() => tmp.remove());

  /** Follows until `until` lines arrived; returns them, the last position and the events. */
  async function follow(position: SourcePosition | undefined, until: number) {
    const got: string[] = [];
    const events: FollowEvent[] = [];
    let last: SourcePosition | undefined;
    const follower = new FileFollower(file, {
      startAt: 'beginning',
      ...(position ? { position } : {}),
      pollMs: 20,
      onLines: (batch, at) => {
        got.push(...batch);
        last = at;
      },
      onEvent: (e) => events.push(e),
    });
    await follower.start();
    try {
      await waitFor(() => got.length >= until, `${until} lines`, 10_000);
    } finally {
      await follower.stop();
    }
    return { got, position: last!, events };
  }

  it('reads the rest of a file renamed away (logrotate create) before the new one', async () => {
    const first = await follow(undefined, 3);
    expect(first.got).toEqual(['line 1', 'line 2', 'line 3']);
    appendFileSync(file, lines(4, 5)); // written after the crash, before the rotation
    renameSync(file, `${file}.1`);
    writeFileSync(file, lines(6, 7));
    const second = await follow(first.position, 4);
    expect(second.got).toEqual(['line 4', 'line 5', 'line 6', 'line 7']);
    expect(second.events).toContainEqual({ type: 'drained', file: `${file}.1`, lines: 2 });
  });

  it('reads the rest from the copy after copytruncate', async () => {
    const first = await follow(undefined, 3);
    appendFileSync(file, lines(4, 5));
    copyFileSync(file, `${file}.1`);
    truncateSync(file, 0);
    appendFileSync(file, lines(6, 6));
    const second = await follow(first.position, 3);
    expect(second.got).toEqual(['line 4', 'line 5', 'line 6']);
  });

  it('reads nothing twice when the file was not rotated, and ignores compressed copies', async () => {
    const first = await follow(undefined, 3);
    appendFileSync(file, lines(4, 4));
    copyFileSync(file, `${file}.1.gz`);
    const second = await follow(first.position, 1);
    expect(second.got).toEqual(['line 4']);
    expect(second.events.some((e) => e.type === 'drained')).toBe(false);
  });
});
