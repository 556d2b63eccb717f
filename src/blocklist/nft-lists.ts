import { runCommand } from '../firewall/run-command.js';
import type { CommandTarget } from '../firewall/types.js';

/** The nftables table shared with the ban sets; blocklists have a chain and sets of their own in it. */
const TABLE = 'inet portcullis';
const CHAIN = 'blocklists_prerouting';
/** Just after the ban chain (raw, -300): before connection tracking. */
const CHAIN_SPEC = 'type filter hook prerouting priority raw + 1; policy accept;';
const PER_STATEMENT = 5000;

export const nftSetNames = (name: string): { 4: string; 6: string } => ({ 4: `bl_${name}_4`, 6: `bl_${name}_6` });

function elementLines(set: string, entries: readonly string[]): string[] {
  const lines: string[] = [];
  for (let i = 0; i < entries.length; i += PER_STATEMENT) {
    lines.push(`add element ${TABLE} ${set} { ${entries.slice(i, i + PER_STATEMENT).join(', ')} }`);
  }
  return lines;
}

/**
 * The chain (trusted first, then one counted drop per list and family) rewritten from scratch,
 * with the sets created when missing. The trusted sets are the ban chain's.
 */
export function nftChainScript(names: readonly string[]): string {
  const lines = [
    `add table ${TABLE}`,
    `add set ${TABLE} trusted4 { type ipv4_addr; flags interval; }`,
    `add set ${TABLE} trusted6 { type ipv6_addr; flags interval; }`,
    `add chain ${TABLE} ${CHAIN} { ${CHAIN_SPEC} }`,
    `flush chain ${TABLE} ${CHAIN}`,
    `add rule ${TABLE} ${CHAIN} ip saddr @trusted4 return`,
    `add rule ${TABLE} ${CHAIN} ip6 saddr @trusted6 return`,
  ];
  for (const name of names) {
    const sets = nftSetNames(name);
    lines.push(
      `add set ${TABLE} ${sets[4]} { type ipv4_addr; flags interval; auto-merge; }`,
      `add set ${TABLE} ${sets[6]} { type ipv6_addr; flags interval; auto-merge; }`,
      `add rule ${TABLE} ${CHAIN} ip saddr @${sets[4]} counter drop comment "blocklist ${name}"`,
      `add rule ${TABLE} ${CHAIN} ip6 saddr @${sets[6]} counter drop comment "blocklist ${name}"`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** One transaction: both sets flushed and filled; nft applies it whole, so no packet sees them empty. */
export function nftReplaceScript(name: string, v4: readonly string[], v6: readonly string[]): string {
  const sets = nftSetNames(name);
  return `${[`flush set ${TABLE} ${sets[4]}`, `flush set ${TABLE} ${sets[6]}`, ...elementLines(sets[4], v4), ...elementLines(sets[6], v6)].join('\n')}\n`;
}

/** Blocklist sets and their drop rules in nftables. */
export class NftLists {
  constructor(private readonly target: CommandTarget = {}) {}

  async start(names: readonly string[]): Promise<void> {
    await runCommand(['nft', '-f', '-'], this.target, nftChainScript(names));
  }

  async replace(name: string, v4: readonly string[], v6: readonly string[]): Promise<void> {
    await runCommand(['nft', '-f', '-'], this.target, nftReplaceScript(name, v4, v6));
  }

  /** Packets dropped per list (both families), read from the rule counters. */
  async dropped(): Promise<Map<string, number>> {
    const { stdout } = await runCommand(['nft', 'list', 'chain', ...TABLE.split(' '), CHAIN], this.target);
    const counts = new Map<string, number>();
    for (const m of stdout.matchAll(/counter packets (\d+) bytes \d+ drop comment "blocklist ([a-z0-9_-]+)"/g)) {
      counts.set(m[2]!, (counts.get(m[2]!) ?? 0) + Number(m[1]));
    }
    return counts;
  }

  /** Removes the chain and the list sets. */
  async stop(names: readonly string[]): Promise<void> {
    const lines = [`add table ${TABLE}`, `add chain ${TABLE} ${CHAIN} { ${CHAIN_SPEC} }`, `delete chain ${TABLE} ${CHAIN}`];
    for (const name of names) for (const set of Object.values(nftSetNames(name))) lines.push(`add set ${TABLE} ${set} { type ${set.endsWith('4') ? 'ipv4' : 'ipv6'}_addr; flags interval; }`, `delete set ${TABLE} ${set}`);
    await runCommand(['nft', '-f', '-'], this.target, `${lines.join('\n')}\n`);
  }
}
