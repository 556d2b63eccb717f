/**
 * What the scale bench asks of the kernel inside its namespace: when an address shows up in our ban
 * sets (nft monitor for nftables, an interactive `ipset -` for ipset, so no process is spawned
 * per question), how many bans the kernel holds, and the raw bulk commands the daemon is compared
 * with. Every command runs inside the bench's namespace, from an argument array.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { waitFor } from '../test/helpers/wait.js';
import { execFileText, inNetns } from './firewall-netns.js';

export type KernelBackend = 'iptables' | 'nftables';

/** Tells when addresses appear in our ban sets; `stop()` ends the helper process by its pid. */
export interface BanWatcher {
  /**
   * Resolves with performance.now() when `address` is in a ban set (ipset: at once if it already
   * is; nft monitor: call it before the address can appear).
   * Where the kernel is asked again and again (ipset), `everyMs` apart: 1 ms for a latency, more
   * for a load of many seconds, so the asking takes no CPU from the daemon being timed.
   */
  whenPresent(address: string, timeoutMs: number, everyMs?: number): Promise<number>;
  /**
   * Resolves once the watcher sees what is added from now on: nft monitor has subscribed, or
   * after `pause`, has printed what it held and runs again.
   */
  ready(): Promise<void>;
  /**
   * Stops watching for a while (a load): nft monitor prints every element added, about 25,000 a
   * second at a core's full use, so it is stopped (SIGSTOP) and what the kernel queued for it
   * meanwhile is dropped once its socket is full (it says it lost events); `ready` resumes it.
   */
  pause(): void;
  stop(): void;
}

function spawnIn(ns: string, argv: string[]): ChildProcess {
  const full = inNetns(ns, argv);
  return spawn(full[0]!, full.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
}

/** Lines of a stream, as they arrive. */
function onLines(stream: NodeJS.ReadableStream, fn: (line: string) => void): void {
  let rest = '';
  stream.on('data', (chunk: Buffer) => {
    const text = rest + chunk.toString('utf8');
    const lines = text.split('\n');
    rest = lines.pop()!;
    for (const line of lines) fn(line);
  });
}

/**
 * nft prints one `add element inet portcullis <set> { <addr> ... }` line per element added. Only
 * the addresses waited for are looked for (a load prints a million lines), so `whenPresent` must
 * be called before the address can appear: right after the daemon starts or the line is written.
 */
function nftWatcher(ns: string): BanWatcher {
  const waiting = new Map<string, (t: number) => void>();
  const child = spawnIn(ns, ['nft', 'monitor', 'new', 'elements']);
  let probed: (() => void) | null = null;
  let probeSet: Promise<number> | null = null;
  onLines(child.stdout!, (line) => {
    if (probed && line.startsWith('add element inet scale_probe ')) probed();
    if (waiting.size === 0) return;
    const m = /^add element inet portcullis \S+ \{ ([0-9a-f:./]+)/.exec(line);
    const resolve = m ? waiting.get(m[1]!) : undefined;
    if (!resolve) return;
    waiting.delete(m![1]!);
    resolve(performance.now());
  });
  return {
    whenPresent(address, timeoutMs) {
      return withTimeout(new Promise<number>((resolve) => waiting.set(address, resolve)), timeoutMs, address);
    },
    // An element added to a set of the bench's own, again until the monitor prints it. The set
    // is made once and kept: one made after the monitor lost events (while paused) is unknown
    // to it, and its elements are never printed.
    async ready() {
      child.kill('SIGCONT');
      let seen = false;
      probed = () => (seen = true);
      probeSet ??= runWithInput(ns, ['nft', '-f', '-'], 'add table inet scale_probe\nadd set inet scale_probe s { type ipv4_addr; }\n');
      await probeSet;
      try {
        await waitFor(async () => {
          await runWithInput(ns, ['nft', '-f', '-'], 'flush set inet scale_probe s\nadd element inet scale_probe s { 198.18.255.254 }\n');
          return seen;
        }, 'nft monitor to print an element', 120_000, 100);
      } finally {
        probed = null;
      }
    },
    pause: () => child.kill('SIGSTOP'),
    stop: () => child.kill('SIGKILL'),
  };
}

/** Asks an interactive `ipset -` about the address (every millisecond unless told) until it is in a ban set. */
function ipsetWatcher(ns: string): BanWatcher {
  const child = spawnIn(ns, ['ipset', '-']);
  let answer: ((present: boolean) => void) | null = null;
  const handle = (line: string): void => {
    const present = / is in set /.test(line);
    if (!present && !/is NOT in set|does not exist|Error|error/.test(line)) return;
    const resolve = answer;
    answer = null;
    resolve?.(present);
  };
  onLines(child.stderr!, handle);
  onLines(child.stdout!, handle);
  const ask = (set: string, address: string) =>
    new Promise<boolean>((resolve) => {
      answer = resolve;
      child.stdin!.write(`test ${set} ${address}\n`);
    });
  return {
    async whenPresent(address, timeoutMs, everyMs = 1) {
      const set = address.includes(':') ? 'portcullis-bans6' : 'portcullis-bans4';
      const until = performance.now() + timeoutMs;
      for (;;) {
        if (await ask(set, address)) return performance.now();
        if (performance.now() > until) throw new Error(`${address} not in the kernel after ${timeoutMs / 1000} s`);
        await new Promise((r) => setTimeout(r, everyMs));
      }
    },
    // Asks on demand: nothing to wait for.
    ready: async () => {},
    pause: () => {},
    stop: () => child.kill('SIGKILL'),
  };
}

export function banWatcher(backend: KernelBackend, ns: string): BanWatcher {
  return backend === 'nftables' ? nftWatcher(ns) : ipsetWatcher(ns);
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} not in the kernel after ${ms / 1000} s`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** Bans in our sets, counted by the kernel tools (outside every timed step). */
export async function kernelCount(backend: KernelBackend, ns: string): Promise<number> {
  if (backend === 'iptables') {
    const out = await execFileText(inNetns(ns, ['ipset', 'list', '-t']));
    let count = 0;
    let ours = false;
    for (const line of out.split('\n')) {
      if (line.startsWith('Name: ')) ours = /^Name: portcullis-bans[46]$/.test(line);
      else if (ours && line.startsWith('Number of entries: ')) count += Number(line.slice(19));
    }
    return count;
  }
  const out = await execFileText(inNetns(ns, ['nft', '-j', 'list', 'table', 'inet', 'portcullis']));
  const doc = JSON.parse(out) as { nftables: Array<{ set?: { name: string; elem?: unknown[] } }> };
  return doc.nftables.reduce((sum, item) => sum + (item.set && !item.set.name.startsWith('trusted') ? (item.set.elem?.length ?? 0) : 0), 0);
}

/** Removes what a reboot would: our ban sets and chains, after the daemon stopped. */
export async function wipeKernel(backend: KernelBackend, ns: string): Promise<void> {
  if (backend === 'nftables') {
    await runWithInput(ns, ['nft', '-f', '-'], 'add table inet portcullis\ndelete table inet portcullis\n');
    return;
  }
  // The namespace holds nothing but ours, so emptying its tables is what a reboot does.
  for (const tool of ['iptables', 'ip6tables']) {
    for (const table of ['filter', 'raw']) {
      for (const flag of ['-F', '-X']) await execFileText(inNetns(ns, [tool, '-w', '-t', table, flag]));
    }
  }
  await runWithInput(ns, ['ipset', 'restore', '-exist'], ['bans4', 'bans6', 'trusted4', 'trusted6'].map((s) => `destroy portcullis-${s}\n`).join(''));
}

/** Runs a command with `input` on stdin; resolves with its wall time in ms. */
export function runWithInput(ns: string, argv: string[], input: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawnIn(ns, argv);
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout!.resume();
    child.on('close', (code) => (code === 0 ? resolve(performance.now() - t0) : reject(new Error(`${argv.join(' ')}: ${stderr.trim()}`))));
    child.stdin!.end(input);
  });
}

/** The floor: the same addresses by one bulk command into sets of their own (ms). */
export async function rawBulk(backend: KernelBackend, ns: string, addresses: string[]): Promise<number> {
  const v4 = addresses.filter((a) => !a.includes(':'));
  const v6 = addresses.filter((a) => a.includes(':'));
  if (backend === 'iptables') {
    const lines = [
      'create raw4 hash:ip family inet hashsize 65536 maxelem 4194304 timeout 0',
      'create raw6 hash:ip family inet6 hashsize 65536 maxelem 4194304 timeout 0',
      ...v4.map((a) => `add raw4 ${a} timeout 3600`),
      ...v6.map((a) => `add raw6 ${a} timeout 3600`),
    ];
    const ms = await runWithInput(ns, ['ipset', 'restore'], `${lines.join('\n')}\n`);
    await runWithInput(ns, ['ipset', 'restore'], 'destroy raw4\ndestroy raw6\n');
    return ms;
  }
  const lines = ['add table inet raw', 'add set inet raw raw4 { type ipv4_addr; flags timeout; }', 'add set inet raw raw6 { type ipv6_addr; flags timeout; }'];
  for (const [set, list] of [['raw4', v4], ['raw6', v6]] as const) {
    for (let i = 0; i < list.length; i += 1000) {
      lines.push(`add element inet raw ${set} { ${list.slice(i, i + 1000).map((a) => `${a} timeout 3600s`).join(', ')} }`);
    }
  }
  const ms = await runWithInput(ns, ['nft', '-f', '-'], `${lines.join('\n')}\n`);
  await runWithInput(ns, ['nft', '-f', '-'], 'delete table inet raw\n');
  return ms;
}
