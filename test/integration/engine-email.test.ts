import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { emailAction } from '../../src/actions/email-action.js';
import { parseConfig, type Config } from '../../src/config/index.js';
import { EngineLog } from '../../src/engine/engine-log.js';
import { Engine } from '../../src/engine/engine.js';
import { SqliteStore } from '../../src/engine/store.js';
import { DryRunBackend } from '../../src/firewall/dry-run-backend.js';
import { startSmtp, waitFor, type TestSmtp } from '../actions/smtp-fixture.js';
import { makeTempDir, type TempDir } from '../helpers/temp-dir.js';

const failure = (ip: string, port: number) =>
  `${new Date(Date.now() - 60_000).toISOString()} web1 sshd[${port}]: Failed password for root from ${ip} port ${port} ssh2`;

/** The e-mail action subscribed to the engine, as the engine stack does it. */
function mailOf(config: Config, store: SqliteStore, log: EngineLog) {
  const action = emailAction({ config: () => config, store, log });
  return action ? [action] : [];
}

describe('engine and the email action', () => {
  let tmp: TempDir;
  let smtp: TestSmtp;
  let engine: Engine | null = null;
  beforeEach(async () => {
    tmp = makeTempDir('portcullis-engine-email-');
    smtp = await startSmtp();
  });
  afterEach(async () => {
    await engine?.stop();
    engine = null;
    await smtp.close();
    tmp.remove();
  });

  it('mails a ban for a jail with the email action, not for one without it, and not for restored bans', async () => {
    const log = tmp.write('auth.log', '');
    const config = parseConfig(`
[settings]
maxretry = 2
[notify.email]
host = "127.0.0.1"
port = ${smtp.port}
tls = "none"
from = "portcullis@host.test"
to = ["admin@example.test"]
batch = "0s"
[jails.mailed]
filter = "sshd"
logpath = [${JSON.stringify(log)}]
actions = ["firewall", "email"]
[jails.quiet]
filter = "sshd"
logpath = [${JSON.stringify(path.join(tmp.dir, 'other.log'))}]
`, path.join(tmp.dir, 'config.toml'));
    const stateDir = path.join(tmp.dir, 'state');
    let store = SqliteStore.open(stateDir);
    const firewall = new DryRunBackend();
    const engineLog = new EngineLog();
    engine = new Engine({ configPath: path.join(tmp.dir, 'config.toml'), config, store, firewall, log: engineLog, subscribers: mailOf(config, store, engineLog) });
    await engine.start();
    engine.processLines('mailed', [failure('198.18.7.1', 1), failure('198.18.7.1', 2)]);
    engine.processLines('quiet', [failure('198.18.7.2', 3), failure('198.18.7.2', 4)]);
    await waitFor(() => smtp.messages.length >= 1, 10_000, 'the ban notice');
    await engine.bans.idle();
    expect(engine.list().map((b) => b.ip).sort()).toEqual(['198.18.7.1', '198.18.7.2']);
    const text = JSON.stringify(smtp.messages);
    expect(text).toContain('198.18.7.1');
    expect(text).not.toContain('198.18.7.2');
    await engine.stop();

    // A restart from the database on disk restores both bans and sends nothing.
    store.close();
    store = SqliteStore.open(stateDir);
    const secondLog = new EngineLog();
    engine = new Engine({ configPath: path.join(tmp.dir, 'config.toml'), config, store, firewall, log: secondLog, subscribers: mailOf(config, store, secondLog) });
    await engine.start();
    expect(engine.list().map((b) => b.ip).sort()).toEqual(['198.18.7.1', '198.18.7.2']);
    await new Promise((r) => setTimeout(r, 500));
    expect(smtp.messages).toHaveLength(1);
  });
});
