import { appendFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { SqliteStore } from '../../../src/engine/store.js';
import { ensureCliBuilt } from '../../../test/helpers/cli.js';
import { engineLogOf, killDaemon, startDaemon, waitUntil, type DaemonProcess } from '../../../test/helpers/daemon-process.js';
import { dryRunBans, safePaths, safeSections, sshdFailureLine, sshdJail } from '../../../test/helpers/safe-config.js';
import { makeTempDir } from '../../../test/helpers/temp-dir.js';
import { sleep } from '../../../test/helpers/wait.js';
import type { TortureCase } from '../case.js';

/** Address k: even IPv4 in 198.18.0.0/15, odd IPv6 in 2001:db8::/32. */
const address = (k: number): string =>
  k % 2 === 0 ? `198.${18 + ((k >> 17) & 1)}.${(k >> 9) & 255}.${(k >> 1) & 255}` : `2001:db8:1:${((k >> 16) + 1).toString(16)}::${(k & 0xffff).toString(16)}`;
/** Every 11th address fails once only and must never be banned. */
const once = (k: number): boolean => k % 11 === 0;
/** Line j names itself in the pid field, so a line counted twice shows in the engine log. */
const failure = (j: number, k: number): string => sshdFailureLine(address(k), j);

async function killAndRestartFlood(addresses: number, kills: number): Promise<{ observed: string; pass: boolean; figures: string }> {
  await ensureCliBuilt();
  const tmp = makeTempDir('portcullis-torture-crash-');
  const daemons: DaemonProcess[] = [];
  try {
    const { logFile, stateDir } = safePaths(tmp.dir);
    const authLog = tmp.write('auth.log', '');
    const configPath = tmp.write('config.toml', `${safeSections(tmp.dir)}${sshdJail(authLog, { bantime: '1d' })}`);
    // The flood: chunk c holds the first failures of its addresses and the second failures of the
    // previous chunk's (except the single-failure ones), as attacks interleave in a real log.
    const CHUNK = 100;
    const chunks: string[] = [];
    let j = 0;
    for (let c = 0; c * CHUNK <= addresses; c++) {
      let text = '';
      for (let k = (c - 1) * CHUNK; k < Math.min(c * CHUNK, addresses); k++) if (k >= 0 && !once(k)) text += failure(j++, k);
      for (let k = c * CHUNK; k < Math.min((c + 1) * CHUNK, addresses); k++) text += failure(j++, k);
      chunks.push(text);
    }
    const totalLines = j;
    let written = 0;
    // Paced so that the flood goes on through the kills (a restart takes about half a second).
    const pause = Math.max(2, Math.round((kills * 800) / chunks.length));
    const writer = (async () => {
      for (const text of chunks) {
        appendFileSync(authLog, text);
        written++;
        await sleep(pause);
      }
    })();
    let daemon = await startDaemon(configPath, logFile);
    daemons.push(daemon);
    const restarts: number[] = [];
    for (let i = 0; i < kills; i++) {
      const at = Math.ceil(((i + 1) * chunks.length) / (kills + 1));
      await waitUntil(() => written >= at, `chunk ${at} of the flood`, 120_000, 5);
      await killDaemon(daemon);
      const t = Date.now();
      daemon = await startDaemon(configPath, logFile);
      daemons.push(daemon);
      restarts.push(Date.now() - t);
    }
    await writer;
    const size = statSync(authLog).size;
    const offset = (): number => {
      const store = SqliteStore.open(stateDir);
      try {
        return store.position(authLog)?.offset ?? -1;
      } finally {
        store.close();
      }
    };
    const expected = new Set<string>();
    for (let k = 0; k < addresses; k++) if (!once(k)) expected.add(address(k));
    await waitUntil(() => offset() === size && dryRunBans(stateDir).length >= expected.size, 'the last daemon to read the whole flood and ban', 300_000, 200);
    await daemon.child.kill('SIGTERM');
    await daemon.exited;
    const banned = new Set(dryRunBans(stateDir));
    const missing = [...expected].filter((ip) => !banned.has(ip)).length;
    const wrong = [...banned].filter((ip) => !expected.has(ip)).length;
    // Each line may be logged as found once in all runs together.
    const seen = new Map<number, number>();
    for (const d of daemons) {
      for (const l of engineLogOf(logFile, d.pid)) {
        const m = /^INFO \[sshd\] Found \S+ - .* sshd\[(\d+)\]:/.exec(l);
        if (m) seen.set(Number(m[1]), (seen.get(Number(m[1])) ?? 0) + 1);
      }
    }
    const twice = [...seen.values()].filter((n) => n > 1).length;
    const singles = addresses - expected.size;
    restarts.sort((a, b) => a - b);
    return {
      observed: `${expected.size - missing}/${expected.size} banned, ${wrong}/${singles} single-failure addresses banned, ${twice} lines counted twice`,
      pass: missing === 0 && wrong === 0 && twice === 0,
      figures: `${totalLines} lines, ${kills} SIGKILLs, restart to jail running median ${restarts[restarts.length >> 1] ?? 0} ms`,
    };
  } finally {
    for (const d of daemons) await killDaemon(d);
    tmp.remove();
  }
}

/**
 * A flood into a log rotated (rename and create, the writer still finishing a line or two in the
 * old file) every second, with one SIGKILL whose restart comes after a rotation made while down.
 */
async function rotatingFlood(seconds: number, perSecond: number): Promise<{ observed: string; pass: boolean; figures: string }> {
  await ensureCliBuilt();
  const tmp = makeTempDir('portcullis-torture-rotate-');
  const daemons: DaemonProcess[] = [];
  try {
    const { logFile, stateDir } = safePaths(tmp.dir);
    const authLog = tmp.write('auth.log', '');
    const configPath = tmp.write('config.toml', `${safeSections(tmp.dir)}${sshdJail(authLog, { bantime: '1d' })}`);
    let daemon = await startDaemon(configPath, logFile);
    daemons.push(daemon);
    let j = 0;
    let k = 0;
    let rotations = 0;
    const expected = new Set<string>();
    const crashAt = Math.floor(seconds / 2);
    for (let s = 0; s < seconds; s++) {
      // Each address's two failures straddle the rotation: the first before it, the second after.
      const before: number[] = [];
      for (let i = 0; i < perSecond; i++) before.push(k++);
      let text = '';
      for (const a of before) text += failure(j++, a);
      appendFileSync(authLog, text);
      await sleep(500);
      if (s === crashAt) await killDaemon(daemon);
      const old = `${authLog}.${++rotations}`;
      renameSync(authLog, old);
      // The writer has not reopened yet: its next lines still go to the old file.
      appendFileSync(old, before.slice(0, perSecond / 2).map((a) => failure(j++, a)).join(''));
      writeFileSync(authLog, before.slice(perSecond / 2).map((a) => failure(j++, a)).join(''));
      for (const a of before) expected.add(address(a));
      if (s === crashAt) {
        daemon = await startDaemon(configPath, logFile);
        daemons.push(daemon);
      }
      await sleep(500);
    }
    const flooded = Date.now();
    await waitUntil(() => dryRunBans(stateDir).length >= expected.size, `${expected.size} bans`, 120_000, 100);
    const caughtUp = Date.now() - flooded;
    await sleep(300);
    const banned = new Set(dryRunBans(stateDir));
    const missing = [...expected].filter((ip) => !banned.has(ip)).length;
    const wrong = [...banned].filter((ip) => !expected.has(ip)).length;
    return {
      observed: `${expected.size - missing}/${expected.size} banned, ${wrong} wrongly, across ${rotations} rotations and 1 SIGKILL with a rotation while down`,
      pass: missing === 0 && wrong === 0,
      figures: `${j} lines over ${seconds} s; all banned ${(caughtUp / 1000).toFixed(1)} s after the last line`,
    };
  } finally {
    for (const d of daemons) await killDaemon(d);
    tmp.remove();
  }
}

export const cases: TortureCase[] = [
  {
    name: 'log rotated every second during a flood',
    expected: 'every address banned (its failures straddle a rotation), no other, a rotation during a crash included',
    run: ({ bounded }) => (bounded ? rotatingFlood(6, 100) : rotatingFlood(30, 400)),
  },
  {
    name: 'SIGKILL and restart during a flood',
    expected: 'every address with 2 failures banned, none with 1, no line counted twice',
    run: ({ bounded }) => (bounded ? killAndRestartFlood(2_200, 3) : killAndRestartFlood(22_000, 10)),
  },
];
