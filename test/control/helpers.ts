import { createConnection, type Socket } from 'node:net';
import { banColumnsAnswer, packBanColumns, packedParts, type BanColumns, type CommandHandlers, type FirewallResult } from '../../src/control/index.js';
import type { BanListing, BanRecord } from '../../src/engine/types.js';

/** A ban as the fake handlers make it. */
export function fakeBan(ip: string, seconds = 600): BanRecord {
  return { ip, jail: 'manual', bannedAt: 1_000, expiresAt: seconds === -1 ? null : 1_000 + seconds * 1000, count: 1, reason: ['manual ban'] };
}

/** Handlers that answer from memory; `ban` waits `delayMs` if given, so answers can overtake it. */
export function fakeHandlers(overrides: Partial<CommandHandlers> = {}): CommandHandlers {
  const bans = new Map<string, BanRecord>();
  return {
    status: async () => ({
      uptimeMs: 5, backend: 'dry-run', jails: [], banned: bans.size, mail: null,
      failuresLastHour: 0, detection: true, jailsRunning: 0, configPath: '/etc/portcullis/config.toml',
      state: { ok: true, error: null, since: null }, firewallInStep: true,
    }),
    bans: async () => [...bans.values()],
    'ban-columns': async (req) => listingAnswer([...bans.values()], req.part),
    ban: async (request) => {
      if (request.ip === '192.0.2.99') throw new Error(`${request.ip} is trusted (range 192.0.2.0/24), not banned`);
      const record = fakeBan(request.ip, request.seconds);
      bans.set(request.ip, record);
      return record;
    },
    unban: async (request) => {
      if (request.all) {
        const count = bans.size;
        bans.clear();
        return { unbanned: count };
      }
      return { unbanned: bans.delete(request.ip!) ? 1 : 0 };
    },
    trust: async (request) =>
      request.action === 'list' ? { action: 'list', ranges: [] } : request.action === 'add' ? { action: 'add', range: request.range!, unbanned: [] } : { action: 'rm', range: request.range!, removed: true },
    jails: async () => [],
    jail: async (request) => ({ name: request.name, enabled: request.enabled }),
    reload: async () => ({ message: 'reloaded' }),
    logs: async (request) => Array.from({ length: request.limit ?? 2 }, (_, i) => ({ time: i, level: 'INFO' as const, jail: null, message: `line ${i}` })),
    firewall: async (request) => ({ action: request.action, message: `firewall ${request.action}` }) as FirewallResult,
    activity: async () => ({ minutes: [], topIps: [], topJails: [] }),
    config: async () => {
      throw new Error('config is not faked');
    },
    settings: async () => {
      throw new Error('settings is not faked');
    },
    'jail-add': async (request) => {
      throw new Error(`jail-add ${request.name} is not faked`);
    },
    'jail-remove': async (request) => ({ name: request.name, removed: true }),
    'filter-test': async (request) => ({ filter: request.filter ?? 'draft', results: [], matched: 0, missed: 0 }),
    'filter-save': async (request) => ({ name: request.name, path: `/tmp/${request.name}.conf`, shadowsShipped: false, reloaded: false }),
    'filter-show': async (request) => ({ name: request.name, path: `/tmp/${request.name}.conf`, text: '', shipped: false }),
    'filter-list': async () => ({ folders: [], filters: [] }),
    why: async (request) => ({ ip: request.ip, banned: bans.has(request.ip), history: [] }),
    blocklists: async () => [],
    'blocklist-update': async (request) => {
      throw new Error(`no blocklist named "${request.name ?? ''}" (known: none)`);
    },
    ...overrides,
  };
}

/** A bare socket client speaking raw lines, to send what ControlClient never would. */
export class LineClient {
  private buffer = '';
  private readonly lines: string[] = [];
  private waiters: Array<(line: string | null) => void> = [];
  private ended = false;

  private constructor(readonly socket: Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (text: string) => {
      this.buffer += text;
      let newline: number;
      while ((newline = this.buffer.indexOf('\n')) !== -1) {
        this.deliver(this.buffer.slice(0, newline));
        this.buffer = this.buffer.slice(newline + 1);
      }
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      this.ended = true;
      for (const waiter of this.waiters.splice(0)) waiter(null);
    });
  }

  static connect(path: string): Promise<LineClient> {
    return new Promise((resolve, reject) => {
      const socket = createConnection(path);
      socket.once('connect', () => resolve(new LineClient(socket)));
      socket.once('error', reject);
    });
  }

  send(message: object | string): void {
    this.socket.write(typeof message === 'string' ? message : `${JSON.stringify(message)}\n`);
  }

  /** The next line as JSON, or null once the server closed the connection. */
  async next(timeoutMs = 2000): Promise<Record<string, unknown> | null> {
    const line = await new Promise<string | null>((resolve, reject) => {
      const queued = this.lines.shift();
      if (queued !== undefined) return resolve(queued);
      if (this.ended) return resolve(null);
      const timer = setTimeout(() => reject(new Error('no line from the server in time')), timeoutMs);
      this.waiters.push((l) => {
        clearTimeout(timer);
        resolve(l);
      });
    });
    return line === null ? null : (JSON.parse(line) as Record<string, unknown>);
  }

  close(): void {
    this.socket.destroy();
  }

  private deliver(line: string): void {
    const waiter = this.waiters.shift();
    if (waiter) waiter(line);
    else this.lines.push(line);
  }
}

/** `ban-columns`' answer for a listing, as the daemon gives it (in parts of `part` when asked). */
export function listingAnswer(bans: readonly BanListing[], part: number | undefined): ReturnType<typeof banColumnsAnswer> {
  return banColumnsAnswer(bans.length, part, packSlices(bans));
}

/** A listing's packed parts of `size` bans, as `ban-columns` sends them. */
export function listingParts(bans: readonly BanListing[], size: number): BanColumns[] {
  return [...packedParts(bans.length, size, packSlices(bans))];
}

function packSlices(bans: readonly BanListing[]): (from: number, to: number) => BanColumns {
  return (from, to) => packBanColumns(bans.slice(from, to));
}
