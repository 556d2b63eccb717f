import { printable } from '../domain/printable.js';
import { compileFilter, type CompiledFilter } from '../engine/filter/index.js';
import { readLines } from '../engine/source/line-reader.js';
import { IsoCache, jsonString } from './json-text.js';
import { OutputBuffer } from './output-buffer.js';
import { regexFilter, regexLog } from './regex-arguments.js';

/** Options of `portcullis regex`. */
export interface RegexCommandOptions {
  json?: boolean;
  /** Print every failure in the human output too (it is summarised otherwise). */
  verbose?: boolean;
  /** The clock used to place year-less dates; defaults to now. */
  now?: () => number;
  /** Folders searched for a filter given by name, before the shipped ones. */
  filterDirs?: string[];
}

/** What `portcullis regex` counted. */
export interface RegexSummary {
  lines: number;
  matched: number;
  ignored: number;
  missed: number;
  /** Lines longer than MAX_LINE_LENGTH: skipped, not matched. */
  truncated: number;
  perRegex: number[];
  dateFormats: Record<string, number>;
  /** Matches whose host is not an IP: reported, never banned. */
  hostnames: { line: number; host: string }[];
}

/**
 * Runs a filter over a log file like fail2ban-regex. With `json`, failures stream to `out` as
 * they are found, so memory does not grow with the number of matches.
 */
export async function runRegexCommand(
  logfile: string,
  filterName: string,
  options: RegexCommandOptions,
  out: NodeJS.WritableStream = process.stdout,
): Promise<RegexSummary> {
  const dirs = options.filterDirs ?? [];
  const filter = compileFilter(regexFilter(filterName, dirs), { now: options.now });
  const sink = new OutputBuffer(out);
  const summary = newSummary(filter);
  const readTime = (options.now ?? Date.now)();
  // Log lines come in runs with the same time.
  const isoTimes = new IsoCache();
  let first = true;
  if (options.json) sink.write('{"failures":[');
  const log = regexLog(logfile);
  const stats = await readLines(log.path, (line, lineNo) => {
    const result = filter.matchLine(line, readTime);
    if (result.kind === 'missed') {
      summary.missed++;
      return;
    }
    summary.dateFormats[result.dateFormat] = (summary.dateFormats[result.dateFormat] ?? 0) + 1;
    if (result.kind === 'ignored') {
      summary.ignored++;
      return;
    }
    summary.matched++;
    summary.perRegex[result.regexIndex]!++;
    if (result.ip === null && summary.hostnames.length < 1000) summary.hostnames.push({ line: lineNo, host: result.host });
    if (!options.json && !options.verbose) return;
    const time = isoTimes.of(result.time);
    const host = result.ip ?? result.host;
    if (options.json) {
      const user = result.user === undefined ? '' : `,"user":${jsonString(result.user)}`;
      const hostname = result.ip === null ? ',"hostname":true' : '';
      const record = `${first ? '' : ','}{"line":${lineNo},"time":"${time}","host":${jsonString(host)}${user}${hostname}}`;
      first = false;
      return sink.write(record);
    }
    // The user name is whatever the attacker typed: shown escaped, never as terminal commands.
    return sink.write(`${lineNo}: ${time} ${printable(host)}${result.user === undefined ? '' : ` user=${printable(result.user)}`}\n`);
  }).finally(log.done);
  summary.lines = stats.lines;
  summary.truncated = stats.truncated;
  if (options.json) {
    const { lines, matched, ignored, missed } = summary;
    await sink.write(`],"lines":${lines},"matched":${matched},"ignored":${ignored},"missed":${missed}}\n`);
  } else {
    await sink.write(formatSummary(filter, summary));
  }
  await sink.flush();
  return summary;
}

function commonPrefix(patterns: string[]): string {
  if (patterns.length < 2) return '';
  let prefix = patterns[0]!;
  for (const p of patterns) {
    while (!p.startsWith(prefix)) prefix = prefix.slice(0, -1);
  }
  return prefix.length > 20 ? prefix : '';
}

function shown(pattern: string, prefix: string): string {
  const text = pattern.trim();
  const rest = prefix ? `…${text.slice(prefix.length)}` : text;
  // The end of a pattern is what tells it apart; its start is the shared log prefix.
  return rest.length > 100 ? `…${rest.slice(-99)}` : rest;
}

function newSummary(filter: CompiledFilter): RegexSummary {
  return {
    lines: 0, matched: 0, ignored: 0, missed: 0, truncated: 0,
    perRegex: filter.definition.failregex.map(() => 0), dateFormats: {}, hostnames: [],
  };
}

function formatSummary(filter: CompiledFilter, s: RegexSummary): string {
  const def = filter.definition;
  // Filters repeat one long prefix in every pattern; show what tells them apart.
  const prefix = commonPrefix(def.failregex.map((p) => p.pattern.trim()));
  const rows = [
    `Filter: ${printable(def.name)} (${printable(def.file)})`,
    '',
    'Failregex hits:',
    ...def.failregex.map((p, i) => {
      const where = `${p.file.split('/').pop()}:${p.line}`;
      return `  #${String(i + 1).padEnd(3)}${String(s.perRegex[i]).padStart(9)}  ${printable(where).padEnd(20)} ${printable(shown(p.pattern, prefix))}`;
    }),
    '',
    'Date formats seen:',
    ...Object.entries(s.dateFormats).map(([f, n]) => `  ${String(n).padStart(8)}  ${printable(f)}`),
    '',
    `Lines: ${s.lines} lines, ${s.ignored} ignored, ${s.matched} matched, ${s.missed} missed`,
  ];
  if (s.truncated) rows.push(`Skipped: ${s.truncated} lines longer than 64 Ki characters (not matched: cut short, a line could end with an address written into it)`);
  if (s.hostnames.length) {
    rows.push('', 'Matched a hostname, not an IP (reported, never banned):');
    rows.push(...s.hostnames.slice(0, 20).map((h) => `  line ${h.line}: ${printable(h.host)}`));
  }
  return `${rows.join('\n')}\n`;
}
