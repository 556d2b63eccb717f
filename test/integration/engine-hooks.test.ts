import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openEngineStack, type EngineStack } from '../../src/commands/engine-stack.js';
import { InProcessControl } from '../../src/control/index.js';
import { makeTempDir, type TempDir } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait.js';
import { safeSections } from '../helpers/safe-config.js';

// The engine stack as the daemon builds it, with a jail whose actions name an exec hook and a
// webhook: a ban read from a log line runs the real program and reaches the real server.

const RECORDER = `#!${process.execPath}
require('node:fs').appendFileSync(process.argv[2], JSON.stringify(process.argv.slice(3)) + '\\n');
`;

const failure = (ip: string, port: number, user = 'root') =>
  `${new Date(Date.now() - 30_000).toISOString()} web1 sshd[${port}]: Failed password for ${user} from ${ip} port ${port} ssh2\n`;

describe('engine stack with exec and webhook actions', () => {
  let tmp: TempDir;
  let stack: EngineStack | null = null;
  let server: http.Server;
  let bodies: Array<Record<string, unknown>>;
  beforeEach(async () => {
    tmp = makeTempDir('portcullis-hooks-');
    bodies = [];
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      req.on('end', () => {
        bodies.push({ ...JSON.parse(body), authorization: req.headers.authorization });
        res.end('ok');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
  afterEach(async () => {
    await stack?.stop();
    stack = null;
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    tmp.remove();
  });

  it('bans from a log line and runs the hooks of the jail, on ban and on unban', async () => {
    const hook = tmp.write('hook.js', RECORDER);
    const out = `${tmp.dir}/hook-runs`;
    const authLog = tmp.write('auth.log', '');
    const { port } = server.address() as AddressInfo;
    const configFile = tmp.write('config.toml', [
      '[settings]', 'maxretry = 2', 'bantime = "1h"',
      safeSections(tmp.dir),
      '[actions.record]', 'type = "exec"',
      `ban = [${JSON.stringify(process.execPath)}, ${JSON.stringify(hook)}, ${JSON.stringify(out)}, "ban", "<ip>", "<jail>", "<bantime>", "<failures>"]`,
      `unban = [${JSON.stringify(process.execPath)}, ${JSON.stringify(hook)}, ${JSON.stringify(out)}, "unban", "<ip>", "<jail>"]`,
      'timeout = "5s"',
      '[actions.alert]', 'type = "webhook"', `url = "http://127.0.0.1:${port}/ban"`, 'headers = { Authorization = "Bearer abc" }',
      '[jails.sshd]', 'logpath = ["auth.log"]', 'start_at = "beginning"', 'actions = ["firewall", "record", "alert"]',
      '[jails.other]', 'filter = "sshd"', 'logpath = ["other.log"]', 'start_at = "beginning"',
      '',
    ].join('\n'));
    tmp.write('other.log', failure('198.18.91.2', 3) + failure('198.18.91.2', 4));
    stack = await openEngineStack(configFile);
    const control = new InProcessControl(stack.handlers);
    await stack.start();
    appendFileSync(authLog, failure('198.18.91.1', 1) + failure('198.18.91.1', 2));
    // The recorder opens the file before it writes its line: wait for the whole line, not the file.
    const runs = () => (existsSync(out) ? readFileSync(out, 'utf8') : '');
    await waitFor(() => runs().endsWith('\n') && bodies.length === 1, 'the hook run and the webhook', 10_000);
    await waitFor(() => stack!.engine.list().length === 2, 'both bans', 10_000);
    expect(readFileSync(out, 'utf8')).toBe(`${JSON.stringify(['ban', '198.18.91.1', 'sshd', '3600', '2'])}\n`);
    expect(bodies[0]).toMatchObject({ event: 'ban', ip: '198.18.91.1', jail: 'sshd', bantime: 3600, failures: 2, node: os.hostname(), authorization: 'Bearer abc' });
    expect(typeof bodies[0]!.expiry).toBe('string');

    await control.request({ command: 'unban', ip: '198.18.91.1' });
    await waitFor(() => runs().split('\n').length === 3 && runs().endsWith('\n') && bodies.length === 2, 'the unban hooks', 10_000);
    expect(readFileSync(out, 'utf8').trim().split('\n')[1]).toBe(JSON.stringify(['unban', '198.18.91.1', 'sshd']));
    expect(bodies[1]).toMatchObject({ event: 'unban', ip: '198.18.91.1', bantime: 3600, failures: 2 });
    // The jail without the hooks banned too, and ran none of them.
    expect(bodies.map((b) => b.ip)).toEqual(['198.18.91.1', '198.18.91.1']);
  });
});
