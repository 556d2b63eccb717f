import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { DryRunBackend } from './dry-run-backend.js';
import { IptablesBackend } from './iptables/iptables-backend.js';
import { NftablesBackend } from './nftables/nftables-backend.js';
import type { CommandTarget, FirewallBackend } from './types.js';

/** The backend to use, and a line to show at start when it is not the one asked for. */
export interface BackendChoice {
  backend: FirewallBackend;
  notice?: string;
}

/** Thrown when an explicitly chosen backend cannot run here. */
export class BackendUnavailable extends Error {
  override name = 'BackendUnavailable';
}

const TOOLS = {
  nftables: ['nft'],
  iptables: ['iptables-restore', 'ip6tables-restore', 'iptables-save', 'ip6tables-save', 'ipset'],
} as const;

/**
 * `auto` takes iptables + ipset, else nftables, else dry-run with a notice saying why (not root,
 * tools missing). An explicit `iptables` or `nftables` that cannot run is an error, never a silent
 * dry run: the administrator asked for bans that drop packets.
 */
export async function selectBackend(
  setting: 'auto' | 'iptables' | 'nftables' | 'dry-run',
  stateDir: string,
  target: CommandTarget = {},
): Promise<BackendChoice> {
  const dryRun = (): DryRunBackend => new DryRunBackend(join(stateDir, 'dry-run-firewall.json'));
  if (setting === 'dry-run') return { backend: dryRun() };
  const root = process.getuid?.() === 0;
  const missing = (kind: keyof typeof TOOLS) => TOOLS[kind].filter((tool) => !onPath(tool));
  if (setting === 'auto') {
    if (!root) return { backend: dryRun(), notice: 'dry-run: not running as root, nothing is blocked' };
    // iptables + ipset first when both are there, as in earlier versions, so an upgrade keeps its
    // sets; a ban costs a few milliseconds with either, however many are in place.
    if (missing('iptables').length === 0) return { backend: new IptablesBackend(target) };
    if (missing('nftables').length === 0) return { backend: new NftablesBackend(target) };
    return { backend: dryRun(), notice: 'dry-run: neither nft nor iptables + ipset is installed, nothing is blocked' };
  }
  if (!root) throw new BackendUnavailable(`firewall backend "${setting}" needs root`);
  const absent = missing(setting);
  if (absent.length) throw new BackendUnavailable(`firewall backend "${setting}" needs ${absent.join(', ')} (not found in PATH)`);
  return { backend: setting === 'nftables' ? new NftablesBackend(target) : new IptablesBackend(target) };
}

function onPath(tool: string): boolean {
  const dirs = (process.env.PATH ?? '').split(delimiter).concat(['/usr/sbin', '/sbin']);
  return dirs.some((dir) => {
    try {
      accessSync(join(dir, tool), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}
