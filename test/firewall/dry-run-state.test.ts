import { readFileSync, statSync, appendFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DryRunBackend, readDryRunState } from '../../src/firewall/dry-run-backend.js';
import { makeTempDir, type TempDir } from '../helpers/temp-dir.js';

describe('dry-run state file', () => {
  let tmp: TempDir;
  afterEach(() => tmp?.remove());

  it('appends one line per ban instead of rewriting every ban, and a new process sees the same firewall', async () => {
    tmp = makeTempDir();
    const file = path.join(tmp.dir, 'dry-run-firewall.json');
    const first = new DryRunBackend(file);
    await first.start(['198.18.0.0/24']);
    await first.replaceBans(Array.from({ length: 500 }, (_, i) => ({ address: `198.18.1.${i % 250}`, timeout: 60 })).concat([{ address: '2001:db8::1', timeout: 60 }]));
    const before = statSync(file).size;
    for (let i = 0; i < 100; i++) await first.ban([{ address: `198.18.2.${i}` }]);
    await first.unban(['198.18.1.7', '2001:db8::1']);
    await first.ban([{ address: '198.18.1.8' }]); // already there: keeps its place
    // Each change is a short line: far less than 100 rewrites of 350 bans would write.
    expect(statSync(file).size - before).toBeLessThan(100 * 60);
    expect(readFileSync(file, 'utf8').split('\n').filter(Boolean)).toHaveLength(1 + 100 + 2);

    const second = new DryRunBackend(file);
    expect(await second.listBans()).toEqual(await first.listBans());
    expect((await second.live()).bans).toBe(349);
    expect((await second.listBans()).slice(0, 3)).toEqual(['198.18.1.0', '198.18.1.1', '198.18.1.2']);
    expect((await second.listBans()).at(-1)).toBe('198.18.2.99');

    // A change cut short by a crash is skipped; a start folds the changes into one snapshot.
    appendFileSync(file, '{"ban":["198.18.3');
    const third = new DryRunBackend(file);
    expect(await third.listBans()).toEqual(await first.listBans());
    await third.start(['198.18.0.0/24']);
    expect(readFileSync(file, 'utf8').split('\n').filter(Boolean)).toHaveLength(1);
    expect([...readDryRunState(file).bans]).toEqual(await first.listBans());
  });

  it('reads the single JSON object earlier versions wrote, and folds long journals in', async () => {
    tmp = makeTempDir();
    const file = tmp.write('state.json', JSON.stringify({ started: true, bans: ['198.18.9.1'], trusted: [], rules: null }));
    const backend = new DryRunBackend(file);
    expect(await backend.listBans()).toEqual(['198.18.9.1']);
    for (let i = 0; i < 1200; i++) await backend.ban([{ address: '198.18.9.2' }]);
    expect(readFileSync(file, 'utf8').split('\n').filter(Boolean).length).toBeLessThan(1100);
    expect(await new DryRunBackend(file).listBans()).toEqual(['198.18.9.1', '198.18.9.2']);
  });
});
