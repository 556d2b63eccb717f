/** Where a trusted range came from, as every front end names it. */
export const TRUSTED_ORIGIN_LABELS = { builtin: 'this host', config: 'config file', runtime: 'added at run time' } as const;

/** "1 rule", "2 rules". */
export function plural(n: number, word: string, many = `${word}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? word : many}`;
}
