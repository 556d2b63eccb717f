import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, ensureCliBuilt, ROOT, run } from '../helpers/cli.js';
import { engineLogOf, waitUntil } from '../helpers/daemon-process.js';
import { createNetnsPair, netnsSkipReason, type NetnsPair } from '../helpers/netns.js';
import { safePaths } from '../helpers/safe-config.js';
import { makeTempDir } from '../helpers/temp-dir.js';

// The daemon as it runs on a server, inside a network namespace with each real backend, reading
// its blocklist from a real HTTP server on the namespace's loopback; traffic comes from a second
// namespace. The CLI talks to it over its socket.

const PORT = 7231;
const HTTP_PORT = 7232;
// Serves one file, read again for every request, so the test changes the list by writing it.
const SERVE = `const http=require('node:http');const fs=require('node:fs');const [file,port]=process.argv.slice(1);http.createServer((q,r)=>{let b;try{b=fs.readFileSync(file)}catch{r.writeHead(404).end();return}r.writeHead(200,{'content-type':'text/plain'}).end(b)}).listen(+port,'127.0.0.1',()=>console.log('ready'));`;
const CONNECT = `const net=require('node:net');const [h,p,l]=process.argv.slice(1);const s=net.connect({host:h,port:+p,localAddress:l});const t=setTimeout(()=>process.exit(1),1500);s.on('connect',()=>{clearTimeout(t);s.destroy();process.exit(0)});s.on('error',()=>process.exit(1));`;

interface Backend {
  name: string;
  setting: string;
  tools: string[];
  index: number;
  /** The IPv4 entries the kernel holds for the list. */
  kernelV4: (pair: NetnsPair) => string;
}
const BACKENDS: Backend[] = [
  { name: 'nftables', setting: 'nftables', tools: ['nft'], index: 231, kernelV4: (pair) => pair.exec(pair.server, ['nft', 'list', 'table', 'inet', 'portcullis']) },
  { name: 'iptables+ipset', setting: 'iptables', tools: ['iptables', 'ip6tables', 'ipset', 'iptables-restore', 'iptables-save'], index: 232, kernelV4: (pair) => pair.exec(pair.server, ['ipset', 'list', 'pcbl-drop-4']) },
];

/** Starts a program in a namespace and resolves once it prints its first line. */
async function startInNs(ns: string, argv: string[], children: ChildProcess[]): Promise<ChildProcess> {
  const child = spawn('ip', ['netns', 'exec', ns, ...argv], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  await new Promise<void>((resolve, reject) => {
    child.stdout!.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`${argv.join(' ')} exited (${code}): ${stderr}`)));
  });
  return child;
}

describe.each(BACKENDS)('a daemon with a blocklist, $name backend (network namespace)', (backend) => {
  it.skipIf(netnsSkipReason(backend.tools) !== null)(
    'drops listed addresses and networks, lets a trusted address inside a listed network through, shows the list with its drops, and update changes the kernel set',
    async () => {
      await ensureCliBuilt();
      const i = backend.index;
      const v4 = (host: number) => `198.18.${i}.${host}`;
      const v6 = (host: string) => `2001:db8:${i.toString(16)}::${host}`;
      const pair = createNetnsPair(i, 'pc-bld-');
      const tmp = makeTempDir('pc-h26-bld-');
      const children: ChildProcess[] = [];
      let daemon: ChildProcess | null = null;
      try {
        const dev = pair.exec(pair.client, ['ip', '-o', 'link', 'show', 'type', 'veth']).split(':')[1]!.trim().split('@')[0]!;
        for (const host of [3, 9, 10]) pair.exec(pair.client, ['ip', 'addr', 'add', `${v4(host)}/24`, 'dev', dev]);
        for (const host of ['9', '101', '102']) pair.exec(pair.client, ['ip', '-6', 'addr', 'add', `${v6(host)}/64`, 'dev', dev, 'nodad']);
        await pair.listen(PORT);
        const connects = (host: string, from: string): boolean => {
          try {
            pair.exec(pair.client, [process.execPath, '-e', CONNECT, host, String(PORT), from]);
            return true;
          } catch {
            return false;
          }
        };
        expect(connects(pair.serverV4, v4(2))).toBe(true);
        // The CLI runs in the daemon's namespace: the daemon identifies its peers there.
        const cli = (...args: string[]) => run('ip', ['netns', 'exec', pair.server, process.execPath, CLI, ...args]);

        // .2 and ::9 listed as addresses; .8/29 and ::100/120 as networks, with .10 and ::102 trusted inside them.
        const listFile = tmp.write('list.txt', `# test list\n${v4(2)}\n${v4(8)}/29\n${v6('9')}\n${v6('100')}/120\n`);
        await startInNs(pair.server, [process.execPath, '-e', SERVE, listFile, String(HTTP_PORT)], children);
        const paths = safePaths(tmp.dir);
        const config = tmp.write('config.toml', [
          '[trusted]',
          `ranges = ["${v4(10)}", "${v6('102')}"]`,
          '[firewall]',
          `backend = "${backend.setting}"`,
          '[daemon]',
          `state_dir = ${JSON.stringify(paths.stateDir)}`,
          `log_file = ${JSON.stringify(paths.logFile)}`,
          `socket = ${JSON.stringify(paths.socket)}`,
          `pid_file = ${JSON.stringify(paths.pidFile)}`,
          '[blocklists.drop]',
          `source = "http://127.0.0.1:${HTTP_PORT}/list.txt"`,
          'refresh = "1h"',
          '',
        ].join('\n'));
        daemon = spawn('ip', ['netns', 'exec', pair.server, process.execPath, CLI, '--daemon', '--config', config], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
        children.push(daemon);
        let daemonErr = '';
        daemon.stderr!.on('data', (d: Buffer) => (daemonErr = (daemonErr + d.toString()).slice(-8000)));
        const log = () => (daemon?.pid ? engineLogOf(paths.logFile, daemon.pid).join('\n') : '');
        await waitUntil(() => {
          if (daemon!.exitCode !== null) throw new Error(`daemon exited: ${daemonErr}`);
          return /blocklist drop: 4 entries loaded/.test(daemonErr) && /Listening on/.test(daemonErr);
        }, 'the daemon to load the list', 90_000, 100);

        expect(connects(pair.serverV4, v4(2))).toBe(false);
        expect(connects(pair.serverV4, v4(9))).toBe(false);
        expect(connects(pair.serverV4, v4(10))).toBe(true);
        expect(connects(pair.serverV4, v4(3))).toBe(true);
        expect(connects(pair.serverV6, v6('9'))).toBe(false);
        expect(connects(pair.serverV6, v6('101'))).toBe(false);
        expect(connects(pair.serverV6, v6('102'))).toBe(true);
        expect(connects(pair.serverV6, v6('2'))).toBe(true);
        expect(daemonErr + log()).toContain(`blocklist drop: 2 entries overlap trusted ${v4(10)}, ${v6('102')}; trusted addresses stay allowed`);

        const listed = await cli('blocklist', 'list', '--json', '--config', config);
        expect(listed.code, listed.stderr).toBe(0);
        const rows = JSON.parse(listed.stdout) as Array<{ name: string; source: string; entries: number; dropped: number; lastError: string | null; lastRefresh: string }>;
        expect(rows).toHaveLength(1);
        expect(rows[0]).toMatchObject({ name: 'drop', source: `http://127.0.0.1:${HTTP_PORT}/list.txt`, entries: 4, lastError: null });
        expect(rows[0]!.dropped).toBeGreaterThanOrEqual(4);
        expect(Date.parse(rows[0]!.lastRefresh)).toBeGreaterThan(Date.now() - 600_000);
        const status = await cli('status', '--config', config);
        expect(status.stdout).toMatch(/blocklists: drop 4 entries, refreshed/);

        // The server's list changes: an update puts exactly the new one in the kernel.
        tmp.write('list.txt', `${v4(3)}\n`);
        const updated = await cli('blocklist', 'update', 'drop', '--config', config);
        expect(updated.code, updated.stderr).toBe(0);
        expect(updated.stdout).toBe('blocklist drop: 1 entries in force\n');
        const kernel = backend.kernelV4(pair);
        expect(kernel).toContain(v4(3));
        expect(kernel).not.toContain(v4(2));
        expect(connects(pair.serverV4, v4(3))).toBe(false);
        expect(connects(pair.serverV4, v4(2))).toBe(true);
        expect(connects(pair.serverV4, v4(9))).toBe(true);
        expect(connects(pair.serverV6, v6('9'))).toBe(true);

        // An unknown list is named as such, and the list in force stays.
        const unknown = await cli('blocklist', 'update', 'nope', '--config', config);
        expect(unknown.code).toBe(1);
        expect(unknown.stderr).toContain('no blocklist named "nope" (known: drop)');

        // Stopped, the daemon leaves the list in the kernel, like its bans; the package's
        // remove-firewall takes everything of ours out.
        daemon.kill('SIGTERM');
        await new Promise((resolve) => (daemon!.exitCode !== null ? resolve(null) : daemon!.once('exit', resolve)));
        expect(connects(pair.serverV4, v4(3))).toBe(false);
        const removed = spawnSync('ip', ['netns', 'exec', pair.server, 'sh', path.join(ROOT, 'packaging/remove-firewall')], { encoding: 'utf8' });
        expect(removed.status, removed.stderr).toBe(0);
        expect(connects(pair.serverV4, v4(3))).toBe(true);
        const left = [
          pair.exec(pair.server, ['ipset', 'list', '-n']),
          pair.exec(pair.server, ['nft', 'list', 'ruleset']),
          pair.exec(pair.server, ['iptables-save']),
          pair.exec(pair.server, ['ip6tables-save']),
        ].join('\n');
        expect(left).not.toMatch(/pcbl-|BLOCKLISTS|portcullis/i);
      } finally {
        for (const child of children) child.kill('SIGKILL');
        pair.destroy();
        tmp.remove();
      }
    },
    300_000,
  );
});
