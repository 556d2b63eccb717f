import RE2 from 're2';
import { DateDetector } from './date-detector.js';
import { normalizeIp } from './host.js';
import { FilterError } from './ini-reader.js';
import { scanPattern, UnsupportedConstruct, type ScannedPattern } from './regex-scanner.js';
import { expandTags, UnsupportedTag } from './tags.js';
import type { FilterDefinition, LineResult, PatternSource } from './types.js';

/** Capture names that hold the address. */
const HOST_GROUPS = ['ip4', 'ip6', 'dns', 'host', 'fid'];

/** Several patterns joined into one RE2 alternation; a marker group tells which one matched. */
interface Combined {
  re: RE2;
  /** For each alternative: index of its marker group, then its group names by index. */
  alternatives: { marker: number; groups: Map<number, string> }[];
}

/** Options of a compiled filter. */
export interface CompileOptions {
  /** The clock used to place year-less dates. */
  now?: () => number;
  /** Extra ignore patterns (a jail's `ignoreregex`). */
  extraIgnoreregex?: PatternSource[];
}

/**
 * A filter ready to run: every failregex in one RE2 alternation (one call per line, leftmost
 * regex wins as in fail2ban's loop), a literal prefilter that skips lines no regex can match,
 * and one date pass per line.
 */
export class CompiledFilter {
  readonly name: string;
  private readonly fail: Combined;
  private readonly ignore: Combined | null;
  private readonly pref: Combined | null;
  private readonly literals: string[] | null;
  private readonly dates: DateDetector;

  constructor(readonly definition: FilterDefinition, options: CompileOptions = {}) {
    this.name = definition.name;
    const ignore = [...definition.ignoreregex, ...(options.extraIgnoreregex ?? [])];
    const failScans = definition.failregex.map(scan);
    this.fail = combine(definition.failregex, failScans);
    this.ignore = ignore.length ? combine(ignore, ignore.map(scan)) : null;
    this.pref = definition.prefregex ? combine([definition.prefregex], [scan(definition.prefregex)]) : null;
    if (!this.pref) {
      failScans.forEach((s, i) => requireHost(s, definition.failregex[i]!));
    }
    const literals = failScans.map((s) => s.literal);
    this.literals = literals.every((l): l is string => l !== null) ? [...new Set(literals)] : null;
    this.dates = new DateDetector({ datepattern: definition.datepattern, now: options.now });
  }

  /** The verdict for one line; `readTime` stands in for a line without a date. */
  matchLine(line: string, readTime: number): LineResult {
    if (this.literals && !this.literals.some((l) => line.includes(l))) return { kind: 'missed' };
    const date = this.dates.detect(line);
    const time = date ? date.time : readTime;
    const dateFormat = date ? date.format : 'read-time';
    let text = date ? line.slice(0, date.start) + line.slice(date.end) : line;
    let captures: Record<string, string> = {};
    if (this.pref) {
      const pre = run(this.pref, text);
      if (!pre) return { kind: 'missed' };
      const { content, ...rest } = pre.captures;
      captures = rest;
      if (content !== undefined) text = content;
    }
    const found = run(this.fail, text);
    if (!found) return { kind: 'missed' };
    if (this.ignore && this.ignore.re.test(text)) return { kind: 'ignored', regexIndex: found.index, time, dateFormat };
    captures = { ...captures, ...found.captures };
    if (captures.nofail !== undefined) return { kind: 'ignored', regexIndex: found.index, time, dateFormat };
    const host = HOST_GROUPS.map((g) => captures[g]).find((v) => v !== undefined && v !== '');
    if (host === undefined) return { kind: 'missed' };
    const result: LineResult = {
      kind: 'failure',
      host,
      ip: normalizeIp(host),
      captures,
      time,
      dateFormat,
      regexIndex: found.index,
    };
    if (captures.user !== undefined) result.user = captures.user;
    return result;
  }
}

/** Expands tags and scans a pattern, turning any problem into an error naming file and line. */
function scan(src: PatternSource): ScannedPattern {
  try {
    return scanPattern(expandTags(src.pattern));
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

function requireHost(scanned: ScannedPattern, src: PatternSource): void {
  if (!scanned.groups.some((g) => g !== null && HOST_GROUPS.includes(g))) {
    throw new FilterError(src.file, src.line, `failregex has no <HOST> (or <ADDR>, <IP4>, <IP6>, <F-ID>): ${src.pattern.trim()}`);
  }
}

function combine(sources: PatternSource[], scans: ScannedPattern[]): Combined {
  const alternatives: Combined['alternatives'] = [];
  let next = 1;
  const parts = scans.map((s, i) => {
    try {
      // Compile each alone first, so an error names the one pattern and its line.
      new RE2(s.source);
    } catch (err) {
      const src = sources[i]!;
      throw new FilterError(src.file, src.line, `RE2 cannot compile: ${(err as Error).message}: ${src.pattern.trim()}`);
    }
    const marker = next++;
    const groups = new Map<number, string>();
    for (const name of s.groups) {
      if (name !== null) groups.set(next, name);
      next++;
    }
    alternatives.push({ marker, groups });
    return `(?:()${s.source})`;
  });
  return { re: new RE2(parts.join('|')), alternatives };
}

function run(combined: Combined, text: string): { index: number; captures: Record<string, string> } | null {
  const m = combined.re.exec(text);
  if (!m) return null;
  const index = combined.alternatives.findIndex((a) => m[a.marker] !== undefined);
  const alt = combined.alternatives[index]!;
  const captures: Record<string, string> = {};
  for (const [group, name] of alt.groups) {
    const value = m[group];
    if (value !== undefined && captures[name] === undefined) captures[name] = value;
  }
  return { index, captures };
}

/** Reads nothing: compiles a loaded definition. */
export function compileFilter(definition: FilterDefinition, options?: CompileOptions): CompiledFilter {
  return new CompiledFilter(definition, options);
}
