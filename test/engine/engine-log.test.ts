import { existsSync, readFileSync, renameSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EngineLog } from '../../src/engine/engine-log.js';
import { compileFilter, loadFilter } from '../../src/engine/filter/index.js';
import { makeTempDir, type TempDir } from '../helpers/temp-dir.js';

let tmp: TempDir;
beforeEach(() => {
  tmp = makeTempDir('portcullis-log-');
});
afterEach(() => tmp.remove());

describe('EngineLog', () => {
  it('writes fail2ban-style lines that the shipped recidive filter reads', () => {
    const file = path.join(tmp.dir, 'portcullis.log');
    const log = new EngineLog({ file, now: () => Date.UTC(2026, 10, 24, 10) });
    log.info('sshd', 'Found 198.18.0.1 - Failed password for root from 198.18.0.1 port 22 ssh2');
    log.notice('sshd', 'Ban 198.18.0.1 (5 failures, 10m, ban #1)');
    log.notice('recidive', 'Ban 198.18.0.2 (3 failures, 1w, ban #1)');
    log.notice('sshd', 'Unban 198.18.0.1 (expired)');
    log.flush();
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    expect(lines[1]).toBe(`2026-11-24T10:00:00.000Z portcullis[${process.pid}]: NOTICE [sshd] Ban 198.18.0.1 (5 failures, 10m, ban #1)`);
    const recidive = compileFilter(loadFilter('recidive'), { now: () => Date.UTC(2026, 10, 26) });
    expect(lines.map((l) => recidive.matchLine(l, 0).kind)).toEqual(['missed', 'failure', 'ignored', 'missed']);
  });

  it('appends the entries of one burst in one write, once the code that wrote them is done', async () => {
    const file = path.join(tmp.dir, 'portcullis.log');
    const log = new EngineLog({ file });
    for (let i = 0; i < 100; i++) log.info('sshd', `Found 198.18.0.${i}`);
    expect(existsSync(file)).toBe(false);
    await Promise.resolve();
    expect(readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(100);
  });

  it('keeps writing after the file is rotated away, and keeps a bounded ring for the console', () => {
    const file = path.join(tmp.dir, 'portcullis.log');
    const log = new EngineLog({ file, keep: 3 });
    log.info(null, 'one');
    log.flush();
    renameSync(file, `${file}.1`);
    log.info(null, 'two\nthree');
    log.info(null, 'four');
    log.info(null, 'five');
    log.flush();
    expect(readFileSync(file, 'utf8')).toContain('INFO two\\nthree');
    expect(log.entries().map((e) => e.message)).toEqual(['two\\nthree', 'four', 'five']);
  });
});
