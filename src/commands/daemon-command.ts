import { loadConfig } from '../config/index.js';
import { EngineLog } from '../engine/engine-log.js';
import { Engine } from '../engine/engine.js';
import { SqliteStore } from '../engine/store.js';
import { RuleApplier } from '../firewall/rule-applier.js';
import { selectBackend } from '../firewall/select-backend.js';

/**
 * `portcullis --daemon`: the engine with no console, logging to the engine log and to stderr
 * (journald picks it up), until SIGTERM or SIGINT. Resolves with the exit code.
 */
export async function runDaemon(configPath: string, options: { stopSignal?: AbortSignal } = {}): Promise<number> {
  const config = loadConfig(configPath);
  const log = new EngineLog({ file: config.daemon.log_file, echo: (line) => process.stderr.write(`${line}\n`) });
  const store = SqliteStore.open(config.daemon.state_dir);
  try {
    const choice = await selectBackend(config.firewall.backend, config.daemon.state_dir);
    if (choice.notice) log.warning(null, choice.notice);
    // A rule apply left unconfirmed by a process that died: its previous rules come back.
    const applier = new RuleApplier(choice.backend, config.daemon.state_dir);
    if ((await applier.recover(true)) === 'rolled-back') log.warning(null, 'Rolled back firewall rules left unconfirmed before a restart');
    const engine = new Engine({ configPath, config, store, firewall: choice.backend, log });
    await engine.start();
    await new Promise<void>((resolve) => {
      const stop = (): void => resolve();
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
      options.stopSignal?.addEventListener('abort', stop, { once: true });
    });
    await engine.stop();
    return 0;
  } finally {
    store.close();
  }
}
