import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { blocklistListCommand, blocklistUpdateCommand } from '../../src/commands/blocklist-command.js';
import { openEngineStack, type EngineStack } from '../../src/commands/engine-stack.js';
import { loadOnce } from '../../src/commands/open-channel.js';
import { InProcessControl } from '../../src/control/index.js';
import { safeSections } from '../helpers/safe-config.js';
import { makeTempDir, type TempDir } from '../helpers/temp-dir.js';

// The blocklists as the engine stack runs them (dry-run firewall, real SQLite, list files in a
// temp folder): with the engine, after a reload, and without a daemon (saved lists, an update in
// the command's own process).

let tmp: TempDir;
let stack: EngineStack | null = null;

function config(lists: string): string {
  return ['[trusted]', 'ranges = ["198.18.60.7"]', safeSections(tmp.dir), lists, ''].join('\n');
}
const TWO = '[blocklists.one]\nsource = "one.txt"\n[blocklists.two]\nsource = "two.txt"\nrefresh = "1h"\n';

function capture(): { stream: Writable; text: () => string } {
  let text = '';
  const stream = new Writable({ write: (chunk: Buffer, _enc, done) => ((text += chunk.toString()), done()) });
  return { stream, text: () => text };
}

beforeEach(() => {
  tmp = makeTempDir('pc-h26-stack-');
  tmp.write('one.txt', '198.18.60.0/24\n198.18.61.1\n');
  tmp.write('two.txt', '2001:db8:60::/48\n');
});
afterEach(async () => {
  await stack?.stop();
  stack = null;
  tmp.remove();
});

describe('blocklists in the engine stack', () => {
  it('loads the configured lists with the engine, reports a trusted overlap, shows them in status, and follows a reload', async () => {
    const configPath = tmp.write('config.toml', config(TWO));
    stack = await openEngineStack(configPath);
    const control = new InProcessControl(stack.handlers);
    await stack.start();
    await stack.blocklists.settled();
    const rows = await control.request({ command: 'blocklists' });
    expect(rows.map((r) => [r.name, r.entries, r.dropped, r.lastError, r.refresh])).toEqual([['one', 2, 0, null, 21_600], ['two', 1, 0, null, 3600]]);
    expect(rows[0]!.source).toBe(`${tmp.dir}/one.txt`);
    expect(stack.log.entries().map((e) => e.message)).toContain('blocklist one: 1 entries overlap trusted 198.18.60.7; trusted addresses stay allowed');
    const status = await control.request({ command: 'status' });
    expect(status.blocklists?.map((b) => [b.name, b.entries])).toEqual([['one', 2], ['two', 1]]);

    // A list whose file turned into a page: refused, the list in force stays, and status says why.
    tmp.write('one.txt', '<html><body>moved</body></html>\n');
    const refused = await control.request({ command: 'blocklist-update', name: 'one' });
    expect(refused[0]).toMatchObject({ name: 'one', entries: 2, lastError: 'the download is an HTML page, not a list' });
    expect((await control.request({ command: 'status' })).blocklists?.[0]?.lastError).toBe('the download is an HTML page, not a list');

    tmp.write('config.toml', config('[blocklists.two]\nsource = "two.txt"\nrefresh = "2h"\n'));
    await control.request({ command: 'reload' });
    expect((await control.request({ command: 'blocklists' })).map((r) => [r.name, r.entries, r.refresh])).toEqual([['two', 1, 7200]]);
    await expect(control.request({ command: 'blocklist-update', name: 'one' })).rejects.toThrow('no blocklist named "one" (known: two)');

    tmp.write('config.toml', config(''));
    await control.request({ command: 'reload' });
    expect(await control.request({ command: 'blocklists' })).toEqual([]);
    expect((await control.request({ command: 'status' })).blocklists).toBeUndefined();
  });

  it('without a daemon: list shows what is saved, update downloads in the command\'s own process', async () => {
    const configPath = tmp.write('config.toml', config(TWO));
    stack = await openEngineStack(configPath);
    await stack.start();
    await stack.blocklists.settled();
    await stack.stop();
    stack = null;

    const out = capture();
    const err = capture();
    const ctx = { loaded: loadOnce(configPath), out: out.stream, err: err.stream };
    expect(await blocklistListCommand(ctx, false)).toBe(0);
    expect(out.text()).toMatch(/^NAME +ENTRIES +DROPPED +REFRESHED +SOURCE\none +2 +- +(just now|\d+s ago) \(every 6h\) +\/.*one\.txt\ntwo +1 +- /);
    expect(out.text()).toContain('(dropped: the kernel counters are read by the daemon; none is running)');

    tmp.write('one.txt', '198.18.60.0/24\n198.18.61.1\n198.18.62.0/23\n');
    const updated = capture();
    expect(await blocklistUpdateCommand({ ...ctx, out: updated.stream }, 'one')).toBe(0);
    expect(updated.text()).toBe('blocklist one: 3 entries in force\n');
    const json = capture();
    expect(await blocklistListCommand({ ...ctx, out: json.stream }, true)).toBe(0);
    const rows = JSON.parse(json.text()) as Array<{ name: string; entries: number; dropped: number | null; lastRefresh: string }>;
    expect(rows.map((r) => [r.name, r.entries, r.dropped])).toEqual([['one', 3, null], ['two', 1, null]]);
    expect(rows[0]!.lastRefresh).toMatch(/^\d{4}-\d\d-\d\dT/);

    tmp.write('two.txt', '');
    const failed = capture();
    expect(await blocklistUpdateCommand({ ...ctx, err: failed.stream }, undefined)).toBe(1);
    expect(failed.text()).toBe('portcullis: blocklist two: the download is empty; 1 entries stay in force\n');
  });
});
