import { cpSync, existsSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';
import { makeTempDir, type TempDir } from '../helpers/temp-dir.js';

const STOCK = '/etc/fail2ban';

describe.skipIf(!existsSync(path.join(STOCK, 'jail.conf')))('portcullis import-fail2ban (built CLI)', () => {
  let tmp: TempDir;
  beforeEach(() => {
    tmp = makeTempDir('portcullis-h21-cli-');
  });
  afterEach(() => tmp.remove());

  it('imports a copy of the stock install, and check passes on the result', async () => {
    const f2b = path.join(tmp.dir, 'fail2ban');
    cpSync(STOCK, f2b, { recursive: true });
    const out = path.join(f2b, 'portcullis.toml');
    const imported = await cli('import-fail2ban', f2b, '--out', out);
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.stderr).toContain(`${out}: 1 jail(s) written`);
    const checked = await cli('check', '--config', out);
    expect(checked.code, checked.stderr).toBe(0);
    expect(checked.stdout).toBe(`${out}: OK: 1 jail, every filter compiled\n`);
    const again = await cli('import-fail2ban', f2b, '--out', out);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('exists; add --force');
  });

  it('says so when the folder does not exist', async () => {
    const result = await cli('import-fail2ban', path.join(tmp.dir, 'nothing-here'));
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('no such folder');
  });
});
