import { statSync } from 'node:fs';
import { SqliteStore } from '../../../src/engine/store.js';
import { ensureCliBuilt } from '../../../test/helpers/cli.js';
import { engineLogOf, killDaemon, startDaemon, waitUntil, type DaemonProcess } from '../../../test/helpers/daemon-process.js';
import { dryRunBans, safePaths, safeSections, sshdJail } from '../../../test/helpers/safe-config.js';
import { makeTempDir } from '../../../test/helpers/temp-dir.js';
import type { TortureCase, TortureResult } from '../case.js';
import { compareBans, killDuringFlood, medianMs, rotateDuringFlood, SCENARIOS, type FloodWritten, type Restartable } from '../flood-scenarios.js';

/**
 * Runs a scenario against portcullis daemons (dry-run firewall) on a temporary log, then waits
 * until the last daemon has read the log to its end: every line is counted by then, so the bans
 * can be compared, and the engine logs of all runs tell whether a line was counted twice.
 */
async function withDaemons(scenario: (authLog: string, server: Restartable) => Promise<FloodWritten>): Promise<{ written: FloodWritten; banned: Set<string>; twice: number }> {
  await ensureCliBuilt();
  const tmp = makeTempDir('portcullis-torture-crash-');
  const daemons: DaemonProcess[] = [];
  try {
    const { logFile, stateDir } = safePaths(tmp.dir);
    const authLog = tmp.write('auth.log', '');
    const configPath = tmp.write('config.toml', `${safeSections(tmp.dir)}${sshdJail(authLog, { bantime: '1d' })}`);
    const server: Restartable = {
      async start() {
        const t = Date.now();
        daemons.push(await startDaemon(configPath, logFile));
        return Date.now() - t;
      },
      kill: () => killDaemon(daemons.at(-1)!),
    };
    const written = await scenario(authLog, server);
    const readToEnd = (): boolean => {
      const store = SqliteStore.open(stateDir);
      try {
        return store.position(authLog)?.offset === statSync(authLog).size;
      } finally {
        store.close();
      }
    };
    await waitUntil(() => readToEnd() && dryRunBans(stateDir).length >= written.expected.size, 'the last daemon to read the whole log and ban', 300_000, 200);
    // Bans are written before the firewall: the firewall's last write after the read may still come.
    await daemons.at(-1)!.child.kill('SIGTERM');
    await daemons.at(-1)!.exited;
    const seen = new Map<number, number>();
    for (const d of daemons) {
      for (const l of engineLogOf(logFile, d.pid)) {
        const m = /^INFO \[sshd\] Found \S+ - .* sshd\[(\d+)\]:/.exec(l);
        if (m) seen.set(Number(m[1]), (seen.get(Number(m[1])) ?? 0) + 1);
      }
    }
    return { written, banned: new Set(dryRunBans(stateDir)), twice: [...seen.values()].filter((n) => n > 1).length };
  } finally {
    for (const d of daemons) await killDaemon(d);
    tmp.remove();
  }
}

async function killAndRestart(bounded: boolean): Promise<TortureResult> {
  const { addresses, kills } = SCENARIOS.kills.size(bounded);
  const { written, banned, twice } = await withDaemons((log, server) => killDuringFlood(log, addresses, kills, server));
  const { missing, wrong } = compareBans(written.expected, banned);
  return {
    observed: `${written.expected.size - missing}/${written.expected.size} banned, ${wrong}/${written.singles} single-failure addresses banned, ${twice} lines counted twice`,
    pass: missing === 0 && wrong === 0 && twice === 0,
    figures: `${written.lines} lines, ${kills} SIGKILLs, restart to jail running median ${medianMs(written.restartMs)} ms`,
  };
}

async function rotating(bounded: boolean): Promise<TortureResult> {
  const { seconds, perSecond } = SCENARIOS.rotation.size(bounded);
  const { written, banned, twice } = await withDaemons((log, server) => rotateDuringFlood(log, seconds, perSecond, server));
  const { missing, wrong } = compareBans(written.expected, banned);
  return {
    observed: `${written.expected.size - missing}/${written.expected.size} banned, ${wrong} wrongly, ${twice} lines counted twice, across ${written.rotations} rotations and 1 SIGKILL with a rotation while down`,
    pass: missing === 0 && wrong === 0 && twice === 0,
    figures: `${written.lines} lines over ${seconds} s`,
  };
}

export const cases: TortureCase[] = [
  { ...SCENARIOS.rotation, run: ({ bounded }) => rotating(bounded) },
  { ...SCENARIOS.kills, run: ({ bounded }) => killAndRestart(bounded) },
];
