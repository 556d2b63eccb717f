import ipaddr from 'ipaddr.js';

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
