import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NFT_SESSION, NftSession } from '../../src/firewall/nftables/nft-session.js';
import { CommandError, CommandSession } from '../../src/firewall/run-command.js';
import { netnsSkipReason } from '../helpers/netns.js';
import { netnsPids, runningProcesses } from '../helpers/processes.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const skip = netnsSkipReason(['nft']);
if (skip) console.log(`nft session test skipped: ${skip}`);

describe.skipIf(skip !== null)('one long-lived nft for small changes', () => {
  const ns = `pc-h16-${randomBytes(3).toString('hex')}`;
  const nft = (...args: string[]) => execFileSync('ip', ['netns', 'exec', ns, 'nft', ...args]).toString();
  let session: NftSession;

  beforeAll(() => {
    execFileSync('ip', ['netns', 'add', ns]);
    nft('add table inet t; add set inet t s { type ipv4_addr; flags timeout; }');
    session = new NftSession({ netns: ns });
  });
  afterAll(() => {
    session?.close();
    execFileSync('ip', ['netns', 'del', ns]);
  });

  it('runs scripts in order, each one transaction, and reports a failing one with its stderr', async () => {
    const runs = [
      session.run(['add element inet t s { 198.18.0.1 timeout 60s }']),
      session.run(['add element inet t s { 198.18.0.2 }', 'add element inet t s { 198.18.0.300 }']),
      session.run(['delete element inet t s { 198.18.0.9 }']),
      session.run(['add element inet t s { 198.18.0.3 }', 'delete element inet t s { 198.18.0.3 }', 'add element inet t s { 198.18.0.3 timeout 30s }']),
    ];
    const results = await Promise.allSettled(runs);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'fulfilled']);
    const bad = (results[1] as PromiseRejectedResult).reason as CommandError;
    expect(bad).toBeInstanceOf(CommandError);
    expect(bad.stderr).toMatch(/198\.18\.0\.300/);
    expect(((results[2] as PromiseRejectedResult).reason as CommandError).stderr).toMatch(/No such file or directory/);
    const listed = nft('list', 'set', 'inet', 't', 's');
    // The failed script's first statement was not committed: the whole line is one transaction.
    expect(listed).not.toContain('198.18.0.2');
    expect(listed).toMatch(/198\.18\.0\.1 timeout 1m/);
    expect(listed).toMatch(/198\.18\.0\.3 timeout 30s/);
  });

  it('runs a file it includes as one transaction, as nft -f does (how a large batch is given)', async () => {
    const tmp = makeTempDir('nft-include-');
    try {
      const file = tmp.write('script', 'add element inet t s { 198.18.1.1 }\nadd element inet t s { 198.18.1.2 }\nadd element inet t s { 198.18.1.300 }\n');
      const error = await session.run([`include "${file}"`]).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CommandError);
      expect((error as CommandError).stderr).toMatch(/198\.18\.1\.300/);
      expect(nft('list', 'set', 'inet', 't', 's')).not.toContain('198.18.1.1');
      const good = tmp.write('good', 'add element inet t s { 198.18.1.1 }\nadd element inet t s { 198.18.1.2 }\n');
      await session.run([`include "${good}"`]);
      const listed = nft('list', 'set', 'inet', 't', 's');
      expect(listed).toContain('198.18.1.1');
      expect(listed).toContain('198.18.1.2');
    } finally {
      tmp.remove();
    }
  });

  it('keeps no line history: nothing in $HOME/.nft.history, and a new nft after maxScripts scripts', async () => {
    const home = makeTempDir('nft-home-');
    const saved = process.env.HOME;
    process.env.HOME = home.dir;
    const bounded = new CommandSession({ ...NFT_SESSION, maxScripts: 2 }, { netns: ns });
    try {
      const nftPids = () => runningProcesses(netnsPids(ns)).filter(({ argv }) => argv[0] === 'nft' && argv[1] === '-i').map((p) => p.pid);
      const before = new Set(nftPids());
      await bounded.run(['add element inet t s { 198.18.2.1 }']);
      await bounded.run(['add element inet t s { 198.18.2.2 }']);
      const first = nftPids().filter((pid) => !before.has(pid));
      expect(first).toHaveLength(1);
      await bounded.run(['add element inet t s { 198.18.2.3 }']);
      // The first one was ended (its input closed) and a new one runs the third script.
      await expect.poll(() => nftPids().filter((pid) => !before.has(pid)), { timeout: 10_000 }).not.toContain(first[0]);
      expect(nftPids().filter((pid) => !before.has(pid))).toHaveLength(1);
      bounded.close();
      await expect.poll(() => nftPids().filter((pid) => !before.has(pid)), { timeout: 10_000 }).toEqual([]);
      // nft writes its history when its input ends: the daemon's lines are no one's history.
      expect(existsSync(path.join(home.dir, '.nft.history'))).toBe(false);
      expect(nft('list', 'set', 'inet', 't', 's')).toContain('198.18.2.3');
    } finally {
      bounded.close();
      process.env.HOME = saved;
      home.remove();
    }
  });

  it('starts nft again when it died', async () => {
    const pids = netnsPids(ns);
    expect(pids.length).toBeGreaterThan(0);
    for (const pid of pids) process.kill(pid, 'SIGKILL');
    await expect.poll(() => netnsPids(ns), { timeout: 10_000 }).toEqual([]);
    // A script sent before the session saw the death fails (the caller resyncs); the next runs.
    await session.run(['add element inet t s { 198.18.0.5 }']).catch((err: unknown) => expect(err).toBeInstanceOf(CommandError));
    await session.run(['add element inet t s { 198.18.0.4 }']);
    expect(nft('list', 'set', 'inet', 't', 's')).toContain('198.18.0.4');
  });
});
