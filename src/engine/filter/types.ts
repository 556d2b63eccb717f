/** A pattern as read from a filter file, with where it came from. */
export interface PatternSource {
  /** The pattern text after `%(name)s` interpolation, before tag expansion. */
  pattern: string;
  /** The filter file it was read from. */
  file: string;
  /** 1-based line of that file. */
  line: number;
}

/** A filter file after includes and interpolation, not yet compiled. */
export interface FilterDefinition {
  /** The filter's name: the file name without `.conf`/`.local`. */
  name: string;
  /** The main filter file. */
  file: string;
  failregex: PatternSource[];
  ignoreregex: PatternSource[];
  prefregex?: PatternSource;
  /** Patterns from `datepattern`, one per line (fail2ban strptime style or a regex). */
  datepattern: PatternSource[];
  /** `maxlines` (`[Init]`, then `[Definition]`): how many lines the failregexes run over together. */
  maxlines: number;
  /** Every resolved `[Definition]`/`[Init]` value, for the console's filter editor. */
  values: Record<string, string>;
}

/** How a detected timestamp was found. */
export interface DateMatch {
  /** Milliseconds since the epoch. */
  time: number;
  /** Offsets of the date text in the line, so it can be cut out before matching. */
  start: number;
  end: number;
  /** A short name of the format, e.g. `syslog`, `iso8601`, `clf`, `epoch`, or the datepattern. */
  format: string;
}

/** One line's verdict from a filter. */
export type LineResult =
  | {
      kind: 'failure';
      /** The captured host text as written in the log. */
      host: string;
      /** The host as a normalised IP (IPv4-mapped IPv6 becomes IPv4), or null for a hostname. */
      ip: string | null;
      /** The `<F-USER>` capture, when the regex has one. */
      user?: string;
      /** Every `<F-NAME>` capture by lower-case name (`user`, `mlfid`, ...). */
      captures: Record<string, string>;
      /** Timestamp in ms: the line's own date, or the read time when it has none. */
      time: number;
      /** Which format gave the time, or `read-time`. */
      dateFormat: string;
      /** Index into `FilterDefinition.failregex` of the regex that matched. */
      regexIndex: number;
    }
  | { kind: 'ignored'; regexIndex: number; time: number; dateFormat: string }
  | { kind: 'missed' };

