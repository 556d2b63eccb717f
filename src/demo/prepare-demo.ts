import { mkdtemp, writeFile } from 'node:fs/promises';
import { rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'smol-toml';
import { loadConfig, type Config } from '../config/index.js';
import { rangesOverlap } from '../net/index.js';
import { DEMO_RANGES } from './addresses.js';
import type { DemoService } from './traffic.js';

/** A demo ready to run: its folder, its config, the logs the generator appends to. */
export interface DemoSetup {
  /** The temporary folder holding everything below; `cleanup()` removes it. */
  dir: string;
  /** The demo config: dry-run firewall, every daemon path inside `dir`. */
  configPath: string;
  /** Log path by jail name, one per jail the generator writes for (recidive reads the engine log). */
  logs: Record<string, string>;
  /** Removes `dir` and everything in it; safe to call twice. */
  cleanup(): void;
}

/** Options of {@link prepareDemo}. */
export interface PrepareDemoOptions {
  /** Folder the demo's own temporary folder is made in (default: the OS temp folder). */
  dir?: string;
}

/** Durations and thresholds of the demo: short, so bans, escalations and expiries show in seconds. */
export const DEMO_TIMING = {
  bantime: '20s',
  findtime: '2m',
  maxretry: 3,
  escalation: { enabled: true, factor: 2, maxtime: '5m', permanent_after: 4, scope: 'all' },
  recidive: { findtime: '10m', maxretry: 3, bantime: '2m' },
} as const;

/** Addresses the demo always trusts, whatever the base config says. */
const LOOPBACK = ['127.0.0.0/8', '::1'];

/** Where each demo service logs, inside the demo folder. */
const LOG_FILES: Record<DemoService, string> = {
  sshd: 'auth.log',
  'nginx-http-auth': 'nginx-error.log',
  'apache-auth': 'apache-error.log',
  postfix: 'mail.log',
  dovecot: 'mail.log',
};

/**
 * Makes a throw-away demo next to nothing of the real system: a temporary folder with a config
 * derived from `baseConfigPath`, whose firewall is dry-run, whose state, socket, pid file and
 * engine log live in that folder, and whose jails (sshd, a web one, a mail one, recidive) read
 * empty logs there that a {@link DemoGenerator} fills. The base config's other jails, its e-mail
 * notices and its real log paths are left out. Trusted ranges of the base config are kept unless
 * they cover demo addresses (which would hide every ban), and loopback is always trusted.
 * @throws ConfigError if the base config does not load; the folder is then removed
 */
export async function prepareDemo(baseConfigPath: string, options: PrepareDemoOptions = {}): Promise<DemoSetup> {
  const base = loadConfig(baseConfigPath);
  const dir = await mkdtemp(path.join(options.dir ?? os.tmpdir(), 'portcullis-demo-'));
  const cleanup = () => rmSync(dir, { recursive: true, force: true });
  try {
    const services = chooseServices(base);
    const logs: Record<string, string> = {};
    for (const service of services) logs[service] = path.join(dir, LOG_FILES[service]);
    const daemon = {
      state_dir: path.join(dir, 'state'),
      socket: path.join(dir, 'portcullis.sock'),
      pid_file: path.join(dir, 'portcullis.pid'),
      log_file: path.join(dir, 'portcullis.log'),
    };
    for (const file of new Set([...Object.values(logs), daemon.log_file])) await writeFile(file, '', { flag: 'a' });

    const jails: Record<string, object> = {};
    for (const service of services) jails[service] = demoJail(service, logs[service]!);
    jails.recidive = {
      ...demoJail('recidive', daemon.log_file),
      findtime: DEMO_TIMING.recidive.findtime,
      maxretry: DEMO_TIMING.recidive.maxretry,
      bantime: DEMO_TIMING.recidive.bantime,
    };
    const config = {
      settings: {
        enabled: true,
        bantime: DEMO_TIMING.bantime,
        findtime: DEMO_TIMING.findtime,
        maxretry: DEMO_TIMING.maxretry,
        escalation: { ...DEMO_TIMING.escalation },
      },
      trusted: { ranges: trustedRanges(base.trusted.ranges) },
      daemon,
      firewall: {
        // Never anything else: the demo must not touch the real firewall.
        backend: 'dry-run',
        default_policy: base.firewall.default_policy,
        confirm_timeout: base.firewall.confirm_timeout,
        rules: base.firewall.rules,
      },
      jails,
    };
    const configPath = path.join(dir, 'config.toml');
    const header = `# portcullis demo config, made from ${baseConfigPath}.\n# Firewall dry-run: nothing is blocked. Removed when the demo ends.\n\n`;
    await writeFile(configPath, header + stringify(config) + '\n');
    assertDemoConfig(loadConfig(configPath), dir);
    return { dir, configPath, logs, cleanup };
  } catch (err) {
    cleanup();
    throw err;
  }
}

/**
 * Throws unless `config` is safe to run as a demo: dry-run firewall, every daemon path and every
 * enabled jail's log inside `dir`, no e-mail.
 */
export function assertDemoConfig(config: Config, dir: string): void {
  const inside = (p: string) => {
    const rel = path.relative(dir, path.resolve(dir, p));
    return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
  };
  if (config.firewall.backend !== 'dry-run') throw new Error(`demo config: firewall backend is "${config.firewall.backend}", not "dry-run"`);
  if (config.notify?.email) throw new Error('demo config: [notify.email] is set');
  for (const [key, value] of Object.entries(config.daemon)) {
    if (!inside(value)) throw new Error(`demo config: daemon ${key} ${value} is outside ${dir}`);
  }
  for (const [name, jail] of Object.entries(config.jails)) {
    if (!jail.enabled) continue;
    if (jail.backend !== 'file') throw new Error(`demo config: jail ${name} reads the journal`);
    for (const p of jail.logpath) if (!inside(p)) throw new Error(`demo config: jail ${name} reads ${p}, outside ${dir}`);
  }
}

/** sshd, the web server and the mail server the base config uses (nginx and postfix unless it says otherwise). */
function chooseServices(base: Config): DemoService[] {
  const enabled = (name: string) => base.jails[name]?.enabled === true;
  const web: DemoService = enabled('apache-auth') && !enabled('nginx-http-auth') ? 'apache-auth' : 'nginx-http-auth';
  const mail: DemoService = enabled('dovecot') && !enabled('postfix') ? 'dovecot' : 'postfix';
  return ['sshd', web, mail];
}

function demoJail(filter: string, logpath: string) {
  return { enabled: true, filter, logpath: [logpath], backend: 'file', start_at: 'beginning', actions: ['firewall'] };
}

/** Loopback, then the base config's ranges that neither repeat it nor cover a demo address. */
function trustedRanges(baseRanges: string[]): string[] {
  const kept = baseRanges.filter((range) => !LOOPBACK.some((l) => rangesOverlap(l, range)) && !DEMO_RANGES.some((d) => rangesOverlap(d, range)));
  return [...LOOPBACK, ...kept];
}


