import { BANS_CHAIN, BANS_HOOK, OWN_CHAINS, RULES_CHAIN, setName, type Family } from './names.js';
import { isOwnJump, ruleChain, type SavedTable } from './save-parser.js';

/** What PORTCULLIS-BANS holds: trusted ranges return first, then banned sources drop. */
export function bansChainLines(family: Family): string[] {
  return [
    `-A ${BANS_CHAIN} -m set --match-set ${setName('trusted', family)} src -j RETURN`,
    `-A ${BANS_CHAIN} -m set --match-set ${setName('bans', family)} src -j DROP`,
  ];
}

function jump(chain: string, target: string): string {
  return `-A ${chain} -j ${target}`;
}

function sameLines(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((line, i) => line === b[i]);
}

/**
 * Lines that make `hook` start with exactly `head` (our jumps, in order) and hold no other jump of
 * ours; none when it already does. Misplaced or duplicate jumps of ours are removed first.
 */
function hookLines(rules: string[], hook: string, head: string[]): string[] {
  const inHook = rules.filter((r) => ruleChain(r) === hook);
  const ours = inHook.filter(isOwnJump);
  if (sameLines(inHook.slice(0, head.length), head) && ours.length === head.length) return [];
  return [...ours.map((rule) => rule.replace(/^-A /, '-D ')), ...head.map((rule, i) => rule.replace(/^-A (\S+)/, `-I $1 ${i + 1}`))];
}

/**
 * The `--noflush` restore lines that bring one family's raw table to our layout, or none when it
 * is already there (so a second start changes nothing): PORTCULLIS-BANS exists with exactly its
 * two rules (trusted ranges return first, redeclaring it flushes it), and PREROUTING starts with
 * the jump to it. In raw PREROUTING a banned packet is dropped before connection tracking sees
 * it, forwarded traffic (Docker's included) as well as local.
 */
export function rawStartLines(table: SavedTable, family: Family): string[] {
  const body: string[] = [];
  const chainRules = table.rules.filter((r) => ruleChain(r) === BANS_CHAIN);
  if (!table.chains.includes(BANS_CHAIN) || !sameLines(chainRules, bansChainLines(family))) {
    body.push(`:${BANS_CHAIN} - [0:0]`, ...bansChainLines(family));
  }
  body.push(...hookLines(table.rules, BANS_HOOK, [jump(BANS_HOOK, BANS_CHAIN)]));
  return body.length === 0 ? [] : ['*raw', ...body, 'COMMIT'];
}

/**
 * The `--noflush` restore lines that bring one family's filter table to our layout, or none:
 * PORTCULLIS-RULES exists (its content belongs to `applyRules`) and INPUT starts with the jump
 * to it. The bans chain of earlier versions (here, jumped to from INPUT, FORWARD and
 * DOCKER-USER) is removed.
 */
export function startLines(table: SavedTable): string[] {
  const body: string[] = [];
  if (!table.chains.includes(RULES_CHAIN)) body.push(`:${RULES_CHAIN} - [0:0]`);
  body.push(...hookLines(table.rules, 'INPUT', [jump('INPUT', RULES_CHAIN)]));
  for (const rule of table.rules) {
    if (isOwnJump(rule) && rule.endsWith(` ${BANS_CHAIN}`) && ruleChain(rule) !== 'INPUT') body.push(rule.replace(/^-A /, '-D '));
  }
  if (table.chains.includes(BANS_CHAIN)) body.push(`-F ${BANS_CHAIN}`, `-X ${BANS_CHAIN}`);
  return body.length === 0 ? [] : ['*filter', ...body, 'COMMIT'];
}

/** The restore lines that remove our jumps and chains from one table, or none when none is there. */
export function stopLines(table: SavedTable): string[] {
  const body: string[] = [];
  for (const rule of table.rules) {
    if (isOwnJump(rule) && !OWN_CHAINS.includes(ruleChain(rule))) body.push(rule.replace(/^-A /, '-D '));
  }
  for (const chain of OWN_CHAINS) {
    if (table.chains.includes(chain)) body.push(`-F ${chain}`, `-X ${chain}`);
  }
  return body.length === 0 ? [] : [`*${table.name}`, ...body, 'COMMIT'];
}
