import { BAN_HOOKS, BANS_CHAIN, OWN_CHAINS, RULES_CHAIN, setName, type Family } from './names.js';
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

/** The jumps a host chain must start with, in order. */
function expectedHead(hook: string): string[] {
  return hook === 'INPUT' ? [jump(hook, BANS_CHAIN), jump(hook, RULES_CHAIN)] : [jump(hook, BANS_CHAIN)];
}

function sameLines(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((line, i) => line === b[i]);
}

/**
 * The `--noflush` restore lines that bring one family's filter table to our layout, or none when it
 * is already there (so a second start changes nothing):
 * - PORTCULLIS-BANS exists with exactly its two rules (redeclaring it flushes it first);
 * - PORTCULLIS-RULES exists; its content is left alone, it belongs to `applyRules`;
 * - INPUT starts with the bans jump then the rules jump, FORWARD and DOCKER-USER (when present)
 *   with the bans jump; misplaced or duplicate jumps of ours are removed first.
 */
export function startLines(table: SavedTable, family: Family): string[] {
  const body: string[] = [];
  const chainRules = (chain: string) => table.rules.filter((r) => ruleChain(r) === chain);
  if (!table.chains.includes(BANS_CHAIN) || !sameLines(chainRules(BANS_CHAIN), bansChainLines(family))) {
    body.push(`:${BANS_CHAIN} - [0:0]`, ...bansChainLines(family));
  }
  if (!table.chains.includes(RULES_CHAIN)) body.push(`:${RULES_CHAIN} - [0:0]`);
  for (const hook of BAN_HOOKS) {
    // INPUT and FORWARD are built in and exist once the table is touched; DOCKER-USER is Docker's.
    if (hook === 'DOCKER-USER' && !table.chains.includes(hook)) continue;
    const rules = chainRules(hook);
    const head = expectedHead(hook);
    const ours = rules.filter(isOwnJump);
    if (sameLines(rules.slice(0, head.length), head) && ours.length === head.length) continue;
    for (const rule of ours) body.push(rule.replace(/^-A /, '-D '));
    head.forEach((rule, i) => body.push(rule.replace(/^-A (\S+)/, `-I $1 ${i + 1}`)));
  }
  return body.length === 0 ? [] : ['*filter', ...body, 'COMMIT'];
}

/** The restore lines that remove our jumps and chains from one family, or none when none is there. */
export function stopLines(table: SavedTable): string[] {
  const body: string[] = [];
  for (const rule of table.rules) {
    if (isOwnJump(rule) && !OWN_CHAINS.includes(ruleChain(rule))) body.push(rule.replace(/^-A /, '-D '));
  }
  for (const chain of OWN_CHAINS) {
    if (table.chains.includes(chain)) body.push(`-F ${chain}`, `-X ${chain}`);
  }
  return body.length === 0 ? [] : ['*filter', ...body, 'COMMIT'];
}
