/**
 * The engine's matching thread (see match-thread.ts): runs each jail's filter over the lines the
 * engine reads, in order, and answers with what the jail needs of each line, packed.
 */
import { parentPort } from 'node:worker_threads';
import { compileFilter, type CompiledFilter } from './compiled-filter.js';
import type { MatchRequest, PackedMatches } from '../match-thread.js';

const filters = new Map<string, CompiledFilter>();
/** The read time of the lines being matched: the clock for a filter's year-less dates. */
let now = 0;

parentPort!.on('message', (message: MatchRequest) => {
  if (message.type === 'filter') {
    filters.set(message.jail, compileFilter(message.definition, { now: () => now, extraIgnoreregex: message.extraIgnoreregex }));
    return;
  }
  if (message.type === 'drop') {
    filters.delete(message.jail);
    return;
  }
  const filter = filters.get(message.jail);
  const n = message.lengths.length;
  const kinds = new Uint8Array(new ArrayBuffer(n));
  const times = new Float64Array(new ArrayBuffer(n * 8));
  const packed: PackedMatches = { seq: message.seq, kinds, times, hosts: [], users: [] };
  if (filter) {
    now = message.now;
    let start = 0;
    for (let i = 0; i < n; i++) {
      const line = message.text.slice(start, (start += message.lengths[i]!));
      const result = filter.matchLine(line, message.now);
      if (result.kind !== 'failure') continue;
      packed.kinds[i] = result.ip === null ? 2 : 1;
      packed.times[i] = result.time;
      packed.hosts.push(result.ip ?? result.host);
      packed.users.push(result.user ?? null);
    }
  } else {
    packed.missing = true;
  }
  parentPort!.postMessage(packed, [kinds.buffer as ArrayBuffer, times.buffer as ArrayBuffer]);
});
