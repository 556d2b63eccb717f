import { spawnSync } from 'node:child_process';
import { appendFileSync, closeSync, mkdirSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { DATABASE_FILE, SqliteStore } from '../../../src/engine/store.js';
import { cli, ensureCliBuilt } from '../../../test/helpers/cli.js';
import { engineLogOf, killDaemon, startDaemon, waitUntil, type DaemonProcess } from '../../../test/helpers/daemon-process.js';
import { daemonSections, dryRunBans, safePaths, sshdFailureLine, sshdJail } from '../../../test/helpers/safe-config.js';
import { makeTempDir, type TempDir } from '../../../test/helpers/temp-dir.js';
import type { TortureCase, TortureResult } from '../case.js';

const failure = sshdFailureLine;

/** A config whose state folder is `stateDir` (a tmpfs of the case's own, say) and the rest in `tmp`. */
function writeConfig(tmp: TempDir, stateDir: string, authLog: string): string {
  return tmp.write('config.toml', `${daemonSections(tmp.dir, 'dry-run', stateDir)}${sshdJail(authLog)}`);
}

async function fullDisk(addresses: number): Promise<TortureResult> {
  await ensureCliBuilt();
  const tmp = makeTempDir('portcullis-torture-disk-');
  const mount = path.join(tmp.dir, 'state');
  mkdirSync(mount);
  const daemons: DaemonProcess[] = [];
  let mounted = false;
  try {
    const mounting = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=4m,mode=0700', 'tmpfs', mount], { encoding: 'utf8' });
    if (mounting.status !== 0) return { observed: '', pass: false, skipped: `cannot mount a tmpfs here (${mounting.stderr.trim() || mounting.error?.message})` };
    mounted = true;
    const { logFile } = safePaths(tmp.dir);
    const authLog = tmp.write('auth.log', '');
    const configPath = writeConfig(tmp, mount, authLog);
    let daemon = await startDaemon(configPath, logFile);
    daemons.push(daemon);
    let line = 0;
    const ip = (i: number) => `198.18.${20 + (i >> 8)}.${i & 255}`;
    // First failures of every address while there is room.
    appendFileSync(authLog, Array.from({ length: addresses }, (_, i) => failure(ip(i), line++)).join(''));
    await waitUntil(() => engineLogOf(logFile, daemon.pid).filter((l) => l.includes('] Found ')).length >= addresses, 'the first failures');
    // Fill the disk, then the second failures arrive, with first failures of ten times as many
    // other addresses: more than the write-ahead log's room, which SQLite reuses once its pages
    // are checkpointed (a few hundred KB here), so the store must ask for space it cannot get.
    const filler = path.join(mount, 'filler');
    spawnSync('dd', ['if=/dev/zero', `of=${filler}`, 'bs=64k'], { stdio: 'ignore' });
    const other = (i: number) => `198.18.${100 + (i >> 8)}.${i & 255}`;
    const wave = Array.from({ length: addresses }, (_, i) => failure(ip(i), line++) + Array.from({ length: 10 }, (_, k) => failure(other(i * 10 + k), line++)).join(''));
    appendFileSync(authLog, wave.join(''));
    const faultSeen = await waitUntil(() => engineLogOf(logFile, daemon.pid).find((l) => l.includes('State database not written')), 'the fault in the engine log');
    const status = JSON.parse((await cli('status', '--json', '--config', configPath)).stdout || '{}') as { state?: { ok: boolean; error: string } };
    const errorsLogged = engineLogOf(logFile, daemon.pid).filter((l) => l.startsWith('ERROR') && l.includes('State database')).length;
    // Space comes back: the engine writes its whole state without a restart.
    rmSync(filler);
    const freedAt = Date.now();
    await waitUntil(() => engineLogOf(logFile, daemon.pid).some((l) => l.includes('State database written again')), 'the recovery', 60_000);
    const recoveredMs = Date.now() - freedAt;
    await waitUntil(() => dryRunBans(mount).length === addresses, `${addresses} bans in the dry-run firewall`, 60_000);
    // A crash now loses nothing: everything is in the database.
    await killDaemon(daemon);
    const db = new Database(path.join(mount, DATABASE_FILE), { readonly: true });
    const integrity = db.pragma('integrity_check', { simple: true });
    db.close();
    const store = SqliteStore.open(mount);
    const stored = store.activeBans().length;
    store.close();
    daemon = await startDaemon(configPath, logFile);
    daemons.push(daemon);
    const restored = engineLogOf(logFile, daemon.pid).find((l) => l.includes('Restored ')) ?? '';
    const pass = status.state?.ok === false && errorsLogged === 1 && stored === addresses && integrity === 'ok' && restored.includes(`Restored ${addresses} bans`);
    return {
      observed: `status said state.ok=${String(status.state?.ok)} ("${status.state?.error ?? ''}"), ${errorsLogged} error line; after space came back: ${stored}/${addresses} bans stored, integrity ${String(integrity)}, restart: "${restored.replace(/^\w+ /, '')}"`,
      pass,
      figures: `4 MiB tmpfs; written back ${(recoveredMs / 1000).toFixed(1)} s after space returned; fault seen: ${faultSeen.length > 0}`,
    };
  } finally {
    for (const d of daemons) await killDaemon(d);
    if (mounted) spawnSync('umount', ['-l', mount]);
    tmp.remove();
  }
}

/** Starts a daemon on a state folder that cannot be used; returns its exit code and stderr. */
async function refusedStart(prepare: (stateDir: string) => () => void): Promise<{ code: number | null; stderr: string }> {
  const tmp = makeTempDir('portcullis-torture-db-');
  try {
    const stateDir = path.join(tmp.dir, 'state');
    const authLog = tmp.write('auth.log', '');
    const configPath = writeConfig(tmp, stateDir, authLog);
    const seed = SqliteStore.open(stateDir);
    const now = Date.now();
    seed.putBans(Array.from({ length: 3000 }, (_, i) => ({ ip: `198.18.${40 + (i >> 8)}.${i & 255}`, jail: 'sshd', bannedAt: now, expiresAt: now + 3_600_000, count: 1, reason: ['x'.repeat(100)] })));
    seed.close();
    const undo = prepare(stateDir);
    try {
      const result = await cli('--daemon', '--config', configPath);
      return { code: result.code, stderr: result.stderr.trim().split('\n')[0] ?? '' };
    } finally {
      undo();
    }
  } finally {
    tmp.remove();
  }
}

export const cases: TortureCase[] = [
  {
    name: 'state folder on a full disk (tmpfs)',
    expected: 'one clear error in status and the log; bans still made; all written back without restart when space returns; no corruption',
    needsRoot: true,
    run: ({ bounded }) => fullDisk(bounded ? 200 : 2000),
  },
  {
    name: 'state database with broken pages',
    expected: 'refuses to start, naming the file; never starts with an empty ban list',
    run: async () => {
      const { code, stderr } = await refusedStart((dir) => {
        const fd = openSync(path.join(dir, DATABASE_FILE), 'r+');
        const junk = Buffer.alloc(64, 0xa5);
        for (let p = 2; p < 12; p++) writeSync(fd, junk, 0, junk.length, p * 4096);
        closeSync(fd);
        return () => undefined;
      });
      return { observed: `exit ${code}: ${stderr}`, pass: code !== 0 && code !== null && stderr.includes(DATABASE_FILE) && /damaged/.test(stderr) };
    },
  },
  {
    name: 'state database locked by another process',
    expected: 'refuses to start with a clear error naming the file',
    run: async () => {
      let holder: Database.Database | null = null;
      const { code, stderr } = await refusedStart((dir) => {
        holder = new Database(path.join(dir, DATABASE_FILE));
        holder.exec('BEGIN EXCLUSIVE');
        return () => {
          holder?.exec('ROLLBACK');
          holder?.close();
        };
      });
      return { observed: `exit ${code}: ${stderr}`, pass: code !== 0 && code !== null && stderr.includes(DATABASE_FILE) && /locked/.test(stderr) };
    },
  },
  {
    name: 'state database that is not a database',
    expected: 'refuses to start, naming the file',
    run: async () => {
      const { code, stderr } = await refusedStart((dir) => {
        writeFileSync(path.join(dir, DATABASE_FILE), 'this is not a database\n'.repeat(500));
        rmSync(path.join(dir, `${DATABASE_FILE}-wal`), { force: true });
        return () => undefined;
      });
      return { observed: `exit ${code}: ${stderr}`, pass: code !== 0 && code !== null && stderr.includes(DATABASE_FILE) };
    },
  },
];
