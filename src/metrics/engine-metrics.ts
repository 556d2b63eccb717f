import { performance } from 'node:perf_hooks';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { EngineEvent } from '../engine/engine.js';
import type { BanSummary } from '../engine/types.js';

/** What the metrics read at scrape time instead of counting events. */
export interface MetricsSources {
  /** Bans in force. */
  bans: () => readonly BanSummary[];
  /** Lines read per jail and source since the start. */
  lineCounts: () => readonly { jail: string; source: string; lines: number }[];
  /** The firewall backend's name, the label of firewall errors. */
  backend: () => string;
  /** The fleet's lag in seconds, or null without a fleet. */
  fleetLag?: () => number | null;
}

/** Ban requests waiting for their ban to reach the kernel, at most this many (requests that lead to no ban are dropped oldest first). */
const MAX_WAITING = 10_000;

/** Latency buckets in seconds: a dry run takes well under 1 ms, a busy iptables some 100 ms. */
const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * The engine's Prometheus metrics in a registry of their own (with Node's process metrics).
 * Counters follow the engine's events; gauges of what is in force are read when scraped.
 */
export class EngineMetrics {
  readonly registry = new Registry();
  private readonly bansTotal: Counter<'jail' | 'origin'>;
  private readonly unbansTotal: Counter<'jail' | 'reason'>;
  private readonly failuresTotal: Counter<'jail'>;
  private readonly matchedTotal: Counter<'jail'>;
  private readonly firewallErrors: Counter<'backend'>;
  private readonly banLatency: Histogram;
  /** When each address's ban request was made (performance.now() ms), until its ban is in the kernel. */
  private readonly waiting = new Map<string, number>();

  constructor(private readonly sources: MetricsSources) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    new Gauge({ name: 'portcullis_up', help: '1 while the engine runs', registers }).set(1);
    new Gauge({
      name: 'portcullis_bans_active',
      help: 'Addresses banned now, by the jail that banned them',
      labelNames: ['jail'],
      registers,
      collect() {
        this.reset();
        const byJail = new Map<string, number>();
        for (const ban of sources.bans()) byJail.set(ban.jail, (byJail.get(ban.jail) ?? 0) + 1);
        for (const [jail, n] of byJail) this.set({ jail }, n);
      },
    });
    this.bansTotal = new Counter({ name: 'portcullis_bans_total', help: 'Bans made (extensions of a ban in force not counted), by jail and origin ("local" or the fleet node that sent it)', labelNames: ['jail', 'origin'], registers });
    this.unbansTotal = new Counter({ name: 'portcullis_unbans_total', help: 'Bans ended, by jail and reason (expired, manual, trusted, all, remote)', labelNames: ['jail', 'reason'], registers });
    this.failuresTotal = new Counter({ name: 'portcullis_failures_total', help: 'Failures counted, by jail', labelNames: ['jail'], registers });
    new Counter({
      name: 'portcullis_lines_total',
      help: 'Log lines read, by jail and source (file path, journal:<jail>, or direct)',
      labelNames: ['jail', 'source'],
      registers,
      collect() {
        this.reset();
        for (const c of sources.lineCounts()) this.inc({ jail: c.jail, source: c.source }, c.lines);
      },
    });
    this.matchedTotal = new Counter({ name: 'portcullis_lines_matched_total', help: 'Log lines a jail\'s filter matched (a failure, or a host name)', labelNames: ['jail'], registers });
    this.banLatency = new Histogram({ name: 'portcullis_ban_latency_seconds', help: 'From the line that reached maxretry being read to its ban being in the kernel', buckets: LATENCY_BUCKETS, registers });
    this.firewallErrors = new Counter({ name: 'portcullis_firewall_errors_total', help: 'Failed firewall commands, by backend', labelNames: ['backend'], registers });
    new Gauge({
      name: 'portcullis_fleet_lag_seconds',
      help: 'Age of the last fleet entry when this node read it (0 without a fleet)',
      registers,
      collect() {
        this.set(sources.fleetLag?.() ?? 0);
      },
    });
  }

  /** Counts one engine event. */
  record(event: EngineEvent): void {
    switch (event.type) {
      case 'failure':
        this.failuresTotal.inc({ jail: event.jail });
        this.matchedTotal.inc({ jail: event.jail });
        break;
      case 'hostname':
        this.matchedTotal.inc({ jail: event.jail });
        break;
      case 'ban-request':
        if (this.waiting.size >= MAX_WAITING) this.waiting.delete(this.waiting.keys().next().value!);
        this.waiting.set(event.request.ip, performance.now());
        break;
      case 'refused':
        this.waiting.delete(event.ip);
        break;
      case 'ban': {
        const started = this.waiting.get(event.record.ip);
        if (started !== undefined) {
          this.waiting.delete(event.record.ip);
          this.banLatency.observe((performance.now() - started) / 1000);
        }
        if (!event.extended) this.bansTotal.inc({ jail: event.record.jail, origin: event.record.origin ?? 'local' });
        break;
      }
      case 'unban':
        this.unbansTotal.inc({ jail: event.jail, reason: event.reason });
        break;
      case 'error':
        if (event.message.startsWith('firewall: ')) this.firewallErrors.inc({ backend: this.sources.backend() });
        break;
      default:
        break;
    }
  }

  /** The scrape: the Prometheus text format. */
  async text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
