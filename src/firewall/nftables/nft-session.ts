import { CommandSession, type SessionProtocol } from '../run-command.js';
import type { CommandTarget } from '../types.js';

/**
 * `nft -i`: a script is written as one line, which nft runs as one transaction. The end marker is
 * a question nft answers without the kernel (a listing would load the sets into nft's cache:
 * seconds with 100,000 bans).
 */
export const NFT_SESSION: SessionProtocol = {
  argv: ['nft', '-i'],
  join: (lines) => {
    const script = lines.join('; ');
    if (script.includes('\n')) throw new Error('an nft session script must be one line');
    return script;
  },
  sentinel: 'describe meta length',
  answer: 'meta expression',
  // nft -i keeps every line it read for a person at a terminal (100,000 lines: 16 MB of its
  // memory) and writes them to $HOME/.nft.history when it ends, or to /.nft.history without a
  // HOME, as under systemd. The daemon's lines are not a person's history: a home that does not
  // exist takes none, and a new nft every 10,000 scripts keeps the memory small.
  env: { HOME: '/nonexistent' },
  maxScripts: 10_000,
};

/** One long-lived `nft -i` for small changes (see CommandSession). */
export class NftSession extends CommandSession {
  constructor(target: CommandTarget = {}) {
    super(NFT_SESSION, target);
  }
}
