import { readFileSync } from 'node:fs';

/**
 * Reader of fail2ban-style annotated sample logs (`# failJSON: {...}` before a log line), with the
 * rules of fail2ban's tests/samplestestcase.py for which entries a filter in its default mode is
 * held to.
 */

/** The JSON of one `# failJSON:` annotation; fail2ban may add other capture keys. */
export interface FailJson {
  match?: boolean;
  host?: string;
  /** Local time, `%Y-%m-%dT%H:%M:%S` with optional `.%f`. */
  time?: string;
  user?: string;
  desc?: string;
  /** A Python expression fail2ban evaluates per option set; we cannot, so such entries are out of scope. */
  constraint?: string;
  logtype?: string;
  [key: string]: unknown;
}

/** One log line of a sample, with what it is expected to give. */
export interface SampleEntry {
  /** 1-based line number of the log line in the sample file. */
  lineNo: number;
  line: string;
  /** Whether a failJSON annotated it. fail2ban still checks an unannotated line: it must not fail. */
  annotated: boolean;
  json: FailJson;
  /** fail2ban's `faildata.get('match', False)`. */
  expectMatch: boolean;
  /** Whether a filter run with its default options is held to this entry. */
  inDefaultScope: boolean;
  /** Why not, when out of scope. */
  outOfScopeReason?: string;
}

export interface ParseOptions {
  /** The filter's default `mode` (fail2ban's filters say `mode = normal`, postfix `more`). */
  defaultMode?: string;
  /** The filter's name, for `test.condition` expressions like `name=='sshd'`. */
  filterName?: string;
}

/** fail2ban's own pattern for annotation comments. */
const ANNOTATION = /^#+ ?(failJSON|(?:file|filter)Options|addFILE):(.+)$/;

type OptionSet = Record<string, unknown>;

/** What the current filterOptions block means for the default options. */
interface BlockScope {
  inScope: boolean;
  reason?: string;
  /** Every option set was dropped by a false `test.condition`: fail2ban checks nothing here. */
  ignored: boolean;
}

const DEFAULT_BLOCK: BlockScope = { inScope: true, ignored: false };

/** Parses a sample log's text; throws on malformed JSON or a failJSON with no log line after it. */
export function parseSampleLog(text: string, options: ParseOptions = {}, fileName = 'sample'): SampleEntry[] {
  const defaultMode = options.defaultMode ?? 'normal';
  const lines = text.split('\n').map((l) => l.replace(/\r$/, ''));
  if (lines.length && lines[lines.length - 1] === '') lines.pop();
  const entries: SampleEntry[] = [];
  let fileOptions: OptionSet = {};
  let block = DEFAULT_BLOCK;
  let pending: { json: FailJson; lineNo: number } | null = null;

  lines.forEach((line, index) => {
    const lineNo = index + 1;
    const where = `${fileName}:${lineNo}`;
    const annotation = ANNOTATION.exec(line);
    if (annotation) {
      const kind = annotation[1]!;
      const value = parseJson(annotation[2]!, where);
      if (kind === 'failJSON') {
        if (pending) throw new Error(`${fileName}:${pending.lineNo}: failJSON has no log line before the next failJSON`);
        if (!isObject(value)) throw new Error(`${where}: failJSON is not an object`);
        pending = { json: value as FailJson, lineNo };
      } else if (kind === 'fileOptions') {
        // fail2ban merges these into every option set of the filterOptions blocks that follow.
        if (!isObject(value)) throw new Error(`${where}: fileOptions is not an object`);
        fileOptions = value;
      } else if (kind === 'filterOptions') {
        const sets = Array.isArray(value) ? value : [value];
        if (!sets.every(isObject)) throw new Error(`${where}: filterOptions is not an object or a list of objects`);
        block = scopeOfBlock(sets.map((s) => ({ ...fileOptions, ...s })), defaultMode, options.filterName);
      }
      // addFILE pulls in another sample (sshd-journal); those are journal-format, so not followed.
      return;
    }
    // fail2ban reads the annotated line as the very next one; skipping comments and blanks here
    // only differs from that for malformed samples, and then reads better.
    if (line.startsWith('#') || line.trim() === '') return;
    if (block.ignored) {
      pending = null;
      return;
    }
    const json: FailJson = pending ? pending.json : {};
    const entry: SampleEntry = {
      lineNo,
      line,
      annotated: pending !== null,
      json,
      expectMatch: json.match === true,
      inDefaultScope: block.inScope,
    };
    pending = null;
    const reason = block.inScope ? scopeOfEntry(json) : block.reason;
    if (reason) {
      entry.inDefaultScope = false;
      entry.outOfScopeReason = reason;
    }
    entries.push(entry);
  });
  const last = pending as { lineNo: number } | null;
  if (last) throw new Error(`${fileName}:${last.lineNo}: failJSON at the end of the file annotates nothing`);
  return entries;
}

/** Reads and parses a sample log file. */
export function readSampleLog(path: string, options: ParseOptions = {}): SampleEntry[] {
  return parseSampleLog(readFileSync(path, 'utf8'), options, path);
}

/**
 * An annotation time as epoch ms in the process's local zone, like fail2ban's
 * `time.mktime(strptime(...))` (fractions below a millisecond are dropped).
 */
export function parseSampleTime(text: string): number {
  // Python's strptime takes one or two digits for every field but the year (postfix: "2005-03-7T...").
  const m = /^(\d{4})-(\d{1,2})-(\d{1,2})T(\d{1,2}):(\d{1,2}):(\d{1,2})(?:\.(\d{1,6}))?$/.exec(text);
  if (!m) throw new Error(`annotation time is not %Y-%m-%dT%H:%M:%S[.%f]: ${text}`);
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const ms = m[7] ? Math.floor(Number(`0.${m[7]}`) * 1000) : 0;
  return new Date(y, mo - 1, d, h, mi, s, ms).getTime();
}

/** Epoch ms as local `%Y-%m-%dT%H:%M:%S[.mmm]`, the annotations' own form, for messages. */
export function formatSampleTime(ms: number): string {
  const d = new Date(ms);
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  const base = `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
  return d.getMilliseconds() ? `${base}.${p(d.getMilliseconds(), 3)}` : base;
}

/** The `mode = ...` default written in a filter file's text, or `normal`. */
export function defaultModeInText(filterText: string): string {
  return /^[ \t]*mode[ \t]*=[ \t]*(\S+)/m.exec(filterText)?.[1] ?? 'normal';
}

function scopeOfBlock(sets: OptionSet[], defaultMode: string, filterName: string | undefined): BlockScope {
  const kept: OptionSet[] = [];
  for (const set of sets) {
    const condition = set['test.condition'];
    if (condition !== undefined) {
      const holds = evalNameCondition(String(condition), filterName);
      if (holds === undefined) return { inScope: false, ignored: false, reason: `test.condition we cannot evaluate: ${String(condition)}` };
      if (!holds) continue;
    }
    kept.push(set);
  }
  if (kept.length === 0) return { inScope: false, ignored: true, reason: 'test.condition false' };
  // Every set runs over every line, so one default set is enough to hold the entry to the default filter.
  if (kept.some((set) => isDefaultSet(set, defaultMode))) return DEFAULT_BLOCK;
  return { inScope: false, ignored: false, reason: `filterOptions ${JSON.stringify(kept.map(withoutTestKeys))}` };
}

function isDefaultSet(set: OptionSet, defaultMode: string): boolean {
  return Object.entries(withoutTestKeys(set)).every(
    ([key, value]) => (key === 'mode' && value === defaultMode) || (key === 'logtype' && value === 'file'),
  );
}

/** fail2ban passes a set to the filter without its `test.` keys. */
function withoutTestKeys(set: OptionSet): OptionSet {
  return Object.fromEntries(Object.entries(set).filter(([key]) => !key.startsWith('test.')));
}

function scopeOfEntry(json: FailJson): string | undefined {
  if (json.constraint !== undefined) return `constraint: ${json.constraint}`;
  if (json.logtype !== undefined && json.logtype !== 'file') return `logtype ${json.logtype}`;
  return undefined;
}

/** The only test.condition form the samples use: `name=='sshd'` (or `!=`). */
function evalNameCondition(condition: string, filterName: string | undefined): boolean | undefined {
  const m = /^\s*name\s*(==|!=)\s*(['"])([^'"]*)\2\s*$/.exec(condition);
  if (!m || filterName === undefined) return undefined;
  return m[1] === '==' ? filterName === m[3] : filterName !== m[3];
}

function parseJson(text: string, where: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new Error(`${where}: ${(err as Error).message}`);
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
