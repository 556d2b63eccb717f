import { appendFileSync, chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CLI, ensureCliBuilt, ROOT, run } from '../helpers/cli.js';
import { killDaemon, startDaemon, waitUntil, type DaemonProcess } from '../helpers/daemon-process.js';
import { dryRunBans, safePaths, safeSections, sshdFailureLine, sshdJail } from '../helpers/safe-config.js';
import { makeTempDir, type TempDir } from '../helpers/temp-dir.js';
import { TmuxSession } from '../tui/helpers/tmux.js';

const RECORD_EXIT = fileURLToPath(new URL('../tui/helpers/record-exit.mjs', import.meta.url));
/** Every program through which anything could reach the kernel's packet filter. */
const KERNEL_TOOLS = ['iptables', 'ip6tables', 'iptables-save', 'ip6tables-save', 'iptables-restore', 'ip6tables-restore', 'ipset', 'nft', 'ip'];

/** A folder of stand-ins for the kernel tools that write down every call and fail; and the record. */
function recordingTools(dir: string): { bin: string; record: string } {
  const bin = path.join(dir, 'bin');
  const record = path.join(dir, 'kernel-calls.txt');
  mkdirSync(bin, { recursive: true });
  for (const tool of KERNEL_TOOLS) {
    const file = path.join(bin, tool);
    writeFileSync(file, `#!${process.execPath}
require('node:fs').appendFileSync(${JSON.stringify(record)}, ${JSON.stringify(tool)} + ' ' + process.argv.slice(2).join(' ') + '\\n');
process.exit(1);
`);
    chmodSync(file, 0o755);
  }
  return { bin, record };
}

const calls = (record: string): string => (existsSync(record) ? readFileSync(record, 'utf8') : '');
const failure = sshdFailureLine;

describe('the demo and the dry-run backend never reach the kernel', () => {
  let tmp: TempDir;
  let session: TmuxSession | null = null;
  let daemon: DaemonProcess | null = null;

  beforeAll(async () => {
    await ensureCliBuilt();
  }, 180_000);

  afterEach(async () => {
    await session?.kill();
    session = null;
    if (daemon) await killDaemon(daemon);
    daemon = null;
    tmp?.remove();
  });

  it('the demo bans for a while and calls none of the kernel tools', async () => {
    tmp = makeTempDir('portcullis-dry-kernel-');
    const { bin, record } = recordingTools(tmp.dir);
    const tmpdir = path.join(tmp.dir, 'tmp');
    mkdirSync(tmpdir);
    const exitFile = path.join(tmp.dir, 'exit.json');
    session = await TmuxSession.start([process.execPath, RECORD_EXIT, exitFile, process.execPath, CLI, '--demo', '--config', 'config.example.toml'], {
      columns: 100,
      rows: 30,
      cwd: ROOT,
      env: { NO_COLOR: '1', TMPDIR: tmpdir, PATH: `${bin}:${process.env.PATH ?? ''}` },
    });
    await session.waitFor((s) => /^[3-9]\d* banned|^\d{2,} banned/m.test(s), 30_000);
    await session.press('q');
    await waitUntil(() => existsSync(exitFile), 'the demo to exit', 15_000);
    expect(calls(record)).toBe('');
  }, 90_000);

  it('a daemon on the dry-run backend bans, unbans and reloads without calling them', async () => {
    tmp = makeTempDir('portcullis-dry-kernel-');
    const { bin, record } = recordingTools(tmp.dir);
    const { logFile, stateDir } = safePaths(tmp.dir);
    const authLog = tmp.write('auth.log', '');
    const configPath = tmp.write('config.toml', `${safeSections(tmp.dir)}${sshdJail(authLog)}`);
    const savedPath = process.env.PATH;
    process.env.PATH = `${bin}:${savedPath ?? ''}`;
    try {
      daemon = await startDaemon(configPath, logFile);
      appendFileSync(authLog, failure('198.18.3.1', 1) + failure('198.18.3.1', 2));
      await waitUntil(() => dryRunBans(stateDir).includes('198.18.3.1'), 'the ban in the dry-run firewall');
      const env = { PATH: process.env.PATH };
      expect((await run(process.execPath, [CLI, 'ban', '198.18.3.2', '--config', configPath], 30_000, env)).code).toBe(0);
      expect((await run(process.execPath, [CLI, 'unban', '198.18.3.1', '--config', configPath], 30_000, env)).code).toBe(0);
      expect((await run(process.execPath, [CLI, 'reload', '--config', configPath], 30_000, env)).code).toBe(0);
      await waitUntil(() => dryRunBans(stateDir).join() === '198.18.3.2', 'the dry-run firewall to hold the manual ban only');
      expect(calls(record)).toBe('');
      // The stand-ins do catch a call that goes through PATH, as the backends' commands would.
      await run('nft', ['list', 'ruleset'], 10_000, { PATH: process.env.PATH });
      expect(calls(record)).toBe('nft list ruleset\n');
    } finally {
      process.env.PATH = savedPath;
    }
  }, 90_000);
});
