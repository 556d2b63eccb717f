/**
 * portcullis(8), written from the program's own `--help` texts, so the page and the help never
 * disagree: the root help gives NAME, SYNOPSIS, DESCRIPTION and OPTIONS; each command's help a
 * part of COMMANDS; the text after the root help (exit status, environment, files) the sections
 * of those names.
 */

/** One `  term   description` entry of a help section. */
export interface HelpEntry {
  term: string;
  description: string;
}

/** A help text cut into its parts. */
export interface ParsedHelp {
  usage: string;
  description: string;
  /** Sections by heading ("Options", "Commands", "Arguments", "Exit status", ...). */
  sections: Map<string, HelpEntry[]>;
}

/** Cuts a commander help text (and the text added after it) into usage, description and sections. */
export function parseHelp(text: string): ParsedHelp {
  const lines = text.split('\n');
  const usage = (lines.shift() ?? '').replace(/^Usage:\s*/, '');
  const description: string[] = [];
  const sections = new Map<string, HelpEntry[]>();
  let current: HelpEntry[] | null = null;
  for (const line of lines) {
    const heading = /^([A-Z][A-Za-z ]*):$/.exec(line);
    if (heading) {
      current = [];
      sections.set(heading[1]!, current);
      continue;
    }
    if (current === null) {
      if (line.trim() !== '') description.push(line.trim());
      continue;
    }
    const entry = /^ {2}(\S+(?: \S+)*)(?: {2,}(.*))?$/.exec(line);
    if (entry) current.push({ term: entry[1]!, description: (entry[2] ?? '').trim() });
    else if (line.trim() !== '' && current.length > 0) {
      const last = current[current.length - 1]!;
      last.description = `${last.description} ${line.trim()}`.trim();
    }
  }
  return { usage, description: description.join(' '), sections };
}

/** Text made safe for roff: backslashes, and a leading dot or quote that would read as a request. */
export function roffText(text: string): string {
  return text.replace(/\\/g, '\\e').replace(/-/g, '\\-').replace(/^([.'])/, '\\&$1');
}

function entries(list: HelpEntry[] | undefined, bold: boolean): string[] {
  return (list ?? []).flatMap((e) => ['.TP', bold ? `.B ${roffText(e.term)}` : roffText(e.term), roffText(e.description)]);
}

/** Help texts by command path: '' is the program, 'firewall apply' a subcommand. */
export type HelpTexts = Map<string, string>;

/** The command paths, root first, found by reading each help's Commands section. */
export function commandPaths(helpOf: (path: string[]) => string): HelpTexts {
  const texts: HelpTexts = new Map();
  const walk = (path: string[]): void => {
    const text = helpOf(path);
    texts.set(path.join(' '), text);
    for (const entry of parseHelp(text).sections.get('Commands') ?? []) {
      const name = entry.term.split(' ')[0]!;
      if (name === 'help') continue;
      walk([...path, name]);
    }
  };
  walk([]);
  return texts;
}

/** The page, in man(7) roff. */
export function manPage(texts: HelpTexts, version: string, date: string): string {
  const root = parseHelp(texts.get('') ?? '');
  const name = root.usage.split(' ')[0] ?? 'portcullis';
  const out = [
    `.TH ${name.toUpperCase()} 8 "${date}" "${name} ${version}" "System Administration"`,
    '.SH NAME',
    `${name} \\- ${roffText(root.description)}`,
    '.SH SYNOPSIS',
    `.B ${name}`,
    roffText(root.usage.slice(name.length).trim()),
    '.SH DESCRIPTION',
    roffText(`${root.description}.`),
    'Without a command it opens the console on a terminal, or runs the engine headless with',
    '.BR \\-\\-daemon ,',
    'as the systemd unit',
    '.I portcullis.service',
    'does. The commands below talk to a running daemon through its control socket, or act on',
    'the state directly when none answers.',
    '.SH OPTIONS',
    ...entries(root.sections.get('Options'), true),
    '.SH COMMANDS',
  ];
  for (const [path, text] of texts) {
    if (path === '') continue;
    const help = parseHelp(text);
    out.push(`.SS "${roffText(help.usage)}"`, roffText(help.description));
    if (help.sections.has('Arguments')) out.push('.PP', 'Arguments:', '.RS', ...entries(help.sections.get('Arguments'), false), '.RE');
    const options = (help.sections.get('Options') ?? []).filter((o) => !o.term.startsWith('-h, --help'));
    if (options.length > 0) out.push('.PP', 'Options:', '.RS', ...entries(options, true), '.RE');
  }
  for (const [heading, section] of [['Exit status', 'EXIT STATUS'], ['Environment', 'ENVIRONMENT'], ['Files', 'FILES']] as const) {
    out.push(`.SH ${section}`, ...entries(root.sections.get(heading), heading !== 'Exit status'));
  }
  out.push('.SH SEE ALSO', '.BR systemctl (1),', '.BR journalctl (1),', '.BR nft (8),', '.BR iptables (8),', '.BR ipset (8)', '');
  return out.join('\n');
}
