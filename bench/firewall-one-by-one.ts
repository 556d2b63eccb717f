/**
 * "The way fail2ban does it": one firewall process per banned IP, run one after the other, each
 * spawned with an argument array (no shell) inside the bench's namespace.
 */
import { execFile } from 'node:child_process';
import { IptablesBackend } from '../src/firewall/iptables/index.js';
import { NftablesBackend } from '../src/firewall/nftables/index.js';
import { execFileText, inNetns, withNetns } from './firewall-netns.js';

/** One way of adding bans one process at a time. */
export interface OneByOneMethod {
  id: 'ipset-add' | 'iptables-insert' | 'nft-add-element';
  /** The command for one IP, with `<ip>` in place of the address. */
  shown: string;
  /** Creates what the commands add to (our sets, or fail2ban's own chain). */
  setup(ns: string): Promise<void>;
  argv(ip: string): string[];
  /** How many bans the kernel holds afterwards. */
  count(ns: string): Promise<number>;
}

/** Chain of our own for the fail2ban-style rule per IP, jumped to from INPUT as fail2ban does. */
const F2B_CHAIN = 'f2b-bench';

export const ONE_BY_ONE_METHODS: Record<OneByOneMethod['id'], OneByOneMethod> = {
  'ipset-add': {
    id: 'ipset-add',
    shown: 'ipset add portcullis-bans4 <ip>',
    setup: (ns) => new IptablesBackend({ netns: ns }).start([]),
    argv: (ip) => ['ipset', 'add', 'portcullis-bans4', ip],
    count: async (ns) => (await new IptablesBackend({ netns: ns }).listBans()).length,
  },
  'iptables-insert': {
    id: 'iptables-insert',
    shown: `iptables -I ${F2B_CHAIN} 1 -s <ip> -j DROP`,
    setup: async (ns) => {
      await execFileText(inNetns(ns, ['iptables', '-N', F2B_CHAIN]));
      await execFileText(inNetns(ns, ['iptables', '-I', 'INPUT', '-j', F2B_CHAIN]));
    },
    argv: (ip) => ['iptables', '-I', F2B_CHAIN, '1', '-s', ip, '-j', 'DROP'],
    count: async (ns) => (await execFileText(inNetns(ns, ['iptables', '-S', F2B_CHAIN]))).split('\n').filter((l) => l.startsWith('-A ')).length,
  },
  'nft-add-element': {
    id: 'nft-add-element',
    shown: 'nft add element inet portcullis bans4 { <ip> }',
    setup: (ns) => new NftablesBackend({ netns: ns }).start([]),
    // The words a shell would pass for `nft add element inet portcullis bans4 { <ip> }`.
    argv: (ip) => ['nft', 'add', 'element', 'inet', 'portcullis', 'bans4', '{', ip, '}'],
    count: async (ns) => (await new NftablesBackend({ netns: ns }).listBans()).length,
  },
};

/** What one method achieved. */
export interface OneByOneResult {
  method: OneByOneMethod;
  planned: number;
  done: number;
  totalMs: number;
  /** Milliseconds per process in each tenth of the run, to show whether the cost grows. */
  tenthsMsPerCall: number[];
  /** Bans in the kernel afterwards, or why they could not be counted. */
  kernelCount: number | string;
  /** Why the run stopped before `planned`, if it did. */
  stopped?: string;
}

function execOnce(argv: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(argv[0]!, argv.slice(1), (err, _stdout, stderr) => {
      if (err) reject(new Error(`${argv.join(' ')}: ${String(stderr).trim() || err.message}`));
      else resolve();
    });
  });
}

/** Adds `ips` one process each, sequentially, in a fresh namespace; stops early past `budgetMs`. */
export async function runOneByOne(method: OneByOneMethod, ips: string[], budgetMs: number,
  progress: (text: string) => void): Promise<OneByOneResult> {
  return withNetns(async (ns) => {
    await method.setup(ns);
    const tenth = Math.max(1, Math.ceil(ips.length / 10));
    const tenthsMsPerCall: number[] = [];
    let stopped: string | undefined;
    let done = 0;
    const t0 = performance.now();
    let chunkStart = t0;
    for (const ip of ips) {
      try {
        await execOnce(inNetns(ns, method.argv(ip)));
      } catch (err) {
        stopped = `failed at IP ${done + 1}: ${(err as Error).message.slice(0, 200)}`;
        break;
      }
      done++;
      if (done % tenth === 0 || done === ips.length) {
        const now = performance.now();
        tenthsMsPerCall.push((now - chunkStart) / (done % tenth === 0 ? tenth : done % tenth));
        chunkStart = now;
        progress(`  ${method.id}: ${done.toLocaleString('en-US')}/${ips.length.toLocaleString('en-US')} in ${((now - t0) / 1000).toFixed(1)} s`);
        if (now - t0 > budgetMs && done < ips.length) {
          stopped = `stopped after ${done.toLocaleString('en-US')} IPs: over the ${budgetMs / 1000} s budget`;
          break;
        }
      }
    }
    const totalMs = performance.now() - t0;
    let kernelCount: number | string;
    try {
      kernelCount = await method.count(ns);
    } catch (err) {
      kernelCount = `count failed: ${(err as Error).message.slice(0, 120)}`;
    }
    return { method, planned: ips.length, done, totalMs, tenthsMsPerCall, kernelCount, stopped };
  });
}

/** Linear extrapolation of a one-at-a-time run to `target` IPs, in milliseconds. */
export function extrapolateLinear(r: OneByOneResult, target: number): number {
  return r.done === 0 ? NaN : (r.totalMs / r.done) * target;
}

/**
 * The same, if the cost per process keeps growing with the number of bans already there at the
 * rate seen between the first and the last tenth (cost per call a + b·n, summed to `target`).
 * Equals the linear figure when the cost does not grow.
 */
export function extrapolateGrowing(r: OneByOneResult, target: number): number {
  const t = r.tenthsMsPerCall;
  if (r.done === 0 || t.length < 2) return extrapolateLinear(r, target);
  const tenth = r.done / t.length;
  const first = t[0]!;
  const last = t[t.length - 1]!;
  const slope = Math.max(0, (last - first) / (tenth * (t.length - 1)));
  const atZero = first - slope * (tenth / 2);
  return atZero * target + (slope * target * target) / 2;
}

/** Wall time of one `ip netns exec <ns> true` and of one plain `true`, spawned the same way. */
export async function spawnOverhead(ns: string, calls: number): Promise<{ netnsTrueMs: number; trueMs: number }> {
  const time = async (argv: string[]) => {
    const t0 = performance.now();
    for (let i = 0; i < calls; i++) await execOnce(argv);
    return (performance.now() - t0) / calls;
  };
  const trueMs = await time(['true']);
  const netnsTrueMs = await time(inNetns(ns, ['true']));
  return { netnsTrueMs, trueMs };
}
