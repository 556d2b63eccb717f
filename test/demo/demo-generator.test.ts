import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeAddressPool } from '../../src/demo/addresses.js';
import { DemoGenerator } from '../../src/demo/demo-generator.js';
import { prepareDemo, type DemoSetup } from '../../src/demo/prepare-demo.js';
import { demoRandom } from '../../src/demo/random.js';
import { compileFilter, loadFilter, SHIPPED_FILTER_DIR } from '../../src/engine/filter/index.js';
import { REPO_ROOT } from '../helpers/filter-paths.js';

const EXAMPLE = path.join(REPO_ROOT, 'config.example.toml');
const lines = (file: string) => readFileSync(file, 'utf8').split('\n').filter(Boolean);

/** Every failure in the demo's logs, per address, by the real filters: [ip, time][]. */
function failures(setup: DemoSetup, now: number): Array<[string, number]> {
  const out: Array<[string, number]> = [];
  for (const [jail, file] of Object.entries(setup.logs)) {
    const filter = compileFilter(loadFilter(jail, [SHIPPED_FILTER_DIR]), { now: () => now });
    for (const line of lines(file)) {
      const result = filter.matchLine(line, now);
      if (result.kind === 'failure') out.push([result.ip!, result.time]);
    }
  }
  return out;
}

/** The most failures one address has within any `windowMs`. */
function peak(times: number[], windowMs: number): number {
  times.sort((a, b) => a - b);
  let best = 0;
  for (let i = 0, j = 0; j < times.length; j++) {
    while (times[j]! - times[i]! >= windowMs) i++;
    best = Math.max(best, j - i + 1);
  }
  return best;
}

describe('DemoGenerator', () => {
  const setups: DemoSetup[] = [];
  const generators: DemoGenerator[] = [];
  afterEach(() => {
    generators.splice(0).forEach((g) => g.stop());
    setups.splice(0).forEach((s) => s.cleanup());
  });
  const prepare = async () => {
    const setup = await prepareDemo(EXAMPLE);
    setups.push(setup);
    return setup;
  };

  it('tick(n) appends exactly n lines across the logs, the same ones for the same seed', async () => {
    const [a, b] = [await prepare(), await prepare()];
    const t0 = Date.now();
    for (const setup of [a, b]) new DemoGenerator(setup, { seed: 3, clock: () => t0 }).tick(300);
    const total = (s: DemoSetup) => Object.values(s.logs).reduce((n, f) => n + lines(f).length, 0);
    expect(total(a)).toBe(300);
    for (const jail of Object.keys(a.logs)) expect(lines(a.logs[jail]!)).toEqual(lines(b.logs[jail]!));
    const other = await prepare();
    new DemoGenerator(other, { seed: 4, clock: () => t0 }).tick(300);
    expect(lines(other.logs.sshd!)).not.toEqual(lines(a.logs.sshd!));
  });

  it('plays attack bursts, repeat visits and lone failures that never reach maxretry, amid normal traffic', async () => {
    const setup = await prepare();
    let now = Date.now() - 10 * 60_000;
    const generator = new DemoGenerator(setup, { seed: 9, clock: () => now });
    // Ten minutes at 8 lines a second, in the 250 ms batches start() writes.
    for (let i = 0; i < 2400; i++) {
      generator.tick(2);
      now += 250;
    }
    const counts = generator.counts();
    expect(counts.attack + counts.normal + counts.noise).toBe(4800);
    expect(counts.attack).toBeGreaterThan(800);
    expect(counts.normal).toBeGreaterThan(counts.attack);
    expect(counts.noise).toBeGreaterThan(0);

    const byIp = new Map<string, number[]>();
    for (const [ip, time] of failures(setup, now)) byIp.set(ip, [...(byIp.get(ip) ?? []), time]);
    expect([...byIp.values()].reduce((n, t) => n + t.length, 0)).toBe(counts.attack);
    const pool = makeAddressPool(demoRandom(9));
    const FINDTIME = 120_000;
    for (const attacker of pool.attackers) {
      const times = byIp.get(attacker.ip) ?? [];
      if (attacker.kind === 'single') expect(peak(times, FINDTIME), attacker.ip).toBeLessThan(3);
      else expect(peak(times, FINDTIME), attacker.ip).toBeGreaterThanOrEqual(3);
      if (attacker.kind === 'repeat') expect(times.length, attacker.ip).toBeGreaterThan(100);
    }
    expect(pool.attackers.filter((a) => a.kind === 'single').every((a) => byIp.has(a.ip))).toBe(true);
    for (const ip of pool.normal) expect(byIp.has(ip), ip).toBe(false);
    // Every service gets attacked and used.
    for (const file of Object.values(setup.logs)) expect(lines(file).length).toBeGreaterThan(500);
  });

  it('start() writes about `rate` lines a second until stop()', async () => {
    const setup = await prepare();
    const generator = new DemoGenerator(setup, { rate: 40 });
    generators.push(generator);
    generator.start();
    generator.start(); // a second start changes nothing
    await new Promise((resolve) => setTimeout(resolve, 1100));
    generator.stop();
    const written = Object.values(generator.counts()).reduce((a, b) => a + b, 0);
    expect(written).toBeGreaterThanOrEqual(30);
    expect(written).toBeLessThanOrEqual(60);
    const sizes = Object.values(setup.logs).map((f) => statSync(f).size);
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(Object.values(setup.logs).map((f) => statSync(f).size)).toEqual(sizes);
    expect(existsSync(path.join(setup.dir, 'portcullis.log'))).toBe(true);
  });

  it('refuses a setup without a log it can write, and a bad rate', async () => {
    const setup = await prepare();
    expect(() => new DemoGenerator({ ...setup, logs: { 'my-app': setup.logs.sshd! } })).toThrow(/no log/);
    expect(() => new DemoGenerator(setup, { rate: 0 })).toThrow(/rate/);
  });
});
