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
};

/** One long-lived `nft -i` for small changes (see CommandSession). */
export class NftSession extends CommandSession {
  constructor(target: CommandTarget = {}) {
    super(NFT_SESSION, target);
  }
}
