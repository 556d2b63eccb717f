import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os';
import ipaddr from 'ipaddr.js';
import { isMapped, readCanonicalIPv6, keyOf, parseDottedQuad, parseRange, word, type ParsedRange as Parsed } from '../net/index.js';

/** Where a trusted range came from: the config file, a command at run time, or portcullis itself. */
export type TrustedOrigin = 'config' | 'runtime' | 'builtin';

/** One trusted range as listed: canonical text (IPv4-mapped IPv6 as IPv4), its origin and why. */
export interface TrustedRange {
  range: string;
  origin: TrustedOrigin;
  note: string;
}

/** Lists the machine's interfaces; `os.networkInterfaces` unless a test gives its own. */
export type InterfaceLister = () => NodeJS.Dict<NetworkInterfaceInfo[]>;

/** What a TrustedSet starts with besides loopback. */
export interface TrustedSetOptions {
  config?: string[]; // the config file's `[trusted] ranges`
  interfaces?: InterfaceLister | null; // where the machine's own addresses come from; null: none
}

/** Loopback is trusted whatever the config says: banning it breaks the machine's own services. */
const LOOPBACK = ['127.0.0.0/8', '::1'];
const ORIGINS: readonly TrustedOrigin[] = ['builtin', 'config', 'runtime'];
/** The groups of a canonical IPv6 address being looked up. */
const groups = new Uint16Array(8);


interface Entry {
  parsed: Parsed;
  origins: Map<TrustedOrigin, string>; // a range stays trusted until every origin lets go
}

/**
 * Addresses and ranges that are never banned. Lookups stay fast with thousands of ranges: for
 * each family and each prefix length in use there is one map from the masked network bits to
 * the range, so a lookup costs at most one map probe per prefix length present (33 for IPv4),
 * whatever the number of ranges. Longer prefixes are probed first so `covering` names the most
 * specific range. An IPv4-mapped IPv6 address (::ffff:a.b.c.d) is looked up as IPv4, so the
 * dual-stack form of an address cannot slip past an IPv4 range.
 */
export class TrustedSet {
  private readonly entries = new Map<string, Entry>();
  private readonly index = { 4: new FamilyIndex(), 6: new FamilyIndex() };
  private ownAddresses = new Set<string>();
  private readonly interfaces: InterfaceLister | null;

  constructor(options: TrustedSetOptions = {}) {
    this.interfaces = options.interfaces === undefined ? networkInterfaces : options.interfaces;
    for (const range of LOOPBACK) this.add(range, 'builtin', 'loopback');
    this.refreshOwnAddresses();
    for (const range of options.config ?? []) this.add(range, 'config');
  }

  /** Adds a range (throws for text that is not an address or CIDR); returns its canonical text. */
  add(range: string, origin: TrustedOrigin = 'runtime', note = ''): string {
    const parsed = parseRange(range);
    let entry = this.entries.get(parsed.text);
    if (!entry) {
      entry = { parsed, origins: new Map() };
      this.entries.set(parsed.text, entry);
      this.index[parsed.family].insert(parsed);
    }
    if (!entry.origins.has(origin)) entry.origins.set(origin, note);
    return parsed.text;
  }

  /** Takes back one origin's claim on a range; true if it had one. Loopback cannot be removed. */
  remove(range: string, origin: TrustedOrigin = 'runtime'): boolean {
    const parsed = parseRange(range);
    const entry = this.entries.get(parsed.text);
    if (!entry || !entry.origins.delete(origin)) return false;
    if (entry.origins.size === 0) {
      this.entries.delete(parsed.text);
      this.index[parsed.family].delete(parsed);
    }
    return true;
  }

  /** Replaces the config file's ranges (a reload), leaving runtime and built-in ones alone. */
  setConfig(ranges: string[]): void {
    const wanted = new Set(ranges.map((r) => parseRange(r).text));
    for (const [text, entry] of [...this.entries]) {
      if (entry.origins.has('config') && !wanted.has(text)) this.remove(text, 'config');
    }
    for (const text of wanted) this.add(text, 'config');
  }

  /** Re-reads the machine's own addresses, which DHCP or an operator may have changed. */
  refreshOwnAddresses(): void {
    for (const text of this.ownAddresses) this.remove(text, 'builtin');
    this.ownAddresses = new Set();
    for (const [name, infos] of Object.entries(this.interfaces?.() ?? {})) {
      for (const info of infos ?? []) {
        let text: string;
        try {
          text = parseRange(info.address).text;
        } catch {
          continue; // an odd interface address must not stop the engine from starting
        }
        // Loopback's own addresses are reported as loopback, the range that makes them trusted.
        const hit = this.lookup(text);
        if (hit !== undefined && LOOPBACK.includes(hit)) continue;
        this.add(text, 'builtin', `address of ${name}`);
        this.ownAddresses.add(text);
      }
    }
  }

  /** Whether an address (or every address of a CIDR) is trusted. Throws for text that is neither. */
  contains(ip: string): boolean {
    return this.lookup(ip) !== undefined;
  }

  /** The most specific trusted range holding `ip` (an address or a CIDR), if any. */
  covering(ip: string): TrustedRange | undefined {
    const text = this.lookup(ip);
    return text === undefined ? undefined : this.describe(text);
  }

  /**
   * Trusted ranges that share any address with `range`: those holding it and those inside it.
   * Banning a CIDR that holds a trusted address would lock that address out too.
   */
  overlapping(range: string): TrustedRange[] {
    const parsed = parseRange(range);
    const outer = this.index[parsed.family].find(parsed.prefix, word(parsed.parts, 0), parsed.parts);
    const found = new Set<string>(outer === undefined ? [] : [outer]);
    // Ranges inside a CIDR need a scan; only bans of whole ranges ask, and those are rare.
    const key = keyOf(parsed.parts, parsed.prefix);
    for (const [text, { parsed: p }] of parsed.prefix < (parsed.family === 4 ? 32 : 128) ? this.entries : []) {
      if (p.family === parsed.family && p.prefix > parsed.prefix && keyOf(p.parts, parsed.prefix) === key) found.add(text);
    }
    return [...found].map((text) => this.describe(text));
  }

  /** Every range with each place it came from, built-in ones first, then config, then runtime. */
  list(): TrustedRange[] {
    const of = (origin: TrustedOrigin) => [...this.entries].filter(([, entry]) => entry.origins.has(origin));
    return ORIGINS.flatMap((origin) => of(origin).map(([range, entry]) => ({ range, origin, note: entry.origins.get(origin)! })));
  }

  /** Distinct ranges, for the firewall's skip list. */
  ranges(): string[] {
    return [...this.entries.keys()];
  }

  private lookup(ip: string): string | undefined {
    const v4 = parseDottedQuad(ip);
    // Plain addresses skip checkAddress: IPv4 is parsed here without allocating, IPv6 in its
    // canonical text here too, else by ipaddr.
    if (v4 >= 0) return this.index[4].find(32, v4, null);
    if (!ip.includes('/') && ip.includes(':')) {
      let parts: number[] | Uint16Array = groups;
      try {
        if (!readCanonicalIPv6(ip, groups)) parts = ipaddr.IPv6.parse(ip).parts;
      } catch {
        throw new Error(`not an IP address or CIDR: ${JSON.stringify(ip)}`);
      }
      if (isMapped(parts)) return this.index[4].find(32, word(parts, 6), null);
      return this.index[6].find(128, word(parts, 0), parts);
    }
    const parsed = parseRange(ip);
    return this.index[parsed.family].find(parsed.prefix, word(parsed.parts, 0), parsed.parts);
  }

  private describe(text: string): TrustedRange {
    const entry = this.entries.get(text)!;
    // Built-in first, then config: the origin an operator cannot simply undo is the one to report.
    const origin = ORIGINS.find((o) => entry.origins.has(o))!;
    return { range: text, origin, note: entry.origins.get(origin)! };
  }
}

/** One prefix length's ranges: network key to range text, and (past 32 bits) their first words. */
interface Level {
  keys: Map<number | string, string>;
  /** First 32 bits of its ranges (kept until the level empties: a stale one costs one probe). */
  heads: Set<number>;
}

/** Per prefix length in use, the masked network keys of one family's ranges. */
class FamilyIndex {
  private readonly levels: Array<Level | undefined> = [];
  private prefixes: number[] = []; // in use, longest first

  insert(parsed: Parsed): void {
    let level = this.levels[parsed.prefix];
    if (!level) {
      level = { keys: new Map(), heads: new Set() };
      this.levels[parsed.prefix] = level;
      this.prefixes = [...this.prefixes, parsed.prefix].sort((a, b) => b - a);
    }
    level.keys.set(keyOf(parsed.parts, parsed.prefix), parsed.text);
    level.heads.add(word(parsed.parts, 0));
  }

  delete(parsed: Parsed): void {
    const level = this.levels[parsed.prefix];
    if (!level?.keys.delete(keyOf(parsed.parts, parsed.prefix))) return;
    if (level.keys.size === 0) {
      this.levels[parsed.prefix] = undefined;
      this.prefixes = this.prefixes.filter((p) => p !== parsed.prefix);
    }
  }

  /**
   * The longest range of at most `maxPrefix` bits holding the address whose first 32 bits are
   * `head` (and whose 16-bit parts are `parts`, needed only past 32 bits).
   */
  find(maxPrefix: number, head: number, parts: number[] | Uint16Array | null): string | undefined {
    for (const prefix of this.prefixes) {
      if (prefix > maxPrefix) continue;
      const level = this.levels[prefix]!;
      // Past 32 bits the key is a string: a number probe on the first word rules most out first.
      if (prefix > 32 && !level.heads.has(head)) continue;
      const hit = level.keys.get(prefix > 32 ? keyOf(parts!, prefix) : prefix === 0 ? 0 : head >>> (32 - prefix));
      if (hit !== undefined) return hit;
    }
    return undefined;
  }
}
