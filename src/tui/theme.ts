/** The console's colours by meaning; none at all when `NO_COLOR` is set (https://no-color.org). */
export type Tone = 'accent' | 'good' | 'bad' | 'warn' | 'muted' | 'draft';

const COLOURS: Record<Tone, string> = {
  accent: 'cyan',
  good: 'green',
  bad: 'red',
  warn: 'yellow',
  muted: 'gray',
  draft: 'magenta',
};

let noColor = process.env['NO_COLOR'] !== undefined && process.env['NO_COLOR'] !== '';

/** Turns colours off or on (tests; the console reads `NO_COLOR` at start). */
export function setNoColor(value: boolean): void {
  noColor = value;
}

/** Ink `color` prop for a tone, or undefined (the terminal's own colour) without colours. */
export function tone(name: Tone): string | undefined {
  return noColor ? undefined : COLOURS[name];
}
