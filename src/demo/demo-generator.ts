import { appendFileSync } from 'node:fs';
import { makeAddressPool, type DemoAttacker } from './addresses.js';
import { demoRandom, type DemoRandom } from './random.js';
import { attackBurst, isDemoService, noiseLine, normalSession, type DemoService, type LineMaker } from './traffic.js';
import type { DemoSetup } from './prepare-demo.js';

/** Options of a {@link DemoGenerator}. */
export interface DemoGeneratorOptions {
  /** Lines per second written by `start()` (default 8). */
  rate?: number;
  /** Seed of the traffic; one seed always plays the same script (default 1). */
  seed?: number;
  /** Time the lines are dated with, epoch ms (default Date.now). */
  clock?: () => number;
}

/** What a generator has written so far. */
export interface DemoCounts {
  /** Failure lines, which the jails' filters count. */
  attack: number;
  /** Lines of normal use: logins, deliveries, pages served. */
  normal: number;
  /** Lines that name no client. */
  noise: number;
}

/** A planned line: written at step `step` or later, to the log of `service`. */
interface Planned {
  step: number;
  service: DemoService;
  kind: keyof DemoCounts;
  make: LineMaker;
}

/**
 * The demo's pacing, counted in lines ("steps") rather than seconds, so `tick()` plays the same
 * script in a test as `start()` does live; the times given assume the default 8 lines a second.
 */
const PACE = {
  /** Failures in a burst, and lines between two of them (a burst spans about 1-3 s). */
  burstSize: [3, 6],
  burstGap: [1, 4],
  /** A repeat attacker first shows up within ~5 s, then comes back every ~11-16 s. */
  repeatFirst: [0, 40],
  repeatEvery: [90, 130],
  /** A new burst attacker every ~3-6 s; each one rests ~100-200 s before its next burst. */
  burstEvery: [24, 48],
  burstRest: [800, 1600],
  /** A lone failure every ~4-8 s. */
  singleEvery: [30, 60],
  /** Lines of a normal session come this many steps apart. */
  sessionGap: [1, 3],
} as const satisfies Record<string, readonly [number, number]>;

/**
 * A single-failure address fails at most once in this long (ms, by the clock): longer than the
 * demo's findtime, so it never reaches maxretry, at any rate.
 */
const SINGLE_REST_MS = 150_000;

/** How often `start()` writes a batch. */
const BATCH_MS = 250;

/**
 * Appends attack and normal traffic to a demo's logs (see {@link prepareDemo}): a pool of ~30
 * attackers from documentation ranges, of which a few come back again and again (escalating bans,
 * recidive), most attack in one burst of 3-6 failures (a ban that expires), and some fail once and
 * are never banned; between them, accepted logins, delivered mail and lines naming nobody.
 */
export class DemoGenerator {
  private readonly random: DemoRandom;
  private readonly clock: () => number;
  private readonly rate: number;
  private readonly services: DemoService[];
  private readonly logs: Map<DemoService, string>;
  private readonly normalClients: string[];
  /** The service each attacker that does not roam always attacks. */
  private readonly homes = new Map<string, DemoService>();
  private readonly repeaters: Array<{ attacker: DemoAttacker; next: number }>;
  private readonly bursters: Array<{ attacker: DemoAttacker; restUntil: number }>;
  private readonly singles: Array<{ attacker: DemoAttacker; lastAt: number }>;
  /** Planned lines, ordered by step. */
  private planned: Planned[] = [];
  private step = 0;
  private nextBurst: number;
  private nextSingle: number;
  private timer: ReturnType<typeof setInterval> | null = null;
  /** Fraction of a line carried from one batch to the next, so any rate averages out. */
  private carry = 0;
  private readonly written: DemoCounts = { attack: 0, normal: 0, noise: 0 };

  constructor(setup: DemoSetup, options: DemoGeneratorOptions = {}) {
    this.random = demoRandom(options.seed ?? 1);
    this.clock = options.clock ?? Date.now;
    this.rate = options.rate ?? 8;
    if (!(this.rate > 0)) throw new Error(`demo rate must be a positive number of lines per second, not ${this.rate}`);
    this.logs = new Map(Object.entries(setup.logs).filter((e): e is [DemoService, string] => isDemoService(e[0])));
    this.services = [...this.logs.keys()];
    if (this.services.length === 0) throw new Error('demo setup has no log the generator knows how to write');
    const pool = makeAddressPool(this.random);
    this.normalClients = pool.normal;
    // sshd, the jail everyone knows, gets as many attackers as the others together.
    const rota = this.services.includes('sshd') ? ['sshd' as const, ...this.services] : this.services;
    pool.attackers.forEach((a, i) => this.homes.set(a.ip, rota[i % rota.length]!));
    const of = (kind: DemoAttacker['kind']) => pool.attackers.filter((a) => a.kind === kind);
    this.repeaters = of('repeat').map((attacker) => ({ attacker, next: this.between(PACE.repeatFirst) }));
    this.bursters = of('burst').map((attacker) => ({ attacker, restUntil: 0 }));
    this.singles = of('single').map((attacker) => ({ attacker, lastAt: -Infinity }));
    this.nextBurst = this.between(PACE.repeatFirst);
    this.nextSingle = this.between(PACE.singleEvery);
  }

  /** Writes `rate` lines a second until `stop()`; the timer never keeps the process alive. */
  start(): void {
    if (this.timer) return;
    this.tick(Math.max(1, Math.round(this.rate * BATCH_MS / 1000)));
    this.timer = setInterval(() => {
      const due = this.rate * BATCH_MS / 1000 + this.carry;
      const n = Math.floor(due);
      this.carry = due - n;
      if (n > 0) this.tick(n);
    }, BATCH_MS);
    this.timer.unref();
  }

  /** Stops writing; `start()` goes on where it stopped. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Writes `n` lines now, dated with the clock (tests drive the generator with this). */
  tick(n = 1): void {
    const time = this.clock();
    const batches = new Map<string, string[]>();
    for (let i = 0; i < n; i++) {
      this.arrivals(time);
      const line = this.takeDue() ?? this.background();
      this.written[line.kind]++;
      const file = this.logs.get(line.service)!;
      let batch = batches.get(file);
      if (!batch) batches.set(file, (batch = []));
      batch.push(line.make(time));
      this.step++;
    }
    for (const [file, lines] of batches) appendFileSync(file, `${lines.join('\n')}\n`);
  }

  /** Lines written so far, by kind. */
  counts(): DemoCounts {
    return { ...this.written };
  }

  /** Starts the attacks due at this step. */
  private arrivals(time: number): void {
    for (const r of this.repeaters) {
      if (this.step < r.next) continue;
      r.next = this.step + this.between(PACE.repeatEvery);
      const service = r.attacker.roams ? this.random.pick(this.services) : this.homeOf(r.attacker);
      this.planBurst(service, r.attacker.ip);
    }
    if (this.step >= this.nextBurst) {
      this.nextBurst = this.step + this.between(PACE.burstEvery);
      const ready = this.bursters.filter((b) => b.restUntil <= this.step);
      if (ready.length > 0) {
        const b = this.random.pick(ready);
        b.restUntil = this.step + this.between(PACE.burstRest);
        this.planBurst(this.homeOf(b.attacker), b.attacker.ip);
      }
    }
    if (this.step >= this.nextSingle) {
      this.nextSingle = this.step + this.between(PACE.singleEvery);
      const ready = this.singles.filter((s) => time - s.lastAt >= SINGLE_REST_MS);
      if (ready.length > 0) {
        const s = this.random.pick(ready);
        s.lastAt = time;
        const service = this.homeOf(s.attacker);
        this.plan({ step: this.step, service, kind: 'attack', make: attackBurst(service, s.attacker.ip, 1, this.random)[0]! });
      }
    }
  }

  private planBurst(service: DemoService, ip: string): void {
    let step = this.step;
    for (const make of attackBurst(service, ip, this.between(PACE.burstSize), this.random)) {
      this.plan({ step, service, kind: 'attack', make });
      step += this.between(PACE.burstGap);
    }
  }

  /** A normal session (its first line now, the rest planned) or a line naming nobody. */
  private background(): Planned {
    const service = this.random.pick(this.services);
    if (this.random.chance(0.2)) return { step: this.step, service, kind: 'noise', make: noiseLine(service, this.random) };
    const [first, ...rest] = normalSession(service, this.random.pick(this.normalClients), this.random);
    let step = this.step;
    for (const make of rest) {
      step += this.between(PACE.sessionGap);
      this.plan({ step, service, kind: 'normal', make });
    }
    return { step: this.step, service, kind: 'normal', make: first! };
  }

  private takeDue(): Planned | undefined {
    return this.planned.length > 0 && this.planned[0]!.step <= this.step ? this.planned.shift() : undefined;
  }

  private plan(line: Planned): void {
    let i = this.planned.length;
    while (i > 0 && this.planned[i - 1]!.step > line.step) i--;
    this.planned.splice(i, 0, line);
  }

  private homeOf(attacker: DemoAttacker): DemoService {
    return this.homes.get(attacker.ip)!;
  }

  private between([lo, hi]: readonly [number, number]): number {
    return this.random.int(lo, hi);
  }
}
