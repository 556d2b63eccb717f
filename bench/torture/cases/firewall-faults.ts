import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, chmodSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { SqliteStore } from '../../../src/engine/store.js';
import { NftablesBackend } from '../../../src/firewall/nftables/index.js';
import { CLI, ensureCliBuilt, ROOT } from '../../../test/helpers/cli.js';
import { engineLogOf, waitUntil } from '../../../test/helpers/daemon-process.js';
import { safePaths } from '../../../test/helpers/safe-config.js';
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

const failure = (ip: string, n: number): string =>
  `${new Date(Date.now() - 1000).toISOString()} web1 sshd[${n}]: Failed password for root from ${ip} port 22 ssh2\n`;

async function failingFirewall(times: number): Promise<TortureResult> {
  await ensureCliBuilt();
  const tmp = makeTempDir('portcullis-torture-fw-');
  const ns = `pct-${randomBytes(3).toString('hex')}`;
  const nsExec = (argv: string[]) => spawnSync('ip', ['netns', 'exec', ns, ...argv], { encoding: 'utf8' });
  let child: ReturnType<typeof spawn> | null = null;
  try {
    if (spawnSync('ip', ['netns', 'add', ns]).status !== 0) throw new Error(`cannot create namespace ${ns}`);
    const { logFile, stateDir, socket, pidFile } = safePaths(tmp.dir);
    const counter = tmp.write('fail-count', '0');
    const bin = path.join(tmp.dir, 'bin');
    const fake = tmp.write('bin/nft', FAKE_NFT.replace('__COUNTER__', counter));
    chmodSync(fake, 0o755);
    const authLog = tmp.write('auth.log', '');
    const configPath = tmp.write('config.toml', `
[firewall]
backend = "nftables"
[daemon]
state_dir = ${JSON.stringify(stateDir)}
log_file = ${JSON.stringify(logFile)}
socket = ${JSON.stringify(socket)}
pid_file = ${JSON.stringify(pidFile)}
[jails.sshd]
filter = "sshd"
logpath = [${JSON.stringify(authLog)}]
start_at = "beginning"
maxretry = 2
findtime = "1h"
bantime = "1h"
`);
    child = spawn('ip', ['netns', 'exec', ns, process.execPath, CLI, '--daemon', '--config', configPath], {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}`, SSH_CONNECTION: '' },
    });
    const pidOf = () => Number(spawnSync('cat', [pidFile], { encoding: 'utf8' }).stdout.trim()) || 0;
    const log = () => engineLogOf(logFile, pidOf());
    await waitUntil(() => log().some((l) => l.includes('Jail started')), 'the daemon in the namespace to start', 60_000);
    const kernel = new NftablesBackend({ netns: ns });
    const stored = (): string[] => {
      const store = SqliteStore.open(stateDir);
      try {
        return store.activeBans().map((b) => b.ip).sort();
      } finally {
        store.close();
      }
    };
    const agree = async (n: number): Promise<boolean> => {
      const inKernel = (await kernel.listBans().catch(() => [] as string[])).sort();
      const inStore = stored();
      return inStore.length === n && inKernel.join() === inStore.join();
    };
    let line = 0;
    const attack = (from: number, count: number) => {
      let text = '';
      for (let i = from; i < from + count; i++) text += failure(`198.18.9.${i}`, line++) + failure(`198.18.9.${i}`, line++);
      appendFileSync(authLog, text);
    };
    attack(1, 20);
    await waitFor(() => agree(20), '20 bans in the kernel');
    // N failures in a row: the ban command and the tries to put it right after it.
    writeFileSync(counter, String(times));
    const faultAt = Date.now();
    attack(21, 20);
    await waitFor(() => agree(40), `the kernel to agree with the store after ${times} failed commands`, 180_000);
    const healed = Date.now() - faultAt;
    // Another tool flushes the whole ruleset: our table, sets and bans are gone.
    nsExec(['/usr/sbin/nft', 'flush', 'ruleset']);
    const flushAt = Date.now();
    attack(61, 10);
    await waitFor(() => agree(50), 'the bans to be back after a flush of the ruleset', 120_000);
    const restored = Date.now() - flushAt;
    const messages = log().filter((l) => l.includes('Firewall put right')).length;
    return {
      observed: `store and kernel agree (40 bans) after ${times} failed commands, and (50 bans) after \`nft flush ruleset\`; ${messages} "put right" notices`,
      pass: messages >= 2,
      figures: `healed ${(healed / 1000).toFixed(1)} s after the first failure, ${(restored / 1000).toFixed(1)} s after the flush`,
    };
  } finally {
    child?.kill('SIGKILL');
    spawnSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' }).stdout?.split('\n').filter(Boolean).forEach((pid) => {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        // already gone
      }
    });
    spawnSync('ip', ['netns', 'del', ns]);
    tmp.remove();
  }
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
    name: 'nft failing several times in a row, then the ruleset flushed',
    expected: 'bans retried with growing waits until store and kernel agree; our table made again after a flush',
    needsRoot: true,
    run: ({ bounded }) => failingFirewall(bounded ? 3 : 5),
  },
];
