import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const PEER = path.join(HERE, 'netns-peer.mjs');

/** Two network namespaces joined by a veth pair: a server and a client, IPv4 and IPv6. */
export interface NetnsPair {
  server: string;
  client: string;
  serverV4: string;
  serverV6: string;
  clientV4: string;
  clientV6: string;
  /** Starts TCP and UDP echo on `port` in the server namespace (both families). */
  listen(port: number): Promise<void>;
  /** Whether the client reaches the server over TCP within `ms` (from its address `from`, if given). */
  tcp(host: string, port: number, ms?: number, from?: string): boolean;
  /** Whether a UDP datagram from the client is echoed within `ms`. */
  udp(host: string, port: number, ms?: number): boolean;
  /** Whether one ICMP echo from the client is answered within a second. */
  ping(host: string): boolean;
  /** Runs a command in a namespace (argument array, no shell) and returns stdout. */
  exec(ns: string, argv: string[]): string;
  /** Gives the client one more address of its subnet (host number `host`, both families); returns them. */
  addClientHost(host: number): { v4: string; v6: string };
  destroy(): void;
}

/** Why namespace tests cannot run here, or null when they can. */
export function netnsSkipReason(tools: string[] = []): string | null {
  if (process.getuid?.() !== 0) return 'needs root (network namespaces)';
  for (const tool of ['ip', 'ping', ...tools]) {
    try {
      execFileSync('which', [tool], { stdio: 'ignore' });
    } catch {
      return `needs ${tool} (bash .ci/run installs it)`;
    }
  }
  return null;
}

/**
 * Creates the pair with addresses from 198.18.0.0/15 and 2001:db8::/32 (`index` keeps parallel
 * test files apart). Call `destroy()` in `finally`/`afterAll`.
 */
export function createNetnsPair(index: number, prefix = 'pc-'): NetnsPair {
  const id = randomBytes(3).toString('hex');
  const server = `${prefix}${id}-s`;
  const client = `${prefix}${id}-c`;
  const v4 = (host: number) => `198.18.${index}.${host}`;
  const v6 = (host: number) => `2001:db8:${index.toString(16)}::${host}`;
  const children: ChildProcess[] = [];
  const run = (argv: string[]) => execFileSync(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] }).toString();
  const inNs = (ns: string, argv: string[]) => run(['ip', 'netns', 'exec', ns, ...argv]);
  const destroy = (): void => {
    for (const child of children) child.kill('SIGKILL');
    for (const ns of [server, client]) {
      try {
        run(['ip', 'netns', 'del', ns]);
      } catch {
        // Already gone.
      }
    }
  };
  try {
    run(['ip', 'netns', 'add', server]);
    run(['ip', 'netns', 'add', client]);
    run(['ip', 'link', 'add', `v${id}s`, 'type', 'veth', 'peer', 'name', `v${id}c`]);
    run(['ip', 'link', 'set', `v${id}s`, 'netns', server]);
    run(['ip', 'link', 'set', `v${id}c`, 'netns', client]);
    for (const [ns, dev, host] of [[server, `v${id}s`, 1], [client, `v${id}c`, 2]] as const) {
      inNs(ns, ['ip', 'link', 'set', 'lo', 'up']);
      inNs(ns, ['ip', 'addr', 'add', `${v4(host)}/24`, 'dev', dev]);
      inNs(ns, ['ip', '-6', 'addr', 'add', `${v6(host)}/64`, 'dev', dev, 'nodad']);
      inNs(ns, ['ip', 'link', 'set', dev, 'up']);
    }
  } catch (err) {
    destroy();
    throw err;
  }
  const peer = (args: string[]): boolean => {
    try {
      inNs(client, [process.execPath, PEER, ...args]);
      return true;
    } catch {
      return false;
    }
  };
  return {
    server,
    client,
    serverV4: v4(1),
    serverV6: v6(1),
    clientV4: v4(2),
    clientV6: v6(2),
    async listen(port) {
      const child = spawn('ip', ['netns', 'exec', server, process.execPath, PEER, 'serve', String(port)], { stdio: ['ignore', 'pipe', 'inherit'] });
      children.push(child);
      await new Promise<void>((resolve, reject) => {
        child.stdout!.once('data', () => resolve());
        child.once('exit', (code) => reject(new Error(`echo server exited (${code})`)));
      });
    },
    tcp: (host, port, ms = 1500, from) => peer(['tcp', host, String(port), String(ms), ...(from ? [from] : [])]),
    udp: (host, port, ms = 1500) => peer(['udp', host, String(port), String(ms)]),
    ping: (host) => {
      try {
        inNs(client, ['ping', '-c', '1', '-W', '1', host]);
        return true;
      } catch {
        return false;
      }
    },
    exec: inNs,
    addClientHost(host) {
      inNs(client, ['ip', 'addr', 'add', `${v4(host)}/24`, 'dev', `v${id}c`]);
      inNs(client, ['ip', '-6', 'addr', 'add', `${v6(host)}/64`, 'dev', `v${id}c`, 'nodad']);
      return { v4: v4(host), v6: v6(host) };
    },
    destroy,
  };
}

/** Whether a namespace exists (for tests that check clean-up). */
export function netnsExists(name: string): boolean {
  return existsSync(`/run/netns/${name}`);
}

/** Runs `use` in a fresh namespace, removed after it with whatever still runs in it. */
export async function inNamespace(use: (ns: string) => Promise<void>, prefix = 'pc-h16-'): Promise<void> {
  const ns = `${prefix}${randomBytes(3).toString('hex')}`;
  execFileSync('ip', ['netns', 'add', ns]);
  try {
    await use(ns);
  } finally {
    for (const pid of execFileSync('ip', ['netns', 'pids', ns]).toString().split('\n').filter(Boolean)) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        // already gone
      }
    }
    execFileSync('ip', ['netns', 'del', ns]);
  }
}
