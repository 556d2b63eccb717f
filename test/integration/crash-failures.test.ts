import { appendFileSync, statSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/engine/store.js';
import { ensureCliBuilt } from '../helpers/cli.js';
import { killDaemon, startDaemon, waitUntil, type DaemonProcess } from '../helpers/daemon-process.js';
import { dryRunBans, safePaths, safeSections, sshdJail } from '../helpers/safe-config.js';
import { makeTempDir, type TempDir } from '../helpers/temp-dir.js';

const N = 400;
const address = (k: number): string => (k % 2 === 0 ? `198.18.${(k >> 8) & 255}.${k & 255}` : `2001:db8:7::${k.toString(16)}`);
const line = (k: number, port: number): string =>
  `${new Date(Date.now() - 5_000).toISOString()} web1 sshd[${1000 + k}]: Failed password for root from ${address(k)} port ${port} ssh2\n`;

describe('failure counts across SIGKILL (dry-run firewall)', () => {
  let tmp: TempDir;
  let configPath: string;
  let authLog: string;
  const daemons: DaemonProcess[] = [];

  beforeAll(async () => {
    await ensureCliBuilt();
    tmp = makeTempDir('portcullis-crash-failures-');
    authLog = tmp.write('auth.log', '');
    configPath = tmp.write('config.toml', `${safeSections(tmp.dir)}${sshdJail(authLog)}`);
  }, 180_000);

  afterAll(async () => {
    for (const d of daemons) await killDaemon(d);
    tmp?.remove();
  });

  const savedOffset = (): number => {
    const store = SqliteStore.open(safePaths(tmp.dir).stateDir);
    try {
      return store.position(authLog)?.offset ?? -1;
    } finally {
      store.close();
    }
  };

  it('counts a failure read before the kill together with one read after it', async () => {
    const { logFile, stateDir } = safePaths(tmp.dir);
    const first = await startDaemon(configPath, logFile);
    daemons.push(first);
    // One failure each, plus a second for the odd half of them only.
    let text = '';
    for (let k = 0; k < N; k++) text += line(k, 10_000 + k);
    appendFileSync(authLog, text);
    const size = statSync(authLog).size;
    await waitUntil(() => savedOffset() === size, 'the first failures to be read and committed');
    await killDaemon(first);

    const twice = Array.from({ length: N }, (_, k) => k).filter((k) => k % 3 !== 0);
    appendFileSync(authLog, twice.map((k) => line(k, 20_000 + k)).join(''));
    const second = await startDaemon(configPath, logFile);
    daemons.push(second);
    const expected = twice.map(address).sort();
    await waitUntil(() => dryRunBans(stateDir).length >= expected.length, `${expected.length} bans in the dry-run firewall`);
    expect([...dryRunBans(stateDir)].sort()).toEqual(expected);
    await killDaemon(second);
  }, 180_000);
});
