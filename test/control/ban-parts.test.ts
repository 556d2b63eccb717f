import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ControlClient, ControlServer, InProcessControl, unpackBanColumns, type BanColumns } from '../../src/control/index.js';
import type { BanListing } from '../../src/engine/types.js';
import { makeTempDir, type TempDir } from '../helpers/temp-dir.js';
import { fakeHandlers, LineClient, listingAnswer } from './helpers.js';

let temp: TempDir;
let socketPath: string;
let server: ControlServer | null;

beforeEach(() => {
  temp = makeTempDir('portcullis-parts-');
  socketPath = path.join(temp.dir, 'portcullis.sock');
  server = null;
});

afterEach(async () => {
  await server?.stop();
  temp.remove();
});

/** `n` bans as `bans` lists them: IPv4 and IPv6, three jails, some permanent, some from a fleet node, some subnets with reasons. */
function listing(n: number): BanListing[] {
  return Array.from({ length: n }, (_, i) => ({
    ip: i % 3 ? `198.18.${(i >> 8) & 255}.${i & 255}` : `2001:db8::${i.toString(16)}`,
    jail: ['sshd', 'postfix', 'recidive'][i % 3]!,
    bannedAt: 1_700_000_000_000 + i * 7,
    expiresAt: i % 11 ? 1_700_000_600_000 + i : null,
    count: 1 + (i % 4),
    ...(i % 13 === 0 ? { origin: 'web-2' } : {}),
    ...(i % 17 === 0 ? { reason: [`holds ${i}`] } : {}),
  }));
}

async function serve(bans: BanListing[]): Promise<void> {
  server = new ControlServer(socketPath, fakeHandlers({ 'ban-columns': async (req) => listingAnswer(bans, req.part) }));
  await server.start();
}

describe('ban-columns in parts', () => {
  it('sends the list as lines of at most `part` bans, the last as the result, which together are the whole list', async () => {
    const bans = listing(5_500);
    await serve(bans);
    const raw = await LineClient.connect(socketPath);
    try {
      raw.send({ id: 1, command: 'ban-columns', part: 1000 });
      const lines: Record<string, unknown>[] = [];
      for (;;) {
        const line = (await raw.next())!;
        lines.push(line);
        if ('result' in line) break;
      }
      expect(lines.map((l) => ('part' in l ? 'part' : 'result'))).toEqual(['part', 'part', 'part', 'part', 'part', 'result']);
      const parts = lines.map((l) => (l['part'] ?? l['result']) as BanColumns);
      expect(parts.map((p) => p.jail.length)).toEqual([1000, 1000, 1000, 1000, 1000, 500]);
      expect(parts.every((p) => p.total === 5_500)).toBe(true);
      expect(parts.flatMap((p) => unpackBanColumns(p))).toEqual(bans);
      // Without `part`, one answer as before.
      raw.send({ id: 2, command: 'ban-columns' });
      const whole = (await raw.next())!;
      expect(unpackBanColumns(whole['result'] as BanColumns)).toEqual(bans);
      // A bad size is refused with the field named.
      raw.send({ id: 3, command: 'ban-columns', part: 10 });
      expect(await raw.next()).toMatchObject({ id: 3, ok: false, error: expect.stringContaining('"part" must be a whole number of bans from 1000 to 1048576') });
    } finally {
      raw.close();
    }
  });

  it('gives the client each part as it comes and resolves with the last; no bans is one empty result', async () => {
    const bans = listing(2_345);
    await serve(bans);
    const client = await ControlClient.connect(socketPath);
    try {
      const parts: BanColumns[] = [];
      const last = await client.request({ command: 'ban-columns', part: 1000 }, { onPart: (part) => parts.push(part) });
      expect(parts.map((p) => p.jail.length)).toEqual([1000, 1000]);
      expect([...parts, last].flatMap((p) => unpackBanColumns(p))).toEqual(bans);
      // Other requests on the same connection are answered as usual after it.
      await expect(client.request({ command: 'trust', action: 'list' })).resolves.toEqual({ action: 'list', ranges: [] });
    } finally {
      await client.close();
    }
    await server?.stop();
    await serve([]);
    const empty = await ControlClient.connect(socketPath);
    try {
      const parts: BanColumns[] = [];
      const last = await empty.request({ command: 'ban-columns', part: 1000 }, { onPart: (part) => parts.push(part) });
      expect(parts).toEqual([]);
      expect(unpackBanColumns(last)).toEqual([]);
    } finally {
      await empty.close();
    }
  });

  it('hands the parts over in process too, as the console running the engine itself reads them', async () => {
    const bans = listing(2_345);
    const control = new InProcessControl(fakeHandlers({ 'ban-columns': async (req) => listingAnswer(bans, req.part) }));
    const parts: BanColumns[] = [];
    const last = await control.request({ command: 'ban-columns', part: 1000 }, { onPart: (part) => parts.push(part) });
    expect(parts.map((p) => p.jail.length)).toEqual([1000, 1000]);
    expect(last.jail.length).toBe(345);
    expect([...parts, last].flatMap((p) => unpackBanColumns(p))).toEqual(bans);
    expect(unpackBanColumns(await control.request({ command: 'ban-columns' }))).toEqual(bans);
  });
});
