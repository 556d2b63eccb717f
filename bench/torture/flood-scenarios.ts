/**
 * The two crash scenarios, written once so that portcullis (`cases/crash-restart.ts`) and fail2ban
 * (`fail2ban-compare.ts`) read the very same log: a flood SIGKILLed and restarted, and a flood into
 * a log rotated every second with one SIGKILL and a rotation while down.
 */
import { appendFileSync, renameSync, writeFileSync } from 'node:fs';
import { sshdFailureLine } from '../../test/helpers/safe-config.js';
import { sleep, waitFor } from '../../test/helpers/wait.js';

/** Address k: even IPv4 in 198.18.0.0/15, odd IPv6 in 2001:db8::/32 (canonical text). */
export const address = (k: number): string =>
  k % 2 === 0 ? `198.${18 + ((k >> 17) & 1)}.${(k >> 9) & 255}.${(k >> 1) & 255}` : `2001:db8:1:${((k >> 16) + 1).toString(16)}::${(k & 0xffff).toString(16)}`;
/** Every 11th address of the kill flood fails once only and must never be banned. */
const once = (k: number): boolean => k % 11 === 0;

/** The program under test, as a scenario drives it. */
export interface Restartable {
  /** Starts it and resolves once it reads the log; resolves with the ms that took. */
  start(): Promise<number>;
  /** SIGKILLs it and resolves once it is gone. */
  kill(): Promise<void>;
}

/** What a scenario wrote. */
export interface FloodWritten {
  lines: number;
  /** Failure lines written per address. */
  perAddress: Map<string, number>;
  /** The addresses that must end banned. */
  expected: Set<string>;
  /** Addresses written that must not be banned. */
  singles: number;
  /** Start times of the restarts, ms. */
  restartMs: number[];
  rotations: number;
}

/** Names and sizes of the two scenarios, for both tables. */
export const SCENARIOS = {
  rotation: {
    name: 'log rotated every second during a flood',
    expected: 'every address banned (its failures straddle a rotation), no other, a rotation during a crash included',
    size: (bounded: boolean) => (bounded ? { seconds: 6, perSecond: 100 } : { seconds: 30, perSecond: 400 }),
  },
  kills: {
    name: 'SIGKILL and restart during a flood',
    expected: 'every address with 2 failures banned, none with 1, no line counted twice',
    size: (bounded: boolean) => (bounded ? { addresses: 2_200, kills: 3 } : { addresses: 22_000, kills: 10 }),
  },
} as const;

/** A line writer that counts per address; line j names itself in the pid field. */
function lineWriter(): { line: (k: number) => string; written: FloodWritten } {
  const written: FloodWritten = { lines: 0, perAddress: new Map(), expected: new Set(), singles: 0, restartMs: [], rotations: 0 };
  const line = (k: number): string => {
    const ip = address(k);
    written.perAddress.set(ip, (written.perAddress.get(ip) ?? 0) + 1);
    return sshdFailureLine(ip, written.lines++);
  };
  return { line, written };
}

/**
 * Chunk c holds the first failures of its addresses and the second failures of the previous
 * chunk's (except the single-failure ones), as attacks interleave in a real log; the server is
 * killed and started again `kills` times while the chunks go in, paced to last through the kills.
 */
export async function killDuringFlood(authLog: string, addresses: number, kills: number, server: Restartable): Promise<FloodWritten> {
  const { line, written } = lineWriter();
  const CHUNK = 100;
  const chunks: string[] = [];
  for (let c = 0; c * CHUNK <= addresses; c++) {
    let text = '';
    for (let k = (c - 1) * CHUNK; k < Math.min(c * CHUNK, addresses); k++) if (k >= 0 && !once(k)) text += line(k);
    for (let k = c * CHUNK; k < Math.min((c + 1) * CHUNK, addresses); k++) text += line(k);
    chunks.push(text);
  }
  for (let k = 0; k < addresses; k++) if (!once(k)) written.expected.add(address(k));
  written.singles = addresses - written.expected.size;
  let sent = 0;
  const pause = Math.max(2, Math.round((kills * 800) / chunks.length));
  const writer = (async () => {
    for (const text of chunks) {
      appendFileSync(authLog, text);
      sent++;
      await sleep(pause);
    }
  })();
  await server.start();
  for (let i = 0; i < kills; i++) {
    const at = Math.ceil(((i + 1) * chunks.length) / (kills + 1));
    await waitFor(() => sent >= at, `chunk ${at} of the flood`, 120_000, 5);
    await server.kill();
    written.restartMs.push(await server.start());
  }
  await writer;
  return written;
}

/**
 * Each second: first failures of `perSecond` new addresses, then the log is renamed away, the
 * writer still finishes half of their second failures in the old file, and the rest go to the new
 * one. Halfway, the server is killed before a rotation and started after it.
 */
export async function rotateDuringFlood(authLog: string, seconds: number, perSecond: number, server: Restartable): Promise<FloodWritten> {
  const { line, written } = lineWriter();
  await server.start();
  let k = 0;
  const crashAt = Math.floor(seconds / 2);
  for (let s = 0; s < seconds; s++) {
    const batch = Array.from({ length: perSecond }, () => k++);
    appendFileSync(authLog, batch.map(line).join(''));
    await sleep(500);
    if (s === crashAt) await server.kill();
    const old = `${authLog}.${++written.rotations}`;
    renameSync(authLog, old);
    // The writer has not reopened yet: its next lines still go to the old file.
    appendFileSync(old, batch.slice(0, perSecond / 2).map(line).join(''));
    writeFileSync(authLog, batch.slice(perSecond / 2).map(line).join(''));
    for (const a of batch) written.expected.add(address(a));
    if (s === crashAt) written.restartMs.push(await server.start());
    await sleep(500);
  }
  return written;
}

/** How many expected addresses are missing from `banned`, and how many banned were not expected. */
export function compareBans(expected: Set<string>, banned: Set<string>): { missing: number; wrong: number } {
  return {
    missing: [...expected].filter((ip) => !banned.has(ip)).length,
    wrong: [...banned].filter((ip) => !expected.has(ip)).length,
  };
}

/** The median of some ms figures. */
export const medianMs = (values: number[]): number => [...values].sort((a, b) => a - b)[values.length >> 1] ?? 0;
