import { afterEach, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/engine/store.js';
import { makeTempDir, type TempDir } from '../helpers/temp-dir.js';
import { emailSettings, mailKit, sshBan, startSmtp, waitFor } from './smtp-fixture.js';

const kit = mailKit();
const dirs: TempDir[] = [];
afterEach(async () => {
  await kit.cleanup();
  for (const d of dirs.splice(0)) d.remove();
});

function stateDir(): string {
  const d = makeTempDir('portcullis-mail-queue-');
  dirs.push(d);
  return d.dir;
}

describe('the e-mail queue across restarts (SQLite store, real SMTP server)', () => {
  it('keeps a message the server did not take, sends it after a restart once, and never again', async () => {
    const dir = stateDir();
    const gone = await startSmtp();
    const port = gone.port;
    await gone.close();
    let store = SqliteStore.open(dir);
    const first = kit.notifier(emailSettings(port, { batch: 0 }), { store, retryDelays: [60_000], stopTimeoutMs: 2000 });
    first.n.notify(sshBan('198.18.7.1'));
    await waitFor(() => first.log.at('WARNING').length === 1, 5000, 'the first failed attempt');
    await first.n.stop();
    expect(first.log.at('ERROR').join('\n')).not.toContain('dropped');
    store.close();

    // The next run: the server is back on the same port.
    const smtp = await kit.server({ port });
    store = SqliteStore.open(dir);
    expect(store.queuedMail()).toHaveLength(1);
    const second = kit.notifier(emailSettings(port, { batch: 0 }), { store });
    expect(second.n.restore()).toEqual({ messages: 1, notices: 0 });
    await waitFor(() => smtp.messages.length === 1 && store.queuedMail().length === 0, 5000, 'the kept message to be sent');
    expect(smtp.messages[0]!.body).toContain('198.18.7.1');
    const messageId = smtp.messages[0]!.headers.find(([name]) => name === 'message-id')?.[1];
    expect(messageId).toMatch(/^<portcullis\.\d+\.\d+@gate\.test>$/);
    await second.n.stop();

    const third = kit.notifier(emailSettings(port, { batch: 0 }), { store });
    expect(third.n.restore()).toEqual({ messages: 0, notices: 0 });
    await third.n.stop();
    expect(smtp.messages).toHaveLength(1);
    store.close();
  });

  it('mails the bans of a digest window open when the process died', async () => {
    const dir = stateDir();
    const smtp = await kit.server();
    let store = SqliteStore.open(dir);
    // A one-hour window: nothing is sent before the "crash" (the notifier is dropped, not stopped).
    const first = kit.notifier(emailSettings(smtp.port, { batch: 3600 }), { store });
    first.n.notify(sshBan('198.18.7.2'));
    first.n.notify(sshBan('198.18.7.3'));
    store.close();
    expect(smtp.messages).toHaveLength(0);

    store = SqliteStore.open(dir);
    expect(store.queuedNotices()).toHaveLength(2);
    const second = kit.notifier(emailSettings(smtp.port, { batch: 0 }), { store });
    expect(second.n.restore()).toEqual({ messages: 0, notices: 2 });
    await waitFor(() => smtp.messages.length === 1 && store.queuedMail().length === 0, 5000, 'the digest');
    expect(smtp.messages[0]!.body).toContain('198.18.7.2');
    expect(smtp.messages[0]!.body).toContain('198.18.7.3');
    expect(store.queuedNotices()).toEqual([]);
    await second.n.stop();
    store.close();
  });
});
