import type { DateMatch } from './types.js';
import { compileDatePattern, PREVIOUS_DATE, type DatePattern } from './date-pattern.js';
import { fractionMs, fromParts, inferYear } from './date-parts.js';
import { readPlainSyslogDate, type SyslogFields } from './syslog-date.js';

const MONTHS: Record<string, number> = {
  jan: 0, feb: 1, mar: 2, apr: 3, may: 4, jun: 5, jul: 6, aug: 7, sep: 8, oct: 9, nov: 10, dec: 11,
};
const MON = '(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)';
const DAY = '(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)';
const ZONE = String.raw`(?:\s?(Z(?!\w)|[+-]\d{2}(?::?\d{2})?(?![\w:])))?`;

/** The built-in formats. These are our own fixed patterns, linear for V8's engine. */
const FORMATS: { name: string; re: RegExp }[] = [
  { name: 'iso8601', re: new RegExp(String.raw`(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:[.,](\d{1,9}))?` + ZONE, 'y') },
  { name: 'syslog', re: new RegExp(String.raw`(?:${DAY} )?${MON} {1,2}(\d{1,2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?: (\d{4})(?=[\s\]]|$))?`, 'y') },
  { name: 'clf', re: new RegExp(String.raw`(\d{2})/${MON}/(\d{4}):(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?: ([+-]\d{4}))?`, 'y') },
  { name: 'ymd-slash', re: new RegExp(String.raw`(\d{4})/(\d{2})/(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?`, 'y') },
  { name: 'epoch', re: /(\d{10})(?:\.(\d{1,9}))?(?![\d])/y },
  { name: 'tai64n', re: /@([0-9a-f]{24})/y },
];

/** Common log format's date, zone included. */
const CLF = FORMATS.find((f) => f.name === 'clf')!.re;
/** Host (an IPv4 or IPv6 address), ident and user of an access log line, then the `[` of its date. */
const ACCESS_LOG_HEAD = /^(?:\d{1,3}(?:\.\d{1,3}){3}|[\dA-Fa-f]*:[\dA-Fa-f:.]+) \S+ \S+ \[/;

/*
 * Only a date at the start of a line is taken (or an access log's, in its own place). Further into a line, date-shaped text may be the
 * client's (a user name typed at a login prompt, a URL, a journal message's text); taken as the
 * line's time it would back-date the failure out of findtime, and the attacker would never be
 * banned. Filters for logs whose date stands elsewhere say where with a `datepattern`: an access
 * log's `\[%d/%b/%Y:%H:%M:%S %z\] "` is safe, since servers escape quotes in client text.
 */
/** Where a date may start: after a syslog priority `<38>` (and an RFC 5424 version), spaces, `[`. */
const LEAD = /^<\d{1,3}>(?:\d{1,2} )?/;

/** Options of a date detector. */
export interface DateDetectorOptions {
  /** Lines from a filter's `datepattern`; when given, only these are tried. */
  datepattern?: { pattern: string; file: string; line: number }[];
  /** The clock: year-less dates are placed so they are never more than a day ahead of it. */
  now?: () => number;
  /** Also an access log's date in its own place (`host ident user [date] "`), for filters written for one. */
  accessLog?: boolean;
}

/**
 * Finds the timestamp at the start of a log line: syslog (year inferred), ISO 8601 / RFC 3339
 * with zone, nginx error log `YYYY/MM/DD`, Apache error log, epoch seconds, TAI64N; or an access log's
 * `[24/Nov/2026:10:00:00 +0000]`; or what the filter's `datepattern` says. Remembers the last
 * date text, since consecutive lines usually share it.
 */
export class DateDetector {
  private readonly now: () => number;
  private readonly patterns: DatePattern[] | null;
  /** The last date a datepattern found, for lines that go with it. */
  private previous: number | undefined;
  private lastText = '';
  private lastTime = 0;
  private lastFormat = 0;
  private readonly fields: SyslogFields = { month: 0, day: 0, hour: 0, minute: 0, second: 0 };
  private plainKey = -1;
  private plainBase = 0;

  constructor(options: DateDetectorOptions = {}) {
    this.now = options.now ?? Date.now;
    this.accessLog = options.accessLog ?? false;
    // `{^LN-BEG}` alone means "the usual formats, at the start of the line": the built-in
    // detection, then every form `{DATE}` stands for, still only at the start of the line.
    // In a list of patterns, a `{^LN-BEG}` line stands for that same detection at its place.
    const given = options.datepattern ?? [];
    const usual: DatePattern = { match: (line) => this.builtIn(line) ?? this.lineStart.match(line, this.now()) };
    const patterns = given.every((p) => p.pattern.trim() === '{^LN-BEG}') ? [] : given;
    this.patterns = patterns.length ? patterns.map((p) => (p.pattern.trim() === '{^LN-BEG}' ? usual : compileDatePattern(p))) : null;
    // Also after one leading bracketed token with no spaces (`[28325:00010-3735542592] 22-06-2014
    // 09:56:12`): a process tag the server writes first on the line, before any client text.
    this.lineStart = compileDatePattern({ pattern: '^(?:\\[[^\\]\\s]{1,64}\\]\\s+)?\\W{0,2}({DATE})', file: '(built-in)', line: 0 });
  }

  private readonly lineStart: DatePattern;
  private readonly accessLog: boolean;

  /** The line's date, or null when it has none. */
  detect(line: string): DateMatch | null {
    if (this.patterns) {
      for (const p of this.patterns) {
        const found = p.match(line, this.now());
        if (found === undefined) continue;
        if (found === null) return null;
        if (found.format !== PREVIOUS_DATE) {
          this.previous = found.time;
          return found;
        }
        return this.previous === undefined ? null : { ...found, time: this.previous };
      }
      return null;
    }
    return this.builtIn(line) ?? this.lineStart.match(line, this.now()) ?? (this.accessLog ? this.accessLogDate(line) : null);
  }

  /**
   * An access log's date in its fixed place, the fourth field: `host ident user [date] "`, the
   * host an address. Only for filters written for such logs (a failregex with `\[\]`): the
   * fields before it hold no spaces and the date does (before its zone), and servers escape
   * quotes in client text, so no client can put a date of its own there.
   */
  private accessLogDate(line: string): DateMatch | null {
    const head = ACCESS_LOG_HEAD.exec(line);
    if (!head) return null;
    const start = head[0].length;
    CLF.lastIndex = start;
    const m = CLF.exec(line);
    if (!m || m[8] === undefined || !line.startsWith('] "', start + m[0].length)) return null;
    return this.toMatch('clf', m, start);
  }

  private builtIn(line: string): DateMatch | null {
    let start = line.charCodeAt(0) === 60 ? (LEAD.exec(line)?.[0].length ?? 0) : 0;
    while (line.charCodeAt(start) === 32 || line.charCodeAt(start) === 91) start++;
    const end = readPlainSyslogDate(line, start, this.fields);
    if (end > 0) {
      const time = this.plainSyslogTime();
      return isPlausible(time) ? { time, start, end, format: 'syslog' } : null;
    }
    // Lines of one log share a format: try the last one that worked first.
    for (let k = 0; k < FORMATS.length; k++) {
      const index = k === 0 ? this.lastFormat : k === this.lastFormat ? 0 : k;
      const format = FORMATS[index]!;
      format.re.lastIndex = start;
      const m = format.re.exec(line);
      if (m) {
        this.lastFormat = index;
        return this.toMatch(format.name, m, start);
      }
    }
    return null;
  }

  private toMatch(format: string, m: RegExpExecArray, start: number): DateMatch | null {
    const text = m[0];
    const time = this.cachedTime(format, text, m);
    if (!isPlausible(time)) return null;
    return { time, start, end: start + text.length, format };
  }

  private cachedTime(format: string, text: string, m: RegExpExecArray): number {
    if (text === this.lastText) return this.lastTime;
    const time = format === 'syslog' && !m[7] ? this.regexSyslogTime(m) : parseParts(format, m);
    this.lastText = text;
    this.lastTime = time;
    return time;
  }

  /** A year-less syslog date the regex read (weekday or fraction): same cache as the fast path. */
  private regexSyslogTime(m: RegExpExecArray): number {
    const f = this.fields;
    f.month = MONTHS[m[1]!.toLowerCase()]!;
    f.day = Number(m[2]);
    f.hour = Number(m[3]);
    f.minute = Number(m[4]);
    f.second = Number(m[5]);
    return this.plainSyslogTime() + (m[6] ? fractionMs(m[6]) : 0);
  }

  /** The time of the syslog date in `fields`; local time is worked out once a minute of log. */
  private plainSyslogTime(): number {
    const f = this.fields;
    const key = ((f.month * 32 + f.day) * 24 + f.hour) * 60 + f.minute;
    if (key !== this.plainKey) {
      this.plainBase = inferYear(this.now(), (year) => fromParts(year, f.month, f.day, f.hour, f.minute, 0, 0, undefined));
      this.plainKey = key;
    }
    return f.second > 60 ? Number.NaN : this.plainBase + f.second * 1000;
  }

}

/** 1970 to 2200: anything else is garbage that happens to look like a date (and breaks ISO output). */
function isPlausible(time: number): boolean {
  return time >= 0 && time < 7_258_118_400_000;
}

function parseParts(format: string, m: RegExpExecArray): number {
  const n = (i: number): number => Number(m[i] ?? 0);
  const ms = (i: number): number => (m[i] ? fractionMs(m[i]) : 0);
  switch (format) {
    case 'iso8601':
      return fromParts(n(1), n(2) - 1, n(3), n(4), n(5), n(6), ms(7), m[8]);
    case 'ymd-slash':
      return fromParts(n(1), n(2) - 1, n(3), n(4), n(5), n(6), ms(7), undefined);
    case 'clf':
      return fromParts(n(3), MONTHS[m[2]!.toLowerCase()]!, n(1), n(4), n(5), n(6), ms(7), m[8]);
    case 'epoch':
      return n(1) * 1000 + ms(2);
    case 'tai64n':
      // '4' then 15 hex digits of seconds (the TAI64 label 2^62 + s; as fail2ban, TAI taken as UTC).
      return parseInt(m[1]!.slice(1, 16), 16) * 1000;
    case 'syslog':
      return fromParts(n(7), MONTHS[m[1]!.toLowerCase()]!, n(2), n(3), n(4), n(5), ms(6), undefined);
    default:
      return Number.NaN;
  }
}
