/** What a terminal sends for each key, by the names the console's key tables use. */
export const KEY_BYTES: Record<string, string> = {
  up: '\x1b[A',
  down: '\x1b[B',
  right: '\x1b[C',
  left: '\x1b[D',
  enter: '\r',
  esc: '\x1b',
  tab: '\t',
  'S-tab': '\x1b[Z',
  pgup: '\x1b[5~',
  pgdn: '\x1b[6~',
  home: '\x1b[H',
  end: '\x1b[F',
  backspace: '\x7f',
  delete: '\x1b[3~',
  space: ' ',
};

/** The bytes of a key name, or the text itself for a printable key. */
export function keyBytes(name: string): string {
  return KEY_BYTES[name] ?? name;
}
