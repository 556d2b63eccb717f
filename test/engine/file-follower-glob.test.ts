import { appendFile, mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { expandGlob, GlobFollower, segmentRegExp, type GlobFollowEvent } from '../../src/engine/source/glob-follower.js';
import { makeTempDir, type TempDir } from './helpers.js';
import { sleep, waitFor } from '../helpers/wait.js';

let tmp: TempDir;
const running: GlobFollower[] = [];
beforeEach(() => {
  tmp = makeTempDir('portcullis-glob-');
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((f) => f.stop()));
  tmp.remove();
});

interface Globbed {
  follower: GlobFollower;
  /** Lines by source file name. */
  lines: Map<string, string[]>;
  events: Array<[string, GlobFollowEvent['type']]>;
}

async function followGlob(patterns: string[], startAt: 'end' | 'beginning'): Promise<Globbed> {
  const got: Globbed = { follower: null as unknown as GlobFollower, lines: new Map(), events: [] };
  got.follower = new GlobFollower(patterns, {
    startAt,
    pollMs: 100,
    rescanMs: 100,
    onLines: (source, lines) => {
      const name = path.basename(source);
      got.lines.set(name, [...(got.lines.get(name) ?? []), ...lines]);
    },
    onEvent: (source, event) => got.events.push([path.basename(source), event.type]),
  });
  running.push(got.follower);
  await got.follower.start();
  return got;
}

const count = (got: Globbed) => [...got.lines.values()].reduce((n, l) => n + l.length, 0);

describe('GlobFollower', () => {
  it('follows files matching at start from startAt, and a file created later from its beginning', async () => {
    const a = tmp.write('logs/a.log', 'old a 1\nold a 2\n');
    tmp.write('logs/notes.txt', 'not a log\n');
    const got = await followGlob([path.join(tmp.dir, 'logs', '*.log')], 'end');
    expect(got.follower.sources()).toEqual([a]);
    await appendFile(a, 'new a 3\n');
    const b = path.join(tmp.dir, 'logs', 'b.log');
    await writeFile(b, 'b 1\nb 2\n');
    await waitFor(() => got.follower.sources().length === 2, 'b.log followed');
    await appendFile(b, 'b 3\n');
    await appendFile(path.join(tmp.dir, 'logs', 'notes.txt'), 'still not a log\n');
    await waitFor(() => count(got) === 4, 'lines');
    await sleep(200);
    expect(Object.fromEntries(got.lines)).toEqual({ 'a.log': ['new a 3'], 'b.log': ['b 1', 'b 2', 'b 3'] });
    expect(got.events).toContainEqual(['b.log', 'added']);
  });

  it('follows a plain path that does not exist yet', async () => {
    const file = path.join(tmp.dir, 'later.log');
    const got = await followGlob([file], 'end');
    expect(got.follower.sources()).toEqual([file]);
    await writeFile(file, 'one\ntwo\n');
    await waitFor(() => count(got) === 2, 'lines');
    expect(got.lines.get('later.log')).toEqual(['one', 'two']);
  });

  it('does not read a rotated file again under its new name when the glob matches it', async () => {
    const app = tmp.write('app', 'a 1\n');
    const got = await followGlob([path.join(tmp.dir, 'app*')], 'beginning');
    await waitFor(() => count(got) === 1, 'first line');
    await appendFile(app, 'a 2\n');
    await waitFor(() => count(got) === 2, 'second line');
    await rename(app, `${app}.1`);
    await writeFile(app, 'b 1\n');
    await waitFor(() => count(got) === 3, 'new file');
    await sleep(400); // several rescans see app.1
    expect(got.lines.get('app')).toEqual(['a 1', 'a 2', 'b 1']);
    expect(got.lines.has('app.1')).toBe(false);
    expect(got.follower.sources()).toEqual([app]);
  });

  it('stops following a globbed file that is gone', async () => {
    const gone = tmp.write('x/gone.log', 'g\n');
    const got = await followGlob([path.join(tmp.dir, 'x', '*.log')], 'beginning');
    await waitFor(() => count(got) === 1, 'line');
    await rename(gone, path.join(tmp.dir, 'gone.old'));
    await waitFor(() => got.events.some(([, type]) => type === 'removed'), 'removed');
    expect(got.follower.sources()).toEqual([]);
    expect(got.events.map(([, type]) => type)).toEqual(['added', 'missing', 'removed']);
  });
});

describe('expandGlob', () => {
  it('matches *, ? and [...] in any segment, skips dot files and folders, and sorts', async () => {
    for (const name of ['web1/access.log', 'web2/access.log', 'web2/error.log', 'webx/access.log', 'web3/.hidden.log']) {
      tmp.write(name, '');
    }
    await mkdir(path.join(tmp.dir, 'web1', 'dir.log'));
    const at = (...names: string[]) => names.map((n) => path.join(tmp.dir, n));
    expect(await expandGlob(path.join(tmp.dir, 'web?', '*.log'))).toEqual(
      at('web1/access.log', 'web2/access.log', 'web2/error.log', 'webx/access.log'),
    );
    expect(await expandGlob(path.join(tmp.dir, 'web[0-9]', 'a*'))).toEqual(at('web1/access.log', 'web2/access.log'));
    expect(await expandGlob(path.join(tmp.dir, 'web[!12]', '*'))).toEqual(at('webx/access.log'));
    expect(await expandGlob(path.join(tmp.dir, 'web3', '.*'))).toEqual(at('web3/.hidden.log'));
    expect(await expandGlob(path.join(tmp.dir, 'nowhere', '*.log'))).toEqual([]);
  });

  it('builds anchored expressions that treat other characters literally', () => {
    expect(segmentRegExp('a.log').test('aXlog')).toBe(false);
    expect(segmentRegExp('a(1)+.log').test('a(1)+.log')).toBe(true);
    expect(segmentRegExp('[]x]').test(']')).toBe(true);
    expect(segmentRegExp('[^a]').test('a')).toBe(false);
    expect(segmentRegExp('x[').test('x[')).toBe(true);
    expect(segmentRegExp('*.log').test('a.log.1')).toBe(false);
  });
});
