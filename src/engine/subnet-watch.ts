import type { Settings, SubnetSettings } from '../config/schema.js';
import { formatDuration, SUBNET_JAIL } from '../domain/index.js';
import { keyOf, parseDottedQuad, parseRange, prefixOf, rangesOverlap, type SshSession } from '../net/index.js';
import { banDuration, banEnd, RECIDIVE_WINDOW, withRecidive } from './escalation.js';
import type { TrustedSet } from './trusted.js';
import type { BanRecord, BanSummary, HistoryEntry } from './types.js';

/** Member bans named in a subnet ban's reason at most; the rest are counted. */
const MEMBERS_NAMED = 10;
const DONE = Promise.resolve();

/** What a SubnetWatch reads; the ban manager passes its own state. */
export interface SubnetWatchDeps {
  settings: () => Settings;
  trusted: TrustedSet;
  /** The operator's SSH sessions: a subnet holding one is never banned. */
  sessions: () => readonly SshSession[];
  /** Past bans of an address or CIDR over the window escalation reads, oldest first. */
  past: (ip: string) => HistoryEntry[];
  /** Whether an address or CIDR (canonical text) is banned now. */
  banned: (ip: string) => boolean;
  /** The ban in force of an address or CIDR (canonical text). */
  ban: (ip: string) => BanSummary | undefined;
  /** Every ban in force, or those of one jail. */
  bans: (jail?: string) => Iterable<BanSummary>;
}

/** What a jail's ban leads to: a subnet ban to make, or one refused (and why). */
export type SubnetDecision =
  /** members: bans in force inside it, to take out of the kernel; trusted: trusted ranges inside it. */
  | { type: 'ban'; record: BanRecord; members: string[]; trusted: string[] }
  | { type: 'refused'; subnet: string; reason: string; range: string };

/** A parsed range: family, prefix length and 16-bit parts. */
interface Parsed {
  family: 4 | 6;
  prefix: number;
  parts: number[];
}

/**
 * Subnet escalation: counts the distinct addresses (or prefixes) the jails ban inside each subnet
 * (`[settings.subnets]`, /24 and /48 by default) and, when `threshold` of them fall within
 * `window`, decides one ban of the subnet, timed by the escalation rules from the subnet's own
 * history. A subnet holding one of the machine's own addresses or the operator's SSH session is
 * refused. It also knows which subnet bans hold their members' place in the kernel, so the ban
 * manager leaves those members out of the ban sets (they stay bans, in the store and the history)
 * and puts them back when the subnet ban ends. Off (no work at all) unless enabled.
 */
export class SubnetWatch {
  /** Per subnet: member address or prefix, when banned (epoch ms), within the window. */
  private readonly recent = new Map<string, Map<string, number>>();
  /** Subnets whose members were taken out of the kernel, by "family/length/network key". */
  private readonly held = new Map<string, string>();
  /** Per held subnet: its ban's firewall command (a member's ban is in the kernel once it is). */
  private readonly sent = new Map<string, Promise<void>>();
  /**
   * The bans in force by the subnet of the configured length they fall in ("family/length/key"),
   * kept while escalation is on, so a subnet's members are found without reading every ban.
   */
  private members: Map<string, Set<string>> | null = null;
  /** The subnet lengths `members` is keyed by. */
  private memberLengths = { 4: 0, 6: 0 };
  /** Prefix lengths in `held`, per family. */
  private heldLengths: { 4: number[]; 6: number[] } = { 4: [], 6: [] };
  /** When a refusal of a subnet was last reported (once per window). */
  private readonly refusedAt = new Map<string, number>();
  /** When counts of every subnet are next looked through for old ones. */
  private nextSweep = 0;

  constructor(private readonly deps: SubnetWatchDeps) {}

  /**
   * Starts again from the bans in force (start-up): the subnet bans made here hold their members'
   * place again, and bans made within the window count again.
   */
  load(now: number): void {
    this.recent.clear();
    this.held.clear();
    this.sent.clear();
    this.refusedAt.clear();
    this.members = null;
    const settings = this.subnetSettings();
    // Off, only the subnet bans matter: a million bans are not walked for them.
    for (const ban of this.deps.bans(settings ? undefined : SUBNET_JAIL)) {
      if (ban.jail === SUBNET_JAIL && ban.origin === undefined) this.hold(ban.ip);
      // Only what count() counts: a jail's own bans, not manual nor remote ones.
      else if (settings && counts(ban) && ban.bannedAt >= now - settings.window * 1000) this.remember(ban, settings);
    }
    if (settings) this.indexMembers(settings);
    this.indexLengths();
  }

  /** True while subnet escalation is on. */
  get active(): boolean {
    return this.subnetSettings() !== undefined;
  }

  /** A ban now in force (new or replaced). */
  added(ip: string): void {
    if (!this.members) return;
    const key = this.memberKey(ip);
    if (key === null) return;
    let set = this.members.get(key);
    if (!set) this.members.set(key, (set = new Set()));
    set.add(ip);
  }

  /** A ban no longer in force. */
  removed(ip: string): void {
    if (!this.members) return;
    const key = this.memberKey(ip);
    const set = key === null ? undefined : this.members.get(key);
    if (!set) return;
    set.delete(ip);
    if (set.size === 0) this.members.delete(key!);
  }

  /** A subnet ban's firewall command, as it is queued. */
  sending(subnet: string, command: Promise<void>): void {
    const key = heldKey(subnet);
    if (key !== null && this.held.get(key) === subnet) this.sent.set(subnet, command);
  }

  /** When the subnet ban covering a member is in the kernel (at once if it already is). */
  inKernel(subnet: string): Promise<void> {
    return this.sent.get(subnet) ?? DONE;
  }

  /**
   * The subnet ban in force that holds `ip`'s place in the kernel, if any (never `ip` itself).
   * Asked for every ban that goes to the kernel, so it returns at once while none is held.
   */
  covering(ip: string): string | undefined {
    if (this.held.size === 0) return undefined;
    const parsed = parse(ip);
    if (!parsed) return undefined;
    for (const length of this.heldLengths[parsed.family]) {
      if (length >= parsed.prefix) continue;
      const subnet = this.held.get(rangeKey(parsed, length));
      if (subnet !== undefined && this.deps.banned(subnet)) return subnet;
    }
    return undefined;
  }

  /**
   * Counts a ban a jail just made (not an extension, nor a manual or remote ban). Returns the
   * subnet ban to make when its subnet reaches the threshold, a refusal (reported once per
   * window), or null.
   */
  count(record: BanSummary, now: number): SubnetDecision | null {
    const settings = this.subnetSettings();
    if (!settings || !counts(record)) return null;
    this.indexMembers(settings);
    const subnet = this.remember(record, settings);
    if (subnet === null) return null;
    const since = now - settings.window * 1000;
    this.sweep(now, since);
    const members = this.recent.get(subnet)!;
    // Oldest first (remember() moves a member to the end): stop at the first one still in the window.
    for (const [ip, at] of members) {
      if (at >= since) break;
      members.delete(ip);
    }
    if (members.size < settings.threshold || this.deps.banned(subnet) || this.deps.trusted.covering(subnet)) return null;
    const why = `subnet ${subnet}: ${members.size} ${kindOf([...members.keys()])} banned within ${formatDuration(settings.window)}`;
    const refusal = this.refusal(subnet);
    if (refusal) {
      const last = this.refusedAt.get(subnet);
      if (last !== undefined && last >= since) return null;
      this.refusedAt.set(subnet, now);
      return { type: 'refused', subnet, range: refusal.range, reason: `${refusal.reason}; ${why}, each stays banned on its own` };
    }
    // Counting starts again: when the subnet ban ends it takes `threshold` new bans to come back.
    this.recent.delete(subnet);
    const inside = this.inside(new Set([subnet]));
    const ban = this.subnetBan(subnet, why, inside, settings, now);
    this.hold(subnet);
    this.indexLengths();
    const trusted = this.deps.trusted.overlapping(subnet).map((t) => t.range);
    return { type: 'ban', record: ban, members: inside.map((b) => b.ip), trusted };
  }

  /**
   * The bans to put back in the kernel now that `ended` are over: the members of the subnet bans
   * among them that are still in force and not held by another subnet ban.
   */
  membersBack(ended: readonly BanSummary[]): BanSummary[] {
    const subnets = new Set<string>();
    for (const ban of ended) {
      const key = heldKey(ban.ip);
      if (key && this.held.get(key) === ban.ip && !this.deps.banned(ban.ip)) {
        this.held.delete(key);
        this.sent.delete(ban.ip);
        subnets.add(ban.ip);
      }
    }
    if (subnets.size === 0) return [];
    this.indexLengths();
    return this.inside(subnets).filter((ban) => this.covering(ban.ip) === undefined);
  }

  private subnetSettings(): SubnetSettings | undefined {
    const settings = this.deps.settings().subnets;
    return settings?.enabled ? settings : undefined;
  }

  /** Records a member ban under its subnet; returns the subnet, or null for a ban as wide as one. */
  private remember(ban: BanSummary, settings: SubnetSettings): string | null {
    const lengths = { ipv4: settings.ipv4_prefix, ipv6: settings.ipv6_prefix };
    let subnet: string;
    try {
      subnet = prefixOf(ban.ip, lengths);
    } catch {
      return null;
    }
    if (subnet === ban.ip || !subnet.includes('/')) return null;
    let members = this.recent.get(subnet);
    if (!members) this.recent.set(subnet, (members = new Map()));
    members.delete(ban.ip);
    members.set(ban.ip, ban.bannedAt);
    return subnet;
  }

  /** Why `subnet` must not be banned: it holds this machine's own address or an SSH session. */
  private refusal(subnet: string): { reason: string; range: string } | null {
    const own = this.deps.trusted.overlapping(subnet).find((t) => t.origin === 'builtin');
    if (own) return { range: own.range, reason: `it holds ${own.range} (${own.note}), an address of this machine` };
    const session = this.deps.sessions().find((s) => rangesOverlap(subnet, s.address));
    if (session) return { range: session.address, reason: `it holds ${session.address}, the address of the operator's SSH session` };
    return null;
  }

  /** The subnet's ban: bantime escalated by the subnet's past bans, and the recidive rule. */
  private subnetBan(subnet: string, why: string, inside: BanSummary[], settings: SubnetSettings, now: number): BanRecord {
    const { escalation } = this.deps.settings();
    const all = this.deps.past(subnet);
    const past = escalation.scope === 'jail' ? all.filter((h) => h.jail === SUBNET_JAIL) : all;
    const lastDay = all.filter((h) => h.bannedAt >= now - RECIDIVE_WINDOW).length;
    const seconds = withRecidive(banDuration({ bantime: settings.bantime, escalation }, past.length), lastDay);
    const named = inside.slice(-MEMBERS_NAMED).map((b) => `${b.ip} (banned by ${b.jail})`);
    const more = inside.length > named.length ? [`and ${inside.length - named.length} more bans inside it`] : [];
    return { ip: subnet, jail: SUBNET_JAIL, bannedAt: now, expiresAt: banEnd(now, seconds), count: past.length + 1, reason: [why, ...named, ...more] };
  }

  /**
   * Bans in force strictly inside one of `subnets`, oldest first: from the member index for a
   * subnet of the configured length, by reading every ban for one of another length (made before
   * a reload changed the length).
   */
  private inside(subnets: ReadonlySet<string>): BanSummary[] {
    const wanted = new Map<string, string>();
    const lengths = { 4: new Set<number>(), 6: new Set<number>() };
    const found: BanSummary[] = [];
    for (const subnet of subnets) {
      const parsed = parse(subnet)!;
      const key = rangeKey(parsed, parsed.prefix);
      if (this.members && this.memberLengths[parsed.family] === parsed.prefix) {
        for (const ip of this.members.get(key) ?? []) {
          const ban = this.deps.ban(ip);
          if (ban) found.push(ban);
        }
        continue;
      }
      wanted.set(key, subnet);
      lengths[parsed.family].add(parsed.prefix);
    }
    if (wanted.size === 0) return found.sort((a, b) => a.bannedAt - b.bannedAt);
    for (const ban of this.deps.bans()) {
      const parsed = parse(ban.ip);
      if (!parsed) continue;
      for (const length of lengths[parsed.family]) {
        if (length < parsed.prefix && wanted.has(rangeKey(parsed, length))) {
          found.push(ban);
          break;
        }
      }
    }
    return found.sort((a, b) => a.bannedAt - b.bannedAt);
  }

  private hold(subnet: string): void {
    const key = heldKey(subnet);
    if (key !== null) this.held.set(key, subnet);
  }

  /** Builds the member index for the configured lengths, unless it is built for them already. */
  private indexMembers(settings: SubnetSettings): void {
    const lengths = { 4: settings.ipv4_prefix, 6: settings.ipv6_prefix };
    if (this.members && this.memberLengths[4] === lengths[4] && this.memberLengths[6] === lengths[6]) return;
    this.members = new Map();
    this.memberLengths = lengths;
    for (const ban of this.deps.bans()) this.added(ban.ip);
  }

  /** The member index key of a ban: its subnet of the configured length; null for one as wide. */
  private memberKey(ip: string): string | null {
    const parsed = parse(ip);
    if (!parsed) return null;
    const length = this.memberLengths[parsed.family];
    return length < parsed.prefix ? rangeKey(parsed, length) : null;
  }

  private indexLengths(): void {
    const lengths = { 4: new Set<number>(), 6: new Set<number>() };
    for (const key of this.held.keys()) {
      const [family, length] = key.split('/');
      lengths[family === '4' ? 4 : 6].add(Number(length));
    }
    this.heldLengths = { 4: [...lengths[4]], 6: [...lengths[6]] };
  }

  /** Forgets counts older than the window in every subnet, at most once per window. */
  private sweep(now: number, since: number): void {
    if (now < this.nextSweep) return;
    this.nextSweep = now + (now - since);
    for (const [subnet, members] of this.recent) {
      for (const [ip, at] of members) if (at < since) members.delete(ip);
      if (members.size === 0) this.recent.delete(subnet);
    }
    for (const [subnet, at] of this.refusedAt) if (at < since) this.refusedAt.delete(subnet);
  }
}

/** Whether a ban counts towards its subnet: a jail's own, not a manual, remote or subnet ban. */
function counts(ban: BanSummary): boolean {
  return ban.origin === undefined && ban.jail !== SUBNET_JAIL && ban.jail !== 'manual';
}

/** The `held` key of a subnet; null for bad text. */
function heldKey(subnet: string): string | null {
  const parsed = parse(subnet);
  return parsed && rangeKey(parsed, parsed.prefix);
}

/** "family/length/network key": the range of `length` bits holding `parsed`. */
function rangeKey(parsed: Parsed, length: number): string {
  return `${parsed.family}/${length}/${keyOf(parsed.parts, length)}`;
}

/** "addresses", "networks", or "addresses and networks", for what the members are. */
function kindOf(members: string[]): string {
  const networks = members.filter((m) => m.includes('/')).length;
  if (networks === 0) return 'addresses';
  return networks === members.length ? 'networks' : 'addresses and networks';
}

/** An address or CIDR parsed for keying (plain IPv4 without allocating much); null for bad text. */
function parse(ip: string): Parsed | null {
  const v4 = parseDottedQuad(ip);
  if (v4 >= 0) return { family: 4, prefix: 32, parts: [v4 >>> 16, v4 & 0xffff] };
  try {
    const { family, prefix, parts } = parseRange(ip);
    return { family, prefix, parts };
  } catch {
    return null;
  }
}
