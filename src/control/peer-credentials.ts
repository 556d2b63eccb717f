import { execFile } from 'node:child_process';
import { readFileSync, readlinkSync } from 'node:fs';
import type { Socket } from 'node:net';

// Node has no SO_PEERCRED. The kernel still tells who is at the other end of a unix socket,
// through its socket diagnostics: `ss -x -p` lists every unix socket with its peer's inode and
// the processes holding it. Our accepted socket's inode comes from /proc/self/fd; the row whose
// peer is that inode is the client's socket, and its holders' credentials come from
// /proc/<pid>/status. One `ss` run serves every connection that arrived meanwhile.

/** Who may talk to the daemon. */
export interface PeerPolicy {
  /** Effective uids let in; root and the daemon's own user by default. */
  uids: number[];
  /** A group whose members are let in too (`[daemon] socket_group`), or null. */
  gid: number | null;
}

/** What the check found: who the peer is, or why it is refused. */
export type PeerVerdict =
  | { allowed: true; pids: number[]; uids: number[] }
  /** `gone`: no process holds the other end any more (a probe that hung up at once): nobody to tell or log. */
  | { allowed: false; reason: string; gone?: true };

/** The credentials of one process, from /proc/<pid>/status. */
export interface ProcessCredentials {
  pid: number;
  euid: number;
  egid: number;
  groups: number[];
}

/** Runs `ss` and returns its output; replaceable in tests. */
export type SocketTableReader = () => Promise<string>;

/** The default policy: root and whoever runs the daemon. */
export function defaultPeerPolicy(gid: number | null = null): PeerPolicy {
  const self = process.geteuid?.() ?? 0;
  return { uids: [...new Set([0, self])], gid };
}

/**
 * Checks the peer of each accepted connection against a {@link PeerPolicy}, once per
 * connection. Every process holding the client's socket must be allowed (a socket handed to
 * another process is judged by all its holders); a peer that cannot be identified is refused.
 */
export class PeerVerifier {
  private waiting = new Map<number, Array<(verdict: PeerVerdict) => void>>();
  private running = false;

  constructor(
    private readonly policy: PeerPolicy,
    private readonly readTable: SocketTableReader = readUnixSocketTable,
  ) {}

  /** Resolves with the verdict for the client at the other end of `socket`. */
  verify(socket: Socket): Promise<PeerVerdict> {
    const inode = socketInode(socket);
    if (inode === null) return Promise.resolve({ allowed: false, reason: 'cannot find the connection among this process\'s sockets' });
    return new Promise((resolve) => {
      const list = this.waiting.get(inode) ?? [];
      list.push(resolve);
      this.waiting.set(inode, list);
      if (!this.running) void this.run();
    });
  }

  private async run(): Promise<void> {
    this.running = true;
    try {
      while (this.waiting.size > 0) {
        const batch = this.waiting;
        this.waiting = new Map();
        let holders: Map<number, number[]> | null = null;
        let failure = '';
        try {
          holders = peerHolders(await this.readTable());
        } catch (err) {
          failure = `cannot read the kernel's socket table to identify the peer: ${(err as Error).message}`;
        }
        for (const [inode, resolvers] of batch) {
          const verdict: PeerVerdict = holders ? this.judge(holders.get(inode) ?? []) : { allowed: false, reason: failure };
          for (const resolve of resolvers) resolve(verdict);
        }
      }
    } finally {
      this.running = false;
    }
  }

  private judge(pids: number[]): PeerVerdict {
    if (pids.length === 0) return { allowed: false, reason: 'the peer could not be identified (no process holds its end of the connection)', gone: true };
    const uids: number[] = [];
    for (const pid of pids) {
      const creds = processCredentials(pid);
      if (!creds) return { allowed: false, reason: `the peer process ${pid} ended before it could be identified` };
      if (!this.admits(creds)) return { allowed: false, reason: `uid ${creds.euid} (pid ${pid}) may not use the control socket` };
      uids.push(creds.euid);
    }
    return { allowed: true, pids, uids: [...new Set(uids)] };
  }

  private admits(creds: ProcessCredentials): boolean {
    if (this.policy.uids.includes(creds.euid)) return true;
    const gid = this.policy.gid;
    return gid !== null && (creds.egid === gid || creds.groups.includes(gid));
  }
}

/** The inode of the socket behind a net.Socket (`socket:[N]` in /proc/self/fd), or null. */
export function socketInode(socket: Socket): number | null {
  // The file descriptor is on the handle libuv keeps; Node documents no other way to reach it.
  const fd = (socket as unknown as { _handle?: { fd?: number } })._handle?.fd;
  if (typeof fd !== 'number' || fd < 0) return null;
  try {
    const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/self/fd/${fd}`));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/**
 * From `ss -x -p -n -H` output: for each socket inode, the pids holding the socket whose peer it
 * is. The peer inode is the field just before the process list. Names (socket paths, process
 * names) are chosen by users and may hold spaces or look like fields; every pid listed after
 * that point is taken, so a forged entry can only add processes to be judged, never hide one.
 */
export function peerHolders(table: string): Map<number, number[]> {
  const holders = new Map<number, number[]>();
  for (const line of table.split('\n')) {
    const at = line.indexOf(' users:((');
    if (at === -1) continue;
    const before = line.slice(0, at).trimEnd();
    const peer = Number(before.slice(before.lastIndexOf(' ') + 1));
    if (!Number.isSafeInteger(peer) || peer <= 0) continue;
    const pids = [...line.slice(at).matchAll(/pid=(\d+),fd=\d+\)/g)].map((m) => Number(m[1]));
    const list = holders.get(peer) ?? [];
    for (const pid of pids) if (!list.includes(pid)) list.push(pid);
    holders.set(peer, list);
  }
  return holders;
}

/** Effective uid and gids of a running process, or null when it is gone. */
export function processCredentials(pid: number): ProcessCredentials | null {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return null;
  }
  const ids = (key: string): number[] => {
    const m = new RegExp(`^${key}:([^\\n]*)$`, 'm').exec(status);
    return m ? m[1]!.trim().split(/\s+/).filter(Boolean).map(Number) : [];
  };
  const uid = ids('Uid');
  const gid = ids('Gid');
  if (uid.length < 2 || gid.length < 2) return null;
  return { pid, euid: uid[1]!, egid: gid[1]!, groups: ids('Groups') };
}

/** `ss -x -p -n -H -a`: every unix socket of this network namespace, with its holders. */
export function readUnixSocketTable(): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('ss', ['-x', '-p', '-n', '-H', '-a'], { timeout: 10_000, maxBuffer: 256 * 1024 * 1024, env: { ...process.env, LC_ALL: 'C' } }, (err, stdout) => {
      if (err) {
        const code = (err as NodeJS.ErrnoException).code;
        reject(new Error(code === 'ENOENT' ? 'the "ss" program (iproute2) is not installed' : err.message));
      } else {
        resolve(stdout);
      }
    });
  });
}
