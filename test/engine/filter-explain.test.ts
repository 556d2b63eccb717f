import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { compileFilter, loadFilter, loadFilterText, SHIPPED_FILTER_DIR } from '../../src/engine/filter/index.js';
import { readTailLines } from '../../src/engine/source/tail-lines.js';
import { makeTempDir, type TempDir } from '../helpers/temp-dir.js';
import { compile } from './helpers.js';

process.env.TZ = 'UTC';
const READ_TIME = Date.UTC(2026, 10, 26, 12, 0, 0);

let tmp: TempDir;
beforeEach(() => {
  tmp = makeTempDir('portcullis-explain-');
});
afterEach(() => tmp.remove());

describe('CompiledFilter.explain', () => {
  it('says why a line does not count', () => {
    const filter = compile(['Failed for \\S+ from <HOST>$'], { ignoreregex: ['for nobody', 'for monitor'] });
    const at = '2026-11-26T11:59:00Z';
    expect(filter.explain(`${at} Failed for root from 192.0.2.1`, READ_TIME)).toMatchObject({
      result: { kind: 'failure', ip: '192.0.2.1', time: Date.UTC(2026, 10, 26, 11, 59) },
      dateFound: true,
    });
    expect(filter.explain(`${at} Failed for root from 192.0.2.1`, READ_TIME).why).toBeUndefined();
    expect(filter.explain(`${at} Failed for monitor from 192.0.2.1`, READ_TIME)).toMatchObject({ ignoreIndex: 1, why: 'ignored by ignoreregex #2' });
    expect(filter.explain(`${at} Failed for root from mail.example.org`, READ_TIME)).toMatchObject({ result: { kind: 'failure', ip: null }, why: 'host is a name, not an IP' });
    expect(filter.explain(`${at} Accepted for root from 192.0.2.1`, READ_TIME)).toMatchObject({ result: { kind: 'missed' }, why: 'no failregex matched' });
    // Without a date the read time stands in, so a line that matches still counts.
    expect(filter.explain('Failed for root from 192.0.2.1', READ_TIME)).toMatchObject({ result: { kind: 'failure', time: READ_TIME }, dateFound: false });
    expect(filter.explain('Failed for root from 192.0.2.1', READ_TIME).why).toBeUndefined();
    expect(filter.explain('Login for root from 192.0.2.1', READ_TIME)).toMatchObject({ dateFound: false, why: 'no timestamp found' });
  });

  it('names a prefregex that did not match', () => {
    const filter = compile(['^Failed from <HOST>$'], { prefregex: '^\\s*sshd: <F-CONTENT>.+</F-CONTENT>$' });
    expect(filter.explain('2026-11-26T11:59:00Z cron: Failed from 192.0.2.1', READ_TIME).why).toBe('prefregex did not match');
    expect(filter.explain('2026-11-26T11:59:00Z sshd: Failed from 192.0.2.1', READ_TIME).result).toMatchObject({ kind: 'failure' });
  });
});

describe('loadFilterText', () => {
  it('reads unsaved text as if it were <first folder>/<name>.conf, includes found in the shipped folder', () => {
    const text = '[INCLUDES]\nbefore = common.conf\n[Definition]\n_daemon = myapp\nfailregex = ^%(__prefix_line)sbad login from <HOST>$\n';
    const def = loadFilterText(text, 'my-app', [tmp.dir, SHIPPED_FILTER_DIR]);
    expect(def.file).toBe(path.join(tmp.dir, 'my-app.conf'));
    const filter = compileFilter(def, { now: () => READ_TIME });
    expect(filter.matchLine('Nov 26 11:00:00 web1 myapp[12]: bad login from 192.0.2.8', READ_TIME)).toMatchObject({ kind: 'failure', ip: '192.0.2.8' });
  });

  it('names the would-be file and the line of a mistake', () => {
    const text = '[Definition]\n# a comment\nfailregex = ^bad login from (?<=x)<HOST>$\n';
    expect(() => compileFilter(loadFilterText(text, 'my-app', [tmp.dir]))).toThrow(`${path.join(tmp.dir, 'my-app.conf')}:3: RE2 cannot run`);
    expect(() => loadFilterText('[Definition]\n', 'empty', [tmp.dir])).toThrow(/empty\.conf: no failregex/);
  });

  it('lets a saved user filter include the shipped common.conf by its bare name', () => {
    writeFileSync(path.join(tmp.dir, 'mine.conf'), '[INCLUDES]\nbefore = common.conf\n[Definition]\n_daemon = mine\nfailregex = ^%(__prefix_line)sno from <HOST>$\n');
    expect(loadFilter('mine', [tmp.dir, SHIPPED_FILTER_DIR]).failregex).toHaveLength(1);
  });
});

describe('readTailLines', () => {
  it('gives the last lines, reading only the end of the file', async () => {
    const file = tmp.write('big.log', Array.from({ length: 50_000 }, (_, i) => `line ${i}`).join('\n') + '\n');
    expect(await readTailLines(file, 3)).toEqual(['line 49997', 'line 49998', 'line 49999']);
    // A 64-byte window: the cut first line is dropped, whole lines only.
    const few = await readTailLines(file, 100, 64);
    expect(few.length).toBeGreaterThan(3);
    expect(few.every((l) => /^line \d+$/.test(l))).toBe(true);
    expect(few[few.length - 1]).toBe('line 49999');
    const small = tmp.write('small.log', 'one\r\ntwo');
    expect(await readTailLines(small, 10)).toEqual(['one', 'two']);
    expect(await readTailLines(tmp.write('empty.log', ''), 10)).toEqual([]);
  });
});
