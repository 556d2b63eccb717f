import type { ChildProcess } from 'node:child_process';
import { appendFileSync, closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/engine/store.js';
import { cli, ensureCliBuilt } from '../helpers/cli.js';
import { startDaemon as startCliDaemon, waitUntil, type DaemonProcess } from '../helpers/daemon-process.js';
import { makeTempDir, type TempDir } from '../helpers/temp-dir.js';
import { dryRunBans, safePaths, safeSections } from '../helpers/safe-config.js';
import { sleep } from '../helpers/wait.js';

const N = 500; // distinct addresses, two failures each (maxretry 2)
const CHUNK = 5; // addresses appended per write

/** One engine log line: `<ISO> portcullis[pid]: LEVEL [jail] message`. */
interface LogLine {
  pid: number;
  level: string;
  jail: string | null;
  message: string;
}

/** Reads the engine log as it grows, complete lines only. */
class LogWatcher {
  readonly lines: LogLine[] = [];
  private offset = 0;
  private held = '';

  constructor(private readonly file: string) {}

  poll(): LogLine[] {
    if (!existsSync(this.file)) return this.lines;
    const size = statSync(this.file).size;
    if (size <= this.offset) return this.lines;
    const buffer = Buffer.alloc(size - this.offset);
    const fd = openSync(this.file, 'r');
    try {
      this.offset += readSync(fd, buffer, 0, buffer.length, this.offset);
    } finally {
      closeSync(fd);
    }
    const parts = (this.held + buffer.toString('utf8')).split('\n');
    this.held = parts.pop()!;
    for (const text of parts) {
      const m = /^\S+ portcullis\[(\d+)\]: (\w+) (?:\[([^\]]+)\] )?(.*)$/.exec(text);
      if (!m) throw new Error(`unexpected engine log line: ${text}`);
      this.lines.push({ pid: Number(m[1]), level: m[2]!, jail: m[3] ?? null, message: m[4]! });
    }
    return this.lines;
  }

  of(pid: number): LogLine[] {
    return this.poll().filter((l) => l.pid === pid);
  }
}



/** Address k: even ones IPv4 in 198.18.0.0/15, odd ones IPv6 in 2001:db8::/32 (canonical text). */
const address = (k: number): string =>
  k % 2 === 0 ? `198.${18 + ((k >> 9) & 1)}.${(k >> 1) & 255}.${1 + (k % 7)}` : `2001:db8:${(k + 0x100).toString(16)}::${1 + (k % 9)}`;

/** Line j (0-based): address floor(j/2)'s failure; the port names the line. */
const failureLine = (j: number): string =>
  `${new Date(Date.now() - 30_000).toISOString()} web1 sshd[${10_000 + j}]: Failed password for root from ${address(j >> 1)} port ${20_000 + j} ssh2\n`;

const lineOf = (message: string): number => Number(/ port (\d+) ssh2$/.exec(message)![1]) - 20_000;
const banOf = (message: string): string => /^Ban (\S+) \(/.exec(message)![1]!;

describe('daemon killed mid-stream (dry-run firewall)', () => {
  let tmp: TempDir;
  let configPath: string;
  let stateDir: string;
  let logFile: string;
  let authLog: string;
  let engineLog: LogWatcher;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    await ensureCliBuilt();
    tmp = makeTempDir('portcullis-daemon-crash-');
    stateDir = safePaths(tmp.dir).stateDir;
    authLog = tmp.write('auth.log', '');
    logFile = safePaths(tmp.dir).logFile;
    engineLog = new LogWatcher(logFile);
    configPath = tmp.write('config.toml', `
[settings]
bantime = "1h"
${safeSections(tmp.dir)}[jails.sshd]
filter = "sshd"
logpath = [${JSON.stringify(authLog)}]
start_at = "beginning"
maxretry = 2
findtime = "10m"
bantime = "1h"
`);
  }, 180_000);

  afterAll(() => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    tmp?.remove();
  });

  /** Starts the daemon and waits until its jail follows the log. */
  async function startDaemon(): Promise<DaemonProcess> {
    const daemon = await startCliDaemon(configPath, logFile);
    children.push(daemon.child);
    const starting = engineLog.of(daemon.pid).find((l) => l.message.startsWith('Starting: backend '));
    expect(starting?.message).toBe('Starting: backend dry-run, 1 of 1 jails enabled');
    return daemon;
  }

  const bansJson = async (): Promise<string[]> => {
    const result = await cli('bans', '--json', '--config', configPath);
    expect(result.code, result.stderr).toBe(0);
    return (JSON.parse(result.stdout) as Array<{ ip: string }>).map((b) => b.ip);
  };
  const firewallBans = (): string[] => dryRunBans(stateDir);

  it('loses no ban and no count across SIGKILL, and counts no line twice', async () => {
    const first = await startDaemon();
    const bansOf = (pid: number) => new Set(engineLog.of(pid).filter((l) => l.level === 'NOTICE' && l.message.startsWith('Ban ')).map((l) => banOf(l.message)));

    // Append fast, watching the engine log; SIGKILL once about half the addresses are banned.
    // Each write holds the second failures of the previous chunk's addresses and the first ones of
    // the next chunk's, so attacks interleave as they do in a real log.
    const writes: number[][] = []; // line numbers, one list per write, in file order
    for (let c = 0; c <= N / CHUNK; c++) {
      const write: number[] = [];
      for (let k = (c - 1) * CHUNK; k < c * CHUNK; k++) if (k >= 0) write.push(2 * k + 1);
      for (let k = c * CHUNK; k < Math.min((c + 1) * CHUNK, N); k++) write.push(2 * k);
      writes.push(write);
    }
    const offsets: number[] = []; // byte offset of each line (by line number) in auth.log
    let size = 0;
    let written = 0; // writes done
    const writeChunk = (): void => {
      let text = '';
      for (const j of writes[written++]!) {
        offsets[j] = size + Buffer.byteLength(text);
        text += failureLine(j);
      }
      appendFileSync(authLog, text);
      size += Buffer.byteLength(text);
    };
    while (written < writes.length && bansOf(first.pid).size < N / 2) {
      writeChunk();
      await sleep(10);
    }
    await waitUntil(() => bansOf(first.pid).size >= N / 2, `${N / 2} "Ban" lines before the kill`);
    first.child.kill('SIGKILL');
    expect(await first.exited).toEqual({ code: null, signal: 'SIGKILL' });
    const loggedBeforeKill = bansOf(first.pid);
    const foundBeforeKill = new Set(engineLog.of(first.pid).filter((l) => l.message.startsWith('Found ')).map((l) => lineOf(l.message)));
    expect(loggedBeforeKill.size).toBeGreaterThanOrEqual(N / 2);
    expect(loggedBeforeKill.size).toBeLessThan(N);

    // What the crash left on disk: the store is written before the firewall and the log line.
    const store = SqliteStore.open(stateDir);
    const storedAtKill = new Set(store.activeBans().map((b) => b.ip));
    const saved = store.position(authLog);
    store.close();
    expect(saved).toBeDefined();
    const savedOffset = saved!.offset;
    for (const ip of loggedBeforeKill) expect(storedAtKill.has(ip), `${ip} logged as banned but not stored`).toBe(true);

    // Lines keep coming while the daemon is down.
    while (written < writes.length) writeChunk();

    const second = await startDaemon();
    const restored = await waitUntil(() => engineLog.of(second.pid).find((l) => l.message.startsWith('Restored ')), '"Restored"');
    expect(restored.message).toBe(`Restored ${storedAtKill.size} bans to the firewall in one step (0 expired or trusted, dropped)`);
    // (a) and (b): every ban logged before the kill is in the store and in the firewall after the restore.
    const afterRestore = new Set(firewallBans());
    const listed = new Set(await bansJson());
    for (const ip of loggedBeforeKill) {
      expect(afterRestore.has(ip), `${ip} missing from the dry-run firewall after restore`).toBe(true);
      expect(listed.has(ip), `${ip} missing from bans --json`).toBe(true);
    }

    // The follower resumes at the saved position with the counts saved beside it: every address
    // ends banned, also one whose first failure was read before the kill and its second after.
    const expected = new Set(Array.from({ length: N }, (_, k) => address(k)));
    const split = Array.from({ length: N }, (_, k) => k).filter((k) => offsets[2 * k]! < savedOffset && offsets[2 * k + 1]! >= savedOffset);
    await waitUntil(() => {
      const all = new Set([...storedAtKill, ...bansOf(second.pid)]);
      return [...expected].every((ip) => all.has(ip));
    }, 'the restarted daemon to read every line and ban what it should');

    // No line before the saved position is counted again, and no line is counted twice.
    const foundAfter = engineLog.of(second.pid).filter((l) => l.message.startsWith('Found ')).map((l) => lineOf(l.message));
    for (const j of foundAfter) expect(offsets[j]!, `line ${j} re-read from before the saved position`).toBeGreaterThanOrEqual(savedOffset);
    const recounted = foundAfter.filter((j) => foundBeforeKill.has(j));
    expect(recounted).toEqual([]);
    expect(new Set(foundAfter).size).toBe(foundAfter.length);
    console.info(
      `daemon-crash: killed after ${loggedBeforeKill.size} "Ban" lines (${storedAtKill.size} bans stored, ` +
        `${foundBeforeKill.size} lines counted); ${split.length} address(es) had one failure on each side of ` +
        `the saved position (counted on across the restart); ${expected.size}/${N} banned in the end`,
    );

    // In the end the store and the firewall hold exactly the expected bans.
    await sleep(300); // a stray extra ban would show up in this time
    expect(new Set(await bansJson())).toEqual(expected);
    expect(new Set(firewallBans())).toEqual(expected);

    second.child.kill('SIGTERM');
    expect(await second.exited).toEqual({ code: 0, signal: null });
    expect(engineLog.of(second.pid).at(-1)?.message).toBe('Stopped; bans stay in place');
    const after = SqliteStore.open(stateDir);
    expect(after.position(authLog)?.offset).toBe(size);
    after.close();
  });
});
