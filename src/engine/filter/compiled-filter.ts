import RE2 from 're2';
import { captureRegExp, isPlainText } from './capture-regexp.js';
import { detach } from '../detach.js';
import { ConnectionMemory } from './connection-memory.js';
import { LineBuffer, matchSpan } from './line-buffer.js';
import { DateDetector } from './date-detector.js';
import { normalizeIp } from './host.js';
import { FilterError } from './ini-reader.js';
import { scanPattern, UnsupportedConstruct, type ScannedPattern } from './regex-scanner.js';
import { execAlt, spanSource, type Alternative } from './alternative.js';
import { LiteralPatterns } from './fixed-backreference.js';
import { escapeLiteral, LiteralCandidates, neededLiterals, NO_CANDIDATE, SEVERAL } from './literal-candidates.js';
import { expandConditionals } from './conditional.js';
import { expandTags, UnsupportedTag } from './tags.js';
import { rotateLoopLookaheads } from './lookahead-loop.js';
import { dropImpliedLookaheads, rewriteLookaheads } from './lookahead-rewrite.js';
import { expandSmallBackreferences } from './backreference.js';
import type { FilterDefinition, LineResult, PatternSource } from './types.js';

/** Capture names that hold the address (`<F-ID>` becomes `id`, fail2ban's failure id). */
const HOST_GROUPS = ['ip4', 'ip6', 'dns', 'host', 'id', 'fid'];

/**
 * Several patterns in one RE2 set, which answers "which of them match?" in one DFA pass, plus
 * each pattern on its own so the first one in file order wins, as in fail2ban's loop, and takes
 * the captures. Should the set's DFA run out of memory on a line, the line goes the older way:
 * `any`, one RE2 alternation ("does any match?"), then the patterns one by one, and `after[i]`
 * (built when first needed), the alternation of the patterns after pattern i ("does another one
 * match too?").
 */
interface PatternSet {
  /** Null for one pattern, which `any` alone answers. */
  matcher: InstanceType<typeof RE2.Set> | null;
  any: RE2;
  after: (RE2 | null)[];
  /**
   * Per pattern i, one V8 alternation of the literals the patterns after i require (null when
   * one of them has none): on a plain line that holds none of them, no later pattern can match,
   * which skips the RE2 pass for almost every line.
   */
  afterLiterals: (RegExp | null | undefined)[];
  alternatives: Alternative[];
}

/** {@link CompiledFilter.explain}'s answer: the verdict, and for a line that does not count, why. */
export interface LineExplanation {
  result: LineResult;
  /** Whether a timestamp was found in the line (without one the read time stands in). */
  dateFound: boolean;
  /** 0-based index into the ignore patterns (the filter's, then the jail's) that ignored the line. */
  ignoreIndex?: number;
  /**
   * Why the line does not count: "no timestamp found", "prefregex did not match", "no failregex
   * matched", "ignored by ignoreregex #N", "host is a name, not an IP", or a multi-line reason.
   */
  why?: string;
}

/** Options of a compiled filter. */
export interface CompileOptions {
  /** The clock used to place year-less dates. */
  now?: () => number;
  /** Extra ignore patterns (a jail's `ignoreregex`). */
  extraIgnoreregex?: PatternSource[];
}

/**
 * A filter ready to run. Per line: a literal prefilter skips lines no failregex can match, one
 * date pass finds and cuts the timestamp, one RE2 call over all failregexes decides whether the
 * line matches, and only then the first matching failregex (in file order, as fail2ban loops)
 * yields the captures.
 */
export class CompiledFilter {
  readonly name: string;
  private readonly fail: PatternSet;
  private readonly ignore: PatternSet | null;
  private readonly pref: PatternSet | null;
  /** Which failregexes' required literals a line holds; null when one requires none. */
  private readonly literals: LiteralCandidates | null;
  private readonly dates: DateDetector;
  private readonly connections = new ConnectionMemory();
  /** For `maxlines` > 1: the lines the failregexes run over together. */
  private readonly buffer: LineBuffer | null;

  constructor(readonly definition: FilterDefinition, options: CompileOptions = {}) {
    this.name = definition.name;
    const ignore = [...definition.ignoreregex, ...(options.extraIgnoreregex ?? [])];
    const failScans = scanAll(definition.failregex);
    this.fail = combine(failScans);
    this.ignore = ignore.length ? combine(scanAll(ignore)) : null;
    const prefScans = definition.prefregex ? scanAll([definition.prefregex]) : [];
    if (prefScans.length > 1) throw new FilterError(definition.prefregex!.file, definition.prefregex!.line, 'a conditional group in prefregex is not supported');
    const prefScan = prefScans[0]?.scan ?? null;
    this.pref = prefScans.length ? combine(prefScans) : null;
    if (!prefScan || !hasGroup(prefScan, HOST_GROUPS)) {
      const prefMlfid = prefScan !== null && hasGroup(prefScan, ['mlfid']);
      failScans.forEach((s) => requireHost(s.scan, s.src, prefMlfid));
    }
    const literals = failScans.map((s) => s.scan.literal);
    this.literals = LiteralCandidates.of(literals);
    // A failregex with `\[\]` reads an access log whose bracketed date is cut out of the line.
    const accessLog = definition.failregex.some((p) => p.pattern.includes('\\[\\]'));
    this.dates = new DateDetector({ datepattern: definition.datepattern, now: options.now, accessLog });
    this.buffer = definition.maxlines > 1 ? new LineBuffer(definition.maxlines) : null;
  }

  /** The verdict for one line; `readTime` stands in for a line without a date. */
  matchLine(line: string, readTime: number): LineResult {
    const date = this.dates.detect(line);
    let text = date ? line.slice(0, date.start) + line.slice(date.end) : line;
    if (this.buffer) text = this.buffer.push(text);
    // After the cut: a pattern's literal may span it (`\[\]` where the date stood).
    // Which patterns the line holds the literal of: none, one or two (V8 alone then tells which
    // match), or more (the RE2 set does).
    const single = this.literals ? this.literals.candidate(text) : SEVERAL;
    if (single === NO_CANDIDATE) return MISSED;
    const time = date ? date.time : readTime;
    const dateFormat = date ? date.format : 'read-time';
    // The prefregex's captures, but its content (made only for a filter with a prefregex).
    let prefCaptures: Record<string, string> | null = null;
    if (this.pref) {
      const pre = run(this.pref, text);
      if (!pre) return MISSED;
      const { content, ...rest } = pre.captures;
      prefCaptures = rest;
      if (content !== undefined) text = content;
    }
    const found = run(this.fail, text, single, this.literals?.second ?? NO_CANDIDATE);
    if (!found) return MISSED;
    const origin = this.fail.alternatives[found.index]!.origin;
    if (this.ignore && run(this.ignore, text)) return ignoredBy(origin, time, dateFormat);
    if (found.more && readsTwoAddresses(this.fail, text, found)) return ignoredBy(origin, time, dateFormat);
    const captures = prefCaptures ? { ...prefCaptures, ...found.captures } : found.captures;
    let host = hostOf(captures);
    // The address of the line, normalised once: the check below and the result share it.
    const lineHost = host;
    let ip = host === undefined ? null : normalizeIp(host);
    // An address field that holds no valid IP (zero-padded, say) is nothing a daemon writes.
    if (host !== undefined && ip === null && isAddressField(captures, host)) return ignoredBy(origin, time, dateFormat);
    let regexIndex = origin;
    if (captures.user === undefined && captures.alt_user) captures.user = captures.alt_user;
    if (captures.mlfid !== undefined) {
      const state = this.connections.get(captures.mlfid);
      if (host !== undefined) this.connections.remember(state, host, captures.user);
      if (captures.mlfgained !== undefined) {
        // A login: an attack only when the same connection failed as other users before.
        if (captures.user === undefined || !this.connections.addUser(state, captures.user)) return ignoredBy(origin, time, dateFormat);
        if (host === undefined) host = state.host;
      } else if (captures.nofail !== undefined) {
        if (host !== undefined && state.pending) {
          // A line that only names the address: it completes a failure seen earlier.
          regexIndex = state.pending.regexIndex;
          if (state.pending.user !== undefined) captures.user = state.pending.user;
          state.pending = undefined;
        } else if (captures.user === undefined || !this.connections.addUser(state, captures.user)) {
          return ignoredBy(origin, time, dateFormat);
        } else {
          // The second user this connection tried: it goes through a list of names.
          if (host === undefined) host = state.host;
        }
      } else if (host === undefined) {
        if (state.host === undefined) {
          state.pending = captures.user === undefined ? { regexIndex } : { regexIndex, user: detach(captures.user) };
          return ignoredBy(origin, time, dateFormat);
        }
        host = state.host;
        if (captures.user === undefined && state.user !== undefined) captures.user = state.user;
      }
    } else if (captures.nofail !== undefined) {
      return ignoredBy(origin, time, dateFormat);
    }
    if (host === undefined) return MISSED;
    // A host taken from an earlier line of the connection was not normalised above.
    if (host !== lineHost) ip = normalizeIp(host);
    if (this.buffer) {
      const alt = this.fail.alternatives[found.index]!;
      const span = matchSpan(spanSource(alt, text), alt.groups, text);
      if (span) this.buffer.consume(span);
    }
    const result: LineResult = { kind: 'failure', host, ip, captures, time, dateFormat, regexIndex };
    if (captures.user !== undefined) result.user = captures.user;
    return result;
  }

  /**
   * matchLine, and for a line that does not count the reason (the console's filter tester). It
   * runs the line through matchLine first, so multi-line state moves on just as when reading a log.
   */
  explain(line: string, readTime: number): LineExplanation {
    const result = this.matchLine(line, readTime);
    const date = this.dates.detect(line);
    const dateFound = date !== null;
    if (result.kind === 'failure') {
      return result.ip === null ? { result, dateFound, why: 'host is a name, not an IP' } : { result, dateFound };
    }
    if (result.kind === 'missed' && !dateFound) return { result, dateFound, why: 'no timestamp found' };
    let text = date ? line.slice(0, date.start) + line.slice(date.end) : line;
    if (this.pref) {
      const pre = run(this.pref, text);
      if (!pre) return { result, dateFound, why: 'prefregex did not match' };
      if (pre.captures.content !== undefined) text = pre.captures.content;
    }
    const found = run(this.fail, text);
    if (result.kind === 'missed') {
      return { result, dateFound, why: found ? 'a failregex matched but captured no host' : 'no failregex matched' };
    }
    const hosts = found ? readings(this.fail, text, found) : [];
    if (hosts.length > 1) {
      return { result, dateFound, why: `ambiguous: the failregexes read ${hosts.join(' and ')} from the line, so it names no address for sure` };
    }
    const first = found ? hostOf(found.captures) : undefined;
    if (found && first !== undefined && isBadAddress(found.captures, first)) {
      return { result, dateFound, why: `the address field holds ${first}, which is no valid IP` };
    }
    const ignoredBy = this.ignore ? run(this.ignore, text) : null;
    if (ignoredBy) return { result, dateFound, ignoreIndex: this.ignore!.alternatives[ignoredBy.index]!.origin, why: `ignored by ignoreregex #${this.ignore!.alternatives[ignoredBy.index]!.origin + 1}` };
    return { result, dateFound, why: 'matched a multi-line part with no failure of its own (<F-MLFID>/<F-NOFAIL>)' };
  }
}

const MISSED: LineResult = Object.freeze({ kind: 'missed' });

function ignoredBy(regexIndex: number, time: number, dateFormat: string): LineResult {
  return { kind: 'ignored', regexIndex, time, dateFormat };
}

/**
 * The addresses the matching failregexes read from a line, each once (compared as IPs): more than
 * one means the line can be read with the client's text in two places, and then it names no
 * address for sure. This is what makes a pair of patterns (the user name is one word, or it runs
 * to the last clause) refuse a line an attacker wrote to be read both ways.
 */
function readings(set: PatternSet, text: string, found: Found): string[] {
  const first = hostOf(found.captures);
  if (first === undefined) return [];
  const hosts = [first];
  const seen = new Set([normalizeIp(first) ?? first]);
  eachLaterHost(set, text, found, (host) => {
    const key = normalizeIp(host) ?? host;
    if (!seen.has(key)) {
      seen.add(key);
      hosts.push(host);
    }
    return false;
  });
  return hosts;
}

/** Whether {@link readings} would give more than one address: the first other one found says so. */
function readsTwoAddresses(set: PatternSet, text: string, found: Found): boolean {
  const first = hostOf(found.captures);
  if (first === undefined) return false;
  let firstKey: string | undefined;
  return eachLaterHost(set, text, found, (host) => {
    // The same text is the same address (most lines): nothing to normalise.
    if (host === first) return false;
    firstKey ??= normalizeIp(first) ?? first;
    return (normalizeIp(host) ?? host) !== firstKey;
  });
}

/** Calls `visit` with the host each later matching pattern reads, until it returns true (then true). */
function eachLaterHost(set: PatternSet, text: string, found: Found, visit: (host: string) => boolean): boolean {
  if (!found.more) return false;
  const alts = set.alternatives;
  const later = found.later ?? alts.map((_, i) => i).slice(found.index + 1);
  for (const i of later) {
    const alt = alts[i]!;
    if (found.later === null && found.plain && alt.literal !== null && !text.includes(alt.literal)) continue;
    // As in run(): V8 takes the captures on plain text, where the two engines agree.
    const m = execAlt(alt, text, found.plain);
    const host = m ? hostOf(capturesOf(alt, m)) : undefined;
    if (host !== undefined && visit(host)) return true;
  }
  return false;
}

/** The host came from an address group (`<ADDR>`, `<IP4>`, `<IP6>`). */
function isAddressField(captures: Record<string, string>, host: string): boolean {
  return captures.ip4 === host || captures.ip6 === host;
}

/** The host came from an address group (`<ADDR>`, `<IP4>`, `<IP6>`) but is no valid IP. */
function isBadAddress(captures: Record<string, string>, host: string): boolean {
  return isAddressField(captures, host) && normalizeIp(host) === null;
}

function hostOf(captures: Record<string, string>): string | undefined {
  for (let i = 0; i < HOST_GROUPS.length; i++) {
    const value = captures[HOST_GROUPS[i]!];
    if (value !== undefined && value !== '') return value;
  }
  return undefined;
}

/** One pattern as RE2 runs it: a failregex may give several (one per conditional's branch). */
interface Scanned {
  src: PatternSource;
  scan: ScannedPattern;
  /** Index of the pattern in its list (failregex, ignoreregex). */
  origin: number;
}

function scanAll(sources: PatternSource[]): Scanned[] {
  return sources.flatMap((src, origin) => scan(src).map((s) => ({ src, scan: s, origin })));
}

/**
 * Expands tags, applies the translation rules (small backreferences, conditionals, lookaheads)
 * and scans the pattern, turning any problem into an error naming file, line and construct.
 */
function scan(src: PatternSource): ScannedPattern[] {
  try {
    return expandConditionals(expandSmallBackreferences(expandTags(src.pattern)))
      .map((variant) => scanPattern(dropImpliedLookaheads(rewriteLookaheads(rotateLoopLookaheads(variant)))));
  } catch (err) {
    if (err instanceof UnsupportedConstruct) {
      throw new FilterError(src.file, src.line, `RE2 cannot run ${err.construct} in: ${src.pattern.trim()}`);
    }
    if (err instanceof UnsupportedTag) {
      throw new FilterError(src.file, src.line, err.message);
    }
    throw err;
  }
}

function hasGroup(scanned: ScannedPattern, names: string[]): boolean {
  return scanned.groups.some((g) => g !== null && names.includes(g));
}

/** A failregex names the address, or a connection id whose other lines do. */
function requireHost(scanned: ScannedPattern, src: PatternSource, prefMlfid: boolean): void {
  if (!hasGroup(scanned, HOST_GROUPS) && !prefMlfid && !hasGroup(scanned, ['mlfid'])) {
    throw new FilterError(src.file, src.line, `failregex has no <HOST> (or <ADDR>, <IP4>, <IP6>, <F-ID>, or an <F-MLFID> to take it from another line): ${src.pattern.trim()}`);
  }
}

function combine(entries: Scanned[]): PatternSet {
  const scans = entries.map((e) => e.scan);
  const alternatives = entries.map(({ src, scan: s, origin }): Alternative => {
    let re2: RE2;
    try {
      re2 = new RE2(s.source);
    } catch (err) {
      throw new FilterError(src.file, src.line, `RE2 cannot compile: ${(err as Error).message}: ${src.pattern.trim()}`);
    }
    const groupIndexes: number[] = [];
    const groupNames: string[] = [];
    s.groups.forEach((name, index) => {
      if (name === null) return;
      groupIndexes.push(index + 1);
      groupNames.push(name);
    });
    const withIndices = s.checks.some((c) => c.avoid !== undefined) ? new RE2(s.source, 'd') : null;
    return {
      re2, js: s.checks.length || s.fixed.length ? null : captureRegExp(s.source), literal: s.literal, groupIndexes, groupNames,
      namesUnique: new Set(groupNames).size === groupNames.length,
      checks: s.checks, source: s.source, groups: s.groups, withIndices, origin,
      fixed: s.fixed, literals: s.fixed.length ? new LiteralPatterns() : null,
    };
  });
  const wrapped = scans.map((s) => `(?:${s.source})`);
  return {
    matcher: scans.length > 1 ? new RE2.Set(scans.map((s) => s.source)) : null,
    any: new RE2(wrapped.join('|')),
    after: wrapped.map(() => null),
    afterLiterals: wrapped.map(() => undefined),
    alternatives,
  };
}

/** The first pattern that matched, its captures, and whether a later pattern matches too. */
interface Found {
  index: number;
  captures: Record<string, string>;
  more: boolean;
  /** The patterns after `index` that RE2 matched too, in order (null when not known: each later one is tried). */
  later: number[] | null;
  /** The line is plain ASCII (V8 and RE2 agree on it). */
  plain: boolean;
}

/** The first pattern (in order) that matches, with its named captures. */
function run(set: PatternSet, text: string, single = SEVERAL, second = NO_CANDIDATE): Found | null {
  if (single >= 0) {
    // The only patterns whose literal the line holds (one, or two in order): on plain text V8
    // reads them as RE2 would, and trying them is quicker than the set's pass.
    const alt = set.alternatives[single]!;
    const other = second >= 0 ? set.alternatives[second]! : null;
    if (alt.js !== null && (other === null || other.js !== null) && isPlainText(text)) {
      const m = execAlt(alt, text, true);
      // Whether the other reads the line too is left to the readings, which try it.
      if (m) return { index: single, captures: capturesOf(alt, m), more: other !== null, later: other !== null ? [second] : NONE, plain: true };
      if (other === null) return null;
      const n = execAlt(other, text, true);
      return n ? { index: second, captures: capturesOf(other, n), more: false, later: NONE, plain: true } : null;
    }
  }
  const matching = matchingOf(set, text);
  if (matching === null) return runEach(set, text, utf8(text));
  return matching.length === 0 ? null : runMatching(set, text, matching);
}

const NONE: number[] = [];
const FIRST = [0];

/**
 * The indexes of the patterns RE2 matches on the text, in order: one DFA pass of the set (a
 * test for a set of one). Null when the set's DFA ran out of memory on the line.
 */
function matchingOf(set: PatternSet, text: string): number[] | null {
  const bytes = utf8(text);
  if (set.matcher === null) return set.any.test(bytes) ? FIRST : NONE;
  let matching: number[];
  try {
    // Almost always one or none.
    matching = set.matcher.match(bytes);
  } catch {
    return null;
  }
  // (The binding sorts them; checked, as the order decides which pattern reads the line.)
  if (matching.length > 1 && !ascending(matching)) matching.sort((x, y) => x - y);
  return matching;
}

function ascending(values: number[]): boolean {
  for (let i = 1; i < values.length; i++) if (values[i - 1]! > values[i]!) return false;
  return true;
}

/** {@link run} given the patterns RE2 matched: the first whose captures V8 (or RE2) confirms. */
function runMatching(set: PatternSet, text: string, matching: number[]): Found | null {
  const alts = set.alternatives;
  const plain = plainOf(text);
  // V8 is quicker at captures; a pattern's own checks may still turn down what RE2 matched.
  for (let pass = plain ? 0 : 1; pass < 2; pass++) {
    const engines = pass === 0;
    for (let k = 0; k < matching.length; k++) {
      const index = matching[k]!;
      const m = execAlt(alts[index]!, text, engines);
      if (!m) continue;
      const more = k < matching.length - 1;
      return { index, captures: capturesOf(alts[index]!, m), more, later: more ? matching.slice(k + 1) : NONE, plain: engines };
    }
  }
  return null;
}

/** {@link run} without the set: a line its DFA could not take. */
function runEach(set: PatternSet, text: string, bytes: Buffer): Found | null {
  if (!set.any.test(bytes)) return null;
  const alts = set.alternatives;
  const plain = plainOf(text);
  for (let index = 0; index < alts.length; index++) {
    const alt = alts[index]!;
    if (plain && alt.literal !== null && !text.includes(alt.literal)) continue;
    // V8 is quicker at captures; should it ever disagree with RE2, RE2 has the last word.
    const m = execAlt(alt, text, plain);
    if (m) return { index, captures: capturesOf(alt, m), more: matchesAfter(set, index, bytes, plain ? text : null), later: null, plain };
  }
  // (Should never happen) V8 found nothing RE2 did: RE2 has the last word.
  for (let index = 0; index < alts.length; index++) {
    const m = execAlt(alts[index]!, text, false);
    if (m) return { index, captures: capturesOf(alts[index]!, m), more: matchesAfter(set, index, bytes, null), later: null, plain: false };
  }
  return null;
}

/**
 * Whether a pattern after `index` matches the line too (almost always not: the later patterns'
 * literals, or one RE2 pass, say so). `plainText` is the line when it is plain ASCII.
 */
function matchesAfter(set: PatternSet, index: number, bytes: Buffer, plainText: string | null): boolean {
  if (index === set.alternatives.length - 1) return false;
  if (plainText !== null) {
    let literals = set.afterLiterals[index];
    if (literals === undefined) {
      literals = literalAlternation(set.alternatives.slice(index + 1).map((a) => a.literal));
      set.afterLiterals[index] = literals;
    }
    if (literals && !literals.test(plainText)) return false;
  }
  let after = set.after[index];
  if (!after) {
    after = new RE2(set.alternatives.slice(index + 1).map((a) => `(?:${a.re2.source})`).join('|'));
    set.after[index] = after;
  }
  return after.test(bytes);
}

/**
 * A line holds one of these literals: escaped literals only, so V8 runs the alternation in one
 * linear pass, 4x faster than a loop of `includes`. Null when a pattern requires no literal.
 */
function literalAlternation(literals: (string | null)[]): RegExp | null {
  if (!literals.every((l): l is string => l !== null)) return null;
  return new RegExp(neededLiterals(literals).map(escapeLiteral).join('|'));
}

/**
 * RE2 works on UTF-8; handed a JS string, the binding converts it at about 1 µs a call, while
 * `Buffer.from` does the same in a sixth of that (and `encodeInto`, into one buffer kept, in a
 * quarter less again). The last conversion is reused for the ignore test.
 */
const encoder = new TextEncoder();
let lastText = '';
let lastBuffer: Buffer = Buffer.alloc(0);
let scratch: Buffer = Buffer.allocUnsafe(64 * 1024);
/**
 * Views of `scratch` by length, for lines of up to VIEWED bytes: making a view costs as much as
 * the conversion. (Bounded: lines of every length would otherwise keep a view each.)
 */
let views: Buffer[] = [];
const VIEWED = 4096;
function utf8(text: string): Buffer {
  if (text !== lastText) {
    // One reused buffer: a fresh one per line would make the GC sweep a million ArrayBuffers.
    if (text.length * 3 > scratch.length) {
      scratch = Buffer.allocUnsafe(text.length * 3);
      views = [];
    }
    const bytes = encoder.encodeInto(text, scratch).written;
    lastText = text;
    lastBuffer = bytes < VIEWED ? (views[bytes] ??= scratch.subarray(0, bytes)) : scratch.subarray(0, bytes);
  }
  return lastBuffer;
}

/** {@link isPlainText}, quicker for the text last converted. */
function plainOf(text: string): boolean {
  // As many bytes as characters: all ASCII, so only two characters can still set the engines apart.
  if (text === lastText && lastBuffer.length === text.length) return !text.includes('\r') && !text.includes('\v');
  return isPlainText(text);
}

function capturesOf(alt: Alternative, m: RegExpExecArray): Record<string, string> {
  const captures: Record<string, string> = {};
  const unique = alt.namesUnique;
  for (let i = 0; i < alt.groupIndexes.length; i++) {
    const value = m[alt.groupIndexes[i]!];
    if (value === undefined) continue;
    const name = alt.groupNames[i]!;
    // The first group of a name that took part in the match gives its value.
    if (unique || captures[name] === undefined) captures[name] = value;
  }
  return captures;
}

/** Reads nothing: compiles a loaded definition. */
export function compileFilter(definition: FilterDefinition, options?: CompileOptions): CompiledFilter {
  return new CompiledFilter(definition, options);
}
