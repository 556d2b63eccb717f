import ipaddr from 'ipaddr.js';
import { checkAddress } from './address.js';
import { rangesOverlap } from './ranges.js';

/** Where an SSH session comes from: the client's address and the server's port. */
export interface SshSession {
  address: string;
  port: number;
}

/** Where the current SSH session comes from, from `SSH_CONNECTION` ("client port server port"). */
export function sshSession(env: NodeJS.ProcessEnv = process.env): SshSession | null {
  const parts = (env.SSH_CONNECTION ?? '').trim().split(/\s+/);
  if (parts.length !== 4 || !ipaddr.isValid(parts[0]!)) return null;
  return { address: parts[0]!, port: Number(parts[3]) };
}

/** Why banning `range` is refused: it holds the address `session` comes from; null when it does not. */
export function ownSessionConflict(range: string, session: SshSession | null): string | null {
  if (!session || !rangesOverlap(range, session.address)) return null;
  return `not banned: ${checkAddress(range).text} holds ${session.address}, the address of your own SSH session`;
}
