import { LISTS_CHAIN } from './names.js';
import { ruleChain, type SavedTable } from './save-parser.js';

/** The restore lines that remove the blocklists' chain and every jump to it from one table, or none. */
export function listChainStopLines(table: SavedTable): string[] {
  const body: string[] = [];
  for (const rule of table.rules) {
    if (ruleChain(rule) !== LISTS_CHAIN && rule.endsWith(` -j ${LISTS_CHAIN}`)) body.push(rule.replace(/^-A /, '-D '));
  }
  if (table.chains.includes(LISTS_CHAIN)) body.push(`-F ${LISTS_CHAIN}`, `-X ${LISTS_CHAIN}`);
  return body.length === 0 ? [] : [`*${table.name}`, ...body, 'COMMIT'];
}
