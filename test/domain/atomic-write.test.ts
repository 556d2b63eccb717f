import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { temporaryName, writeFileAtomic } from '../../src/domain/atomic-write.js';
import { ROOT } from '../helpers/cli.js';
import { makeTempDir, type TempDir } from '../helpers/temp-dir.js';

let temp: TempDir;
beforeEach(() => {
  temp = makeTempDir('portcullis-atomic-');
});
afterEach(() => temp.remove());

/** A writer in its own process: `rounds` writes of a payload only it writes, then exit 0. */
function writer(file: string, tag: string, rounds: number): Promise<{ code: number | null; stderr: string }> {
  const script = [
    `import { writeFileAtomic } from ${JSON.stringify(path.join(ROOT, 'src/domain/atomic-write.ts'))};`,
    `const payload = ${JSON.stringify(tag)}.repeat(64 * 1024);`,
    `for (let i = 0; i < ${rounds}; i++) writeFileAtomic(${JSON.stringify(file)}, payload);`,
  ].join('\n');
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('exit', (code) => resolve({ code, stderr }));
  });
}

describe('writeFileAtomic', () => {
  it('writes the content whole, 0600 by default whatever the umask, and leaves no temporary file', () => {
    const file = path.join(temp.dir, 'state.json');
    const old = process.umask(0);
    try {
      writeFileAtomic(file, '{"a":1}');
    } finally {
      process.umask(old);
    }
    expect(readFileSync(file, 'utf8')).toBe('{"a":1}');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readdirSync(temp.dir)).toEqual(['state.json']);
  });

  it('takes the mode it is told, replaces an older file of a wider mode, and writes bytes as given', () => {
    const file = path.join(temp.dir, 'sshd.conf');
    writeFileSync(file, 'old', { mode: 0o666 });
    writeFileAtomic(file, Buffer.from([0, 1, 2, 255]), { mode: 0o644 });
    expect([...readFileSync(file)]).toEqual([0, 1, 2, 255]);
    expect(statSync(file).mode & 0o777).toBe(0o644);
    writeFileAtomic(file, 'new');
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('leaves the old file and no temporary one when the write cannot finish', () => {
    const file = path.join(temp.dir, 'state.json');
    writeFileAtomic(file, 'old');
    // Renaming a file over a folder fails after the temporary file was written.
    const folder = path.join(temp.dir, 'is-a-folder');
    temp.write('is-a-folder/x', 'x');
    expect(() => writeFileAtomic(folder, 'new')).toThrow();
    expect(readFileSync(file, 'utf8')).toBe('old');
    expect(readdirSync(temp.dir).sort()).toEqual(['is-a-folder', 'state.json']);
  });

  it('gives every call its own temporary name, beside the file', () => {
    const file = path.join(temp.dir, 'state.json');
    const names = new Set(Array.from({ length: 10_000 }, () => temporaryName(file)));
    expect(names.size).toBe(10_000);
    for (const name of [...names].slice(0, 3)) {
      expect(name.startsWith(`${file}.${process.pid}.`)).toBe(true);
      expect(name.endsWith('.tmp')).toBe(true);
    }
  });

  it('four processes replacing one file at once: no error, and the file is always one writer\'s content whole', async () => {
    const file = path.join(temp.dir, 'shared.json');
    const tags = ['a', 'b', 'c', 'd'];
    const results = await Promise.all(tags.map((tag) => writer(file, tag, 150)));
    for (const result of results) expect(result, result.stderr).toMatchObject({ code: 0 });
    const text = readFileSync(file, 'utf8');
    expect(text.length).toBe(64 * 1024);
    expect(tags.some((tag) => text === tag.repeat(64 * 1024))).toBe(true);
    expect(readdirSync(temp.dir)).toEqual(['shared.json']);
  }, 60_000);
});
