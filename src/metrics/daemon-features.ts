import type { Config } from '../config/index.js';
import type { EngineLog } from '../engine/engine-log.js';
import type { Engine, EngineEvent } from '../engine/engine.js';
import type { FirewallBackend } from '../firewall/types.js';
import { MetricsServer } from './metrics-server.js';

/** What the features need of the daemon's engine stack. */
export interface FeatureHost {
  config: Config;
  engine: Engine;
  log: EngineLog;
  firewall: FirewallBackend;
}

/** The metrics endpoint and the fleet link of a daemon, as its config asks for them. */
export interface DaemonFeatures {
  /** Every event the stack emits (engine events carry the event itself as data). */
  onEvent(event: string, data: unknown): void;
  /** After the engine started: listens for scrapes, joins the fleet. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

const ENGINE_EVENTS = new Set(['ban', 'unban', 'refused', 'error', 'failure', 'hostname', 'ban-request']);

/**
 * Builds the features of `[metrics]` and `[fleet]` (nothing when neither is set). Attach it before
 * the engine starts, so no event is missed; a metrics address that cannot be taken is logged and
 * the daemon goes on protecting the host without it. Their libraries are loaded only when asked
 * for (ioredis and prom-client take about 190 ms to load, measured alone).
 */
export async function attachDaemonFeatures(host: FeatureHost): Promise<DaemonFeatures> {
  const { config, engine, log } = host;
  const fleet = config.fleet ? new (await import('../fleet/fleet-link.js')).FleetLink({ settings: config.fleet, stateDir: config.daemon.state_dir, engine, log }) : null;
  const metrics = config.metrics
    ? new (await import('./engine-metrics.js')).EngineMetrics({
      bans: () => engine.list(),
      lineCounts: () => engine.lineCounts(),
      backend: () => host.firewall.name,
      ...(fleet ? { fleetLag: () => fleet.status().lagSeconds } : {}),
    })
    : null;
  const server = config.metrics && metrics
    ? new MetricsServer(config.metrics.listen, async () => ({ contentType: metrics.contentType, body: await metrics.text() }))
    : null;
  if (fleet) engine.fleetStatus = () => fleet.status();
  return {
    onEvent(event, data) {
      if (!ENGINE_EVENTS.has(event)) return;
      metrics?.record(data as EngineEvent);
      fleet?.onEngineEvent(data as EngineEvent);
    },
    async start() {
      if (server) {
        await server.start().then(
          () => log.info(null, `Metrics: serving http://${config.metrics!.listen}/metrics`),
          (err: Error) => log.error(null, `Metrics: cannot listen on ${config.metrics!.listen}: ${err.message}; going on without metrics`),
        );
      }
      fleet?.start();
    },
    async stop() {
      await server?.stop();
      await fleet?.stop();
    },
  };
}
