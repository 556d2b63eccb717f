import { appendFileSync } from 'node:fs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cli, ensureCliBuilt } from '../helpers/cli.js';
import { engineLogOf, killDaemon, startDaemon, waitUntil, type DaemonProcess } from '../helpers/daemon-process.js';
import { safePaths, safeSections, sshdFailureLine, sshdJail } from '../helpers/safe-config.js';
import { makeTempDir, type TempDir } from '../helpers/temp-dir.js';
import { freePort } from './free-port.js';

/** The samples of a Prometheus text page: `name{labels}` -> value. */
function samples(text: string): Map<string, number> {
  const map = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    map.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return map;
}

async function scrape(port: number, path = '/metrics'): Promise<{ status: number; type: string; body: string }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: res.status, type: res.headers.get('content-type') ?? '', body: await res.text() };
}

describe('[metrics] on a real daemon', () => {
  let tmp: TempDir;
  let daemon: DaemonProcess | null = null;

  beforeAll(async () => {
    await ensureCliBuilt();
  }, 180_000);

  afterEach(async () => {
    if (daemon) await killDaemon(daemon);
    daemon = null;
    tmp?.remove();
  });

  it('serves the engine counts in the Prometheus text format after real bans', async () => {
    tmp = makeTempDir('pc-h19-metrics-');
    const log = tmp.write('auth.log', '');
    const port = await freePort();
    const config = tmp.write('portcullis.toml', [
      safeSections(tmp.dir),
      '[metrics]',
      `listen = "127.0.0.1:${port}"`,
      sshdJail(log, { maxretry: 2 }),
    ].join('\n'));
    daemon = await startDaemon(config, safePaths(tmp.dir).logFile);

    // Three addresses reach maxretry; one fails once; two lines match nothing.
    let n = 0;
    for (const ip of ['198.18.0.1', '198.18.0.2', '198.18.0.3']) {
      appendFileSync(log, sshdFailureLine(ip, n++) + sshdFailureLine(ip, n++));
    }
    appendFileSync(log, `${sshdFailureLine('198.18.0.9', n++)}nothing to see here\nnor here\n`);

    const key = 'portcullis_bans_total{jail="sshd",origin="local"}';
    // The daemon logs its jails started just before the metrics server listens.
    await waitUntil(() => engineLogOf(safePaths(tmp.dir).logFile, daemon!.pid).some((l) => l.includes('Metrics: serving')), 'the metrics server', 10_000);
    let page = await scrape(port);
    const deadline = Date.now() + 20_000;
    while ((samples(page.body).get(key) ?? 0) < 3 || (samples(page.body).get('portcullis_failures_total{jail="sshd"}') ?? 0) < 7) {
      if (Date.now() > deadline) throw new Error(`no 3 bans in the scrape:\n${page.body}`);
      page = await scrape(port);
    }
    expect(page.status).toBe(200);
    expect(page.type).toContain('text/plain');
    const s = samples(page.body);
    expect(s.get('portcullis_up')).toBe(1);
    expect(s.get(key)).toBe(3);
    expect(s.get('portcullis_bans_active{jail="sshd"}')).toBe(3);
    expect(s.get('portcullis_failures_total{jail="sshd"}')).toBe(7);
    expect(s.get('portcullis_lines_matched_total{jail="sshd"}')).toBe(7);
    expect(s.get(`portcullis_lines_total{jail="sshd",source="${log}"}`)).toBe(9);
    expect(s.get('portcullis_ban_latency_seconds_count')).toBe(3);
    expect(s.get('portcullis_ban_latency_seconds_bucket{le="+Inf"}')).toBe(3);
    expect(s.get('portcullis_ban_latency_seconds_sum')).toBeGreaterThan(0);
    expect(s.get('portcullis_fleet_lag_seconds')).toBe(0);
    // Node's own process metrics come along.
    expect(s.get('process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(s.get('nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
    expect([...s.keys()].some((k) => k.startsWith('portcullis_firewall_errors_total'))).toBe(false);

    // A ban lifted by hand: the active gauge drops, the unban is counted with its reason.
    const unban = await cli('unban', '198.18.0.2', '--config', config);
    expect(unban.code, unban.stderr).toBe(0);
    const after = samples((await scrape(port)).body);
    expect(after.get('portcullis_bans_active{jail="sshd"}')).toBe(2);
    expect(after.get('portcullis_unbans_total{jail="sshd",reason="manual"}')).toBe(1);
    expect(after.get(key)).toBe(3);

    expect((await scrape(port, '/')).status).toBe(404);
  }, 60_000);

  it('is off without [metrics]: nothing listens', async () => {
    tmp = makeTempDir('pc-h19-metrics-');
    const log = tmp.write('auth.log', '');
    const port = await freePort();
    const config = tmp.write('portcullis.toml', [safeSections(tmp.dir), sshdJail(log)].join('\n'));
    daemon = await startDaemon(config, safePaths(tmp.dir).logFile);
    await expect(scrape(port)).rejects.toThrow();
  }, 60_000);
});
