import type { EmailAction } from '../actions/email-action.js';
import type { EngineLog } from '../engine/engine-log.js';
import type { Engine } from '../engine/engine.js';
import type { SshSession } from '../net/index.js';
import type { RuleApplier } from '../firewall/rule-applier.js';
import type { FirewallBackend } from '../firewall/types.js';
import type { ServiceEvent } from '../control/index.js';
import type { BlocklistService } from './blocklist-service.js';

/** What the service's command handlers work on: the daemon's, the console's in-process engine's, a one-off command's. */
export interface DaemonParts {
  configPath: string;
  engine: Engine;
  log: EngineLog;
  firewall: FirewallBackend;
  applier: RuleApplier;
  /** The e-mail action, when `[notify.email]` is set (for `status`). */
  mail: EmailAction | null;
  /** Why the firewall is a dry run when it is one without being asked for. */
  notice?: string;
  /** The configured blocklists (`blocklist list`, `blocklist update`, `status`). */
  blocklists?: BlocklistService;
  /** Re-reads the config and applies it; throws (and changes nothing) when it is invalid. */
  reload(): Promise<string>;
  /** Pushes an event to subscribers, next to the engine's own (`firewall`, `config`). */
  emit?: (event: ServiceEvent) => void;
  /** Aborted when the engine stops: timers the handlers keep (the rollback countdown) are cleared. */
  stopped?: AbortSignal;
  /**
   * The SSH session the engine answers to when a request names none: the console's when it runs
   * the engine in its own process. Requests from a client carry their own (`session`).
   */
  operatorSession?: SshSession | null;
}
