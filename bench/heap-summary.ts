/**
 * `node --import tsx bench/heap-summary.ts FILE [--per N] [--top 30]`: sums a V8 heap snapshot's
 * self sizes by kind of object (node type and constructor or name; strings by type only), largest
 * first, with bytes per ban when `--per N` gives the number of bans. For snapshots up to a few
 * hundred MB (100,000 bans).
 */
import { readFileSync } from 'node:fs';
import { option } from './options.js';

const file = process.argv[2];
if (!file) throw new Error('usage: heap-summary.ts FILE [--per N] [--top 30]');
const per = Number(option('per', '0'));
const topN = Number(option('top', '30'));

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

const snap = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
const fields = snap.snapshot.meta.node_fields;
const width = fields.length;
const typeAt = fields.indexOf('type');
const nameAt = fields.indexOf('name');
const sizeAt = fields.indexOf('self_size');
const types = snap.snapshot.meta.node_types[0];
const sums = new Map<string, { bytes: number; count: number }>();
let total = 0;
for (let i = 0; i < snap.nodes.length; i += width) {
  const type = types[snap.nodes[i + typeAt]!]!;
  const size = snap.nodes[i + sizeAt]!;
  const name = snap.strings[snap.nodes[i + nameAt]!]!;
  const key = type === 'string' || type === 'concatenated string' || type === 'sliced string' || type === 'number'
    ? type
    : `${type}: ${name.length > 60 ? `${name.slice(0, 57)}...` : name}`;
  const sum = sums.get(key) ?? { bytes: 0, count: 0 };
  sum.bytes += size;
  sum.count++;
  sums.set(key, sum);
  total += size;
}
const rows = [...sums].sort((a, b) => b[1].bytes - a[1].bytes).slice(0, topN);
console.log(`total ${(total / 2 ** 20).toFixed(1)} MiB${per ? `, ${Math.round(total / per)} B per ban` : ''}`);
console.log('| kind | count | MiB | B per ban |');
console.log('|---|---|---|---|');
for (const [key, { bytes, count }] of rows) {
  console.log(`| ${key} | ${count.toLocaleString('en-US')} | ${(bytes / 2 ** 20).toFixed(1)} | ${per ? (bytes / per).toFixed(1) : '-'} |`);
}
