import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, chmodSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { SqliteStore } from '../../../src/engine/store.js';
import { NftablesBackend } from '../../../src/firewall/nftables/index.js';
import { CLI, ensureCliBuilt, ROOT } from '../../../test/helpers/cli.js';
import { engineLogOf, waitUntil } from '../../../test/helpers/daemon-process.js';
import { daemonSections, safePaths, sshdFailureLine, sshdJail } from '../../../test/helpers/safe-config.js';
import { makeTempDir } from '../../../test/helpers/temp-dir.js';
import type { TortureCase, TortureResult } from '../case.js';

/**
 * An `nft` first in PATH that fails while the count in `fail-count` is above zero (counting it
 * down), and otherwise runs the real one with the same arguments and standard input.
 */
const FAKE_NFT = `#!${process.execPath}
const fs = require('node:fs');
const { spawnSync } = require('node:child_process');
const counter = ${JSON.stringify('__COUNTER__')};
const left = Number(fs.readFileSync(counter, 'utf8')) || 0;
if (left > 0) {
  fs.writeFileSync(counter, String(left - 1));
  process.stderr.write('nft: simulated failure (' + left + ' left)\\n');
  process.exit(1);
}
const r = spawnSync('/usr/sbin/nft', process.argv.slice(2), { stdio: 'inherit' });
process.exit(r.status === null ? 1 : r.status);
`;

const failure = sshdFailureLine;

/** A daemon with the nftables backend in a namespace of its own, and what a case reads of it. */
interface NetnsDaemon {
  ns: string;
  authLog: string;
  counter: string;
  log(): string[];
  stored(): string[];
  kernel: NftablesBackend;
  /** Store and kernel hold the same `n` bans. */
  agree(n: number): Promise<boolean>;
  /** Appends two failures for each of `count` addresses from 198.18.9.<from>. */
  attack(from: number, count: number): void;
  start(): Promise<void>;
  kill(): Promise<void>;
  nsExec(argv: string[]): { status: number | null; stdout: string; stderr: string };
}

async function withNetnsDaemon<T>(work: (d: NetnsDaemon) => Promise<T>): Promise<T> {
  await ensureCliBuilt();
  const tmp = makeTempDir('portcullis-torture-fw-');
  const ns = `pct-${randomBytes(3).toString('hex')}`;
  const nsExec = (argv: string[]) => spawnSync('ip', ['netns', 'exec', ns, ...argv], { encoding: 'utf8' });
  let child: ReturnType<typeof spawn> | null = null;
  try {
    if (spawnSync('ip', ['netns', 'add', ns]).status !== 0) throw new Error(`cannot create namespace ${ns}`);
    const { logFile, stateDir, pidFile } = safePaths(tmp.dir);
    const counter = tmp.write('fail-count', '0');
    const bin = path.join(tmp.dir, 'bin');
    const fake = tmp.write('bin/nft', FAKE_NFT.replace('__COUNTER__', counter));
    chmodSync(fake, 0o755);
    const authLog = tmp.write('auth.log', '');
    const configPath = tmp.write('config.toml', `${daemonSections(tmp.dir, 'nftables')}${sshdJail(authLog)}`);
    let pid = 0;
    const log = () => engineLogOf(logFile, pid);
    const kernel = new NftablesBackend({ netns: ns });
    const stored = (): string[] => {
      const store = SqliteStore.open(stateDir);
      try {
        return store.activeBans().map((b) => b.ip).sort();
      } finally {
        store.close();
      }
    };
    let line = 0;
    const daemon: NetnsDaemon = {
      ns, authLog, counter, log, stored, kernel, nsExec,
      async agree(n) {
        const inKernel = (await kernel.listBans().catch(() => [] as string[])).sort();
        const inStore = stored();
        return inStore.length === n && inKernel.join() === inStore.join();
      },
      attack(from, count) {
        let text = '';
        for (let i = from; i < from + count; i++) text += failure(`198.18.9.${i}`, line++) + failure(`198.18.9.${i}`, line++);
        appendFileSync(authLog, text);
      },
      async start() {
        child = spawn('ip', ['netns', 'exec', ns, process.execPath, CLI, '--daemon', '--config', configPath], {
          cwd: ROOT,
          stdio: ['ignore', 'ignore', 'pipe'],
          env: { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}`, SSH_CONNECTION: '' },
        });
        const started = child;
        pid = 0;
        await waitUntil(() => {
          if (started.exitCode !== null) throw new Error('the daemon in the namespace exited');
          pid = Number(spawnSync('cat', [pidFile], { encoding: 'utf8' }).stdout.trim()) || 0;
          return pid > 0 && log().some((l) => l.includes('Jail started'));
        }, 'the daemon in the namespace to start', 60_000);
      },
      async kill() {
        killNamespace(ns);
        await waitUntil(() => spawnSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' }).stdout.trim() === '', 'the daemon to die');
      },
    };
    return await work(daemon);
  } finally {
    killNamespace(ns);
    spawnSync('ip', ['netns', 'del', ns]);
    tmp.remove();
  }
}

/** SIGKILLs the nft processes running in the namespace (the fake wrapper and the real one). */
function killNft(ns: string): void {
  for (const pid of spawnSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' }).stdout?.split('\n').filter(Boolean) ?? []) {
    const argv = spawnSync('cat', [`/proc/${pid}/cmdline`], { encoding: 'utf8' }).stdout?.split('\0') ?? [];
    if (!argv.some((arg) => arg.endsWith('/nft'))) continue;
    try {
      process.kill(Number(pid), 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/** SIGKILLs every process in the namespace. */
function killNamespace(ns: string): void {
  for (const pid of spawnSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' }).stdout?.split('\n').filter(Boolean) ?? []) {
    try {
      process.kill(Number(pid), 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

function failingFirewall(times: number): Promise<TortureResult> {
  return withNetnsDaemon(async (d) => {
    await d.start();
    d.attack(1, 20);
    await waitFor(() => d.agree(20), '20 bans in the kernel');
    // N failures in a row: the ban command and the tries to put it right after it.
    writeFileSync(d.counter, String(times));
    // The daemon keeps one nft running (nft -i): end it, as a crash of nft would, so the next
    // commands start nft again and meet the failures.
    killNft(d.ns);
    const faultAt = Date.now();
    d.attack(21, 20);
    await waitFor(() => d.agree(40), `the kernel to agree with the store after ${times} failed commands`, 180_000);
    const healed = Date.now() - faultAt;
    // Another tool flushes the whole ruleset: our table, sets and bans are gone.
    d.nsExec(['/usr/sbin/nft', 'flush', 'ruleset']);
    const flushAt = Date.now();
    d.attack(61, 10);
    await waitFor(() => d.agree(50), 'the bans to be back after a flush of the ruleset', 120_000);
    const restored = Date.now() - flushAt;
    const messages = d.log().filter((l) => l.includes('Firewall put right')).length;
    return {
      observed: `store and kernel agree (40 bans) after ${times} failed commands, and (50 bans) after \`nft flush ruleset\`; ${messages} "put right" notices`,
      pass: messages >= 2,
      figures: `healed ${(healed / 1000).toFixed(1)} s after the first failure, ${(restored / 1000).toFixed(1)} s after the flush`,
    };
  });
}

function reconcileAtStart(): Promise<TortureResult> {
  return withNetnsDaemon(async (d) => {
    await d.start();
    d.attack(1, 20);
    await waitFor(() => d.agree(20), '20 bans in the kernel');
    await d.kill();
    // While it is down: five of its bans vanish from the kernel, three strangers appear in its set.
    const ours = d.stored();
    d.nsExec(['/usr/sbin/nft', 'delete', 'element', 'inet', 'portcullis', 'bans4', `{ ${ours.slice(0, 5).join(', ')} }`]);
    d.nsExec(['/usr/sbin/nft', 'add', 'element', 'inet', 'portcullis', 'bans4', '{ 198.18.99.1, 198.18.99.2, 198.18.99.3 }']);
    const before = (await d.kernel.listBans()).length;
    const t = Date.now();
    await d.start();
    await waitFor(() => d.agree(20), 'the kernel to hold exactly the stored bans after the restart');
    return {
      observed: `kernel had ${before} elements (15 of ours + 3 stale); after start it holds exactly the 20 stored bans`,
      pass: before === 18,
      figures: `start to agreement ${((Date.now() - t) / 1000).toFixed(1)} s, one replace`,
    };
  });
}

/** Polls an async probe until it is true. */
async function waitFor(probe: () => Promise<boolean>, what: string, ms = 60_000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await probe())) {
    if (Date.now() > until) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

export const cases: TortureCase[] = [
  {
    name: 'kernel set changed while the daemon was down',
    expected: 'at start, bans missing from the kernel put back and stale elements removed, in one step',
    needsRoot: true,
    run: () => reconcileAtStart(),
  },
  {
    name: 'nft failing several times in a row, then the ruleset flushed',
    expected: 'bans retried with growing waits until store and kernel agree; our table made again after a flush',
    needsRoot: true,
    run: ({ bounded }) => failingFirewall(bounded ? 3 : 5),
  },
];
