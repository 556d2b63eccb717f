import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/index.js';
import { EngineLog } from '../../src/engine/engine-log.js';
import { Engine } from '../../src/engine/engine.js';
import { MemoryStore } from '../../src/engine/memory-store.js';
import type { SourcePosition } from '../../src/engine/types.js';
import { DryRunBackend } from '../../src/firewall/dry-run-backend.js';
import { safeSections } from '../helpers/safe-config.js';
import { makeTempDir, type TempDir } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait.js';

/** A store whose writes fail like SQLite on a full disk while `full` is set. */
class FullDiskStore extends MemoryStore {
  full = false;
  writesRefused = 0;

  constructor() {
    super();
    const writes = ['putBan', 'putBans', 'removeBans', 'replaceAllBans', 'savePosition', 'addFailure', 'clearFailures', 'pruneFailures', 'replaceFailures'] as const;
    for (const name of writes) {
      const original = (this[name] as (...args: unknown[]) => unknown).bind(this);
      (this as unknown as Record<string, unknown>)[name] = (...args: unknown[]) => {
        if (this.full) {
          this.writesRefused++;
          throw new Error('SQLITE_FULL: database or disk is full');
        }
        return original(...args);
      };
    }
  }

  /** A batch applies all of its writes or none, as a transaction does. */
  override batch<T>(work: () => T): T {
    const saved = structuredClone(this.snapshot());
    try {
      return work();
    } catch (err) {
      this.restoreSnapshot(saved);
      throw err;
    }
  }

  private snapshot(): unknown {
    return Object.fromEntries(Object.entries(this).filter(([k, v]) => typeof v !== 'function' && k !== 'full' && k !== 'writesRefused'));
  }

  private restoreSnapshot(saved: unknown): void {
    Object.assign(this, saved);
  }
}

const failure = (ip: string, port: number): string =>
  `${new Date(Date.now() - 1000).toISOString()} web1 sshd[${port}]: Failed password for root from ${ip} port ${port} ssh2`;

describe('engine state across restarts and a store that stops taking writes', () => {
  let tmp: TempDir;
  const engines: Engine[] = [];

  beforeEach(() => {
    tmp = makeTempDir('portcullis-state-keeper-');
  });

  afterEach(async () => {
    for (const engine of engines.splice(0)) await engine.stop();
    tmp.remove();
  });

  async function start(store: MemoryStore, maxretry = 3) {
    const logFile = tmp.write('auth.log', '');
    const configPath = path.join(tmp.dir, 'config.toml');
    const config = parseConfig(`${safeSections(tmp.dir)}
[jails.sshd]
filter = "sshd"
logpath = [${JSON.stringify(logFile)}]
maxretry = ${maxretry}
findtime = "1h"
bantime = "1h"
`, configPath);
    const log = new EngineLog();
    const firewall = new DryRunBackend();
    const engine = new Engine({ configPath, config, store, firewall, log, follow: { pollMs: 50 } });
    engines.push(engine);
    await engine.start();
    const position = (offset: number): SourcePosition => ({ source: logFile, inode: 1, offset, firstLineHash: 'h' });
    return { engine, log, firewall, position, logFile };
  }

  it('resumes the counts of a jail from the store after a restart', async () => {
    const store = new MemoryStore();
    const first = await start(store);
    first.engine.processLines('sshd', [failure('198.18.0.1', 1), failure('198.18.0.1', 2), failure('198.18.0.2', 3)], first.position(100));
    expect(store.failures('sshd', 0).map((f) => f.ip)).toEqual(['198.18.0.1', '198.18.0.1', '198.18.0.2']);
    await first.engine.stop();

    const second = await start(store);
    expect(second.log.entries().some((e) => e.message === 'Resumed counting 3 failures of 2 addresses from the state database')).toBe(true);
    second.engine.processLines('sshd', [failure('198.18.0.1', 4)], second.position(150));
    await second.engine.bans.idle();
    expect(second.engine.list().map((b) => b.ip)).toEqual(['198.18.0.1']);
    // The list holds no reason lines; the ban's are read from the store when asked for (`why`).
    expect(second.engine.list()[0]!.reason).toBeUndefined();
    expect(second.engine.bans.get('198.18.0.1')!.reason).toHaveLength(3);
    // The banned address's failures are gone; the other one's still count.
    expect(store.failures('sshd', 0).map((f) => f.ip)).toEqual(['198.18.0.2']);
  });

  it('bans a restored count at once when maxretry was lowered meanwhile', async () => {
    const store = new MemoryStore();
    const first = await start(store, 3);
    first.engine.processLines('sshd', [failure('198.18.0.7', 1), failure('198.18.0.7', 2)], first.position(100));
    await first.engine.stop();
    const second = await start(store, 2);
    await second.engine.bans.idle();
    expect(second.engine.list().map((b) => b.ip)).toEqual(['198.18.0.7']);
    expect(store.failures('sshd', 0)).toEqual([]);
  });

  it('runs on from memory while the store refuses writes, says so once, and writes everything back when it can', async () => {
    const store = new FullDiskStore();
    const { engine, log, firewall, position } = await start(store, 2);
    engine.processLines('sshd', [failure('198.18.1.1', 1), failure('198.18.1.2', 2)], position(100));
    store.full = true;
    // A ban and a new count while the disk is full: the ban still reaches the firewall.
    engine.processLines('sshd', [failure('198.18.1.1', 3), failure('198.18.1.3', 4)], position(200));
    engine.processLines('sshd', [failure('198.18.1.4', 5)], position(300));
    await engine.bans.idle();
    expect(await firewall.listBans()).toEqual(['198.18.1.1']);
    const errors = log.entries().filter((e) => e.level === 'ERROR');
    expect(errors.map((e) => e.message)).toEqual([expect.stringMatching(/^State database not written \(SQLITE_FULL: database or disk is full\); running from memory/)]);
    expect(engine.status().state).toMatchObject({ ok: false, error: 'SQLITE_FULL: database or disk is full' });
    // Nothing of the failed batches reached the store, not even part of one.
    expect(store.activeBans()).toEqual([]);
    expect(store.position(position(0).source)?.offset).toBe(100);

    store.full = false;
    await waitFor(() => engine.status().state.ok, 'the engine to write its state again', 15_000, 20);
    expect(log.entries().some((e) => /^State database written again after \d+ s: 1 bans, 3 counted failures, 1 read positions$/.test(e.message))).toBe(true);
    expect(store.activeBans().map((b) => b.ip)).toEqual(['198.18.1.1']);
    // Its reason lines, held in memory only while the store could not take them, are written too.
    expect(store.reasonOf('198.18.1.1')).toEqual([failure('198.18.1.1', 1), failure('198.18.1.1', 3)].map((l) => expect.stringContaining(l.slice(25))));
    expect(engine.bans.get('198.18.1.1')!.reason).toHaveLength(2);
    expect(store.history('198.18.1.1', 0)).toHaveLength(1);
    expect(store.failures('sshd', 0).map((f) => f.ip).sort()).toEqual(['198.18.1.2', '198.18.1.3', '198.18.1.4']);
    expect(store.position(position(0).source)?.offset).toBe(300);
  });
});
