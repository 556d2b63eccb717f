/**
 * The firewall bench's table: one row per figure, one column per backend, side by side.
 */
import { mixFor } from './firewall-addresses.js';
import type { BackendId, LoadResult } from './firewall-load.js';
import { extrapolateGrowing, extrapolateLinear, type OneByOneResult } from './firewall-one-by-one.js';
import { median } from './peak-rss.js';

export const TARGET_BANS = 100_000;
export const TARGET_MS = 2000;

export const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const secs = (ms: number) => (Number.isFinite(ms) ? `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s` : 'n/a');
const millis = (ms: number) => (Number.isFinite(ms) ? `${ms.toFixed(ms < 10 ? 2 : 1)} ms` : 'n/a');
const mib = (bytes: number) => `${(bytes / 1048576).toFixed(0)} MiB`;

type Row = [string, string, string];

/** The bulk 100,000 figure (median start+replaceBans) of a backend, if it was measured. */
export function bulkMedianMs(loads: LoadResult[], id: BackendId, size: number): number {
  const r = loads.find((l) => l.backend.id === id && l.size === size);
  const ok = r?.runs.filter((x) => x.ok) ?? [];
  return ok.length === 0 ? NaN : median(ok.map((x) => x.totalMs));
}

function loadRows(loads: LoadResult[], size: number, banRuns: number): Row[] {
  const cell = (id: BackendId, f: (r: LoadResult) => string) => {
    const r = loads.find((l) => l.backend.id === id && l.size === size);
    return r ? f(r) : 'n/a';
  };
  const both = (label: string, f: (r: LoadResult) => string): Row => [label, cell('iptables', f), cell('nftables', f)];
  const okRuns = (r: LoadResult) => r.runs.filter((x) => x.ok);
  const med = (r: LoadResult, f: (x: LoadResult['runs'][number]) => number) => (okRuns(r).length === 0 ? NaN : median(okRuns(r).map(f)));
  const failed = (r: LoadResult) => r.runs.find((x) => !x.ok)?.failure;
  const mix = mixFor(size);
  const n = fmt(size);
  const runs = loads.find((l) => l.size === size)?.runs.length ?? 0;
  const rows: Row[] = [
    [`${n} bans (${fmt(mix.v4)} IPv4 + ${fmt(mix.v6)} IPv6)`, '', ''],
    both(`  load: start([]) + replaceBans, ${runs > 1 ? `median of ${runs}` : '1 run'}`, (r) => {
      const m = med(r, (x) => x.totalMs);
      return Number.isFinite(m) ? secs(m) : `FAILED: ${failed(r) ?? '?'}`;
    }),
  ];
  if (runs > 1) rows.push(both('    each run', (r) => r.runs.map((x) => (x.ok ? (x.totalMs / 1000).toFixed(2) : 'fail')).join(' / ')));
  rows.push(
    both('    of which start([])', (r) => secs(med(r, (x) => x.startMs))),
    both('    of which replaceBans', (r) => secs(med(r, (x) => x.replaceMs))),
    both('    in node: check + build script', (r) => `${secs(r.prepare.prepareMs)} (${(r.prepare.scriptBytes / 1e6).toFixed(1)} MB script)`),
    both('    in node: of which checkAddress', (r) => `~${secs(r.prepare.checkMs)} (µs/IP: v4 ${r.prepare.checkUsV4.toFixed(1)}, v6 ${r.prepare.checkUsV6.toFixed(1)})`),
    both('  kernel count after load (listBans)', (r) => (typeof r.kernelCount === 'number'
      ? `${fmt(r.kernelCount)}${r.kernelCount === size ? ' ok' : ' MISMATCH'} (${secs(r.countMs)})` : r.kernelCount)),
    both(`  ban 1 more IP, median of ${banRuns}`, (r) => (r.banMs.length === 0 ? `none finished: ${r.banFailure ?? 'not run'}`
      : `${millis(median(r.banMs))}${r.banMs.length < banRuns ? ` (only ${r.banMs.length}: ${r.banFailure})` : ''}`)),
    both('  node RSS after replaceBans (last run); peak so far', (r) => {
      const last = r.runs[r.runs.length - 1];
      return last ? `${mib(last.rssBytes)}; ${mib(last.maxRssBytes)}` : 'n/a';
    }),
  );
  return rows;
}

function oneByOneRows(results: OneByOneResult[], loads: LoadResult[], ratioSize: number): Row[] {
  const byId = (id: OneByOneResult['method']['id']) => results.find((r) => r.method.id === id);
  const set: [OneByOneResult | undefined, OneByOneResult | undefined] = [byId('ipset-add'), byId('nft-add-element')];
  const rule = byId('iptables-insert');
  const rows: Row[] = [];
  const block = (title: string, pair: [OneByOneResult | undefined, OneByOneResult | undefined]) => {
    const each = (f: (r: OneByOneResult) => string) => pair.map((r) => (r ? f(r) : 'n/a')) as [string, string];
    const planned = pair.find((r) => r)?.planned ?? 0;
    rows.push(
      [title, ...each((r) => r.method.shown)],
      [`  ${fmt(planned)} IPs, 1 process each, total`, ...each((r) => `${secs(r.totalMs)}${r.done < r.planned ? ` for ${fmt(r.done)} (${r.stopped})` : ''}`)],
      ['  per IP, first tenth -> last tenth', ...each((r) => `${millis(r.totalMs / r.done)} (${millis(r.tenthsMsPerCall[0] ?? NaN)} -> ${millis(r.tenthsMsPerCall[r.tenthsMsPerCall.length - 1] ?? NaN)})`)],
      ['  kernel count afterwards', ...each((r) => (typeof r.kernelCount === 'number' ? `${fmt(r.kernelCount)}${r.kernelCount === r.done ? ' ok' : ' MISMATCH'}` : r.kernelCount))],
      [`  extrapolated to ${fmt(TARGET_BANS)}, linear`, ...each((r) => secs(extrapolateLinear(r, TARGET_BANS)))],
      [`  extrapolated to ${fmt(TARGET_BANS)}, if per-IP cost keeps growing`, ...each((r) => secs(extrapolateGrowing(r, TARGET_BANS)))],
      [`  ratio: linear extrapolation / bulk ${Number.isFinite(ratioSize) ? fmt(ratioSize) : `${fmt(TARGET_BANS)} (not measured)`}`, ...(['iptables', 'nftables'] as const).map((id, i) => {
        const r = pair[i];
        const bulk = bulkMedianMs(loads, id, ratioSize);
        return r && Number.isFinite(bulk) ? `${(extrapolateLinear(r, TARGET_BANS) / bulk).toFixed(0)}x` : 'n/a';
      }) as [string, string]],
    );
  };
  block('one at a time into the ban set', set);
  block('one at a time, iptables rule per IP (fail2ban without ipset)', [rule, undefined]);
  return rows;
}

/** Prints the side-by-side table. */
export function printTable(loads: LoadResult[], sizes: number[], oneByOne: OneByOneResult[], banRuns: number): void {
  const ratioSize = sizes.includes(TARGET_BANS) ? TARGET_BANS : NaN;
  const rows: Row[] = [['', 'iptables+ipset', 'nftables']];
  for (const size of sizes) rows.push(...loadRows(loads, size, banRuns));
  if (oneByOne.length > 0) rows.push(...oneByOneRows(oneByOne, loads, ratioSize));
  rows.push([`target ${fmt(TARGET_BANS)} bans restored in under ${TARGET_MS / 1000} s`,
    ...(['iptables', 'nftables'] as const).map((id) => {
      const ms = bulkMedianMs(loads, id, TARGET_BANS);
      return Number.isFinite(ms) ? `${ms < TARGET_MS ? 'met' : 'missed'} (${secs(ms)})` : 'n/a (not measured)';
    }) as [string, string]]);
  const widths = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i]!.length)));
  const line = (r: Row) => `${r[0].padEnd(widths[0]!)}  ${r[1].padEnd(widths[1]!)}  ${r[2]}`.trimEnd();
  console.log(`\n${line(rows[0]!)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}`);
  for (const r of rows.slice(1)) console.log(line(r));
}
