import { existsSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { assertDemoConfig, prepareDemo, type DemoSetup } from '../../src/demo/prepare-demo.js';
import { REPO_ROOT } from '../helpers/filter-paths.js';
import { makeTempDir, type TempDir } from '../helpers/temp-dir.js';

const EXAMPLE = path.join(REPO_ROOT, 'config.example.toml');

const isInside = (dir: string, p: string) => {
  const rel = path.relative(dir, p);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
};

describe('prepareDemo', () => {
  const setups: DemoSetup[] = [];
  const temps: TempDir[] = [];
  afterEach(() => {
    setups.splice(0).forEach((s) => s.cleanup());
    temps.splice(0).forEach((t) => t.remove());
  });
  const prepare = async (base: string, options?: { dir?: string }) => {
    const setup = await prepareDemo(base, options);
    setups.push(setup);
    return setup;
  };

  it('writes a config that loads, with a dry-run firewall and every path in its temporary folder', async () => {
    const setup = await prepare(EXAMPLE);
    expect(path.basename(setup.dir)).toMatch(/^portcullis-demo-/);
    expect(path.dirname(setup.dir)).toBe(os.tmpdir());
    expect(isInside(setup.dir, setup.configPath)).toBe(true);
    expect(isInside(REPO_ROOT, setup.dir)).toBe(false);

    const config = loadConfig(setup.configPath);
    expect(config.firewall.backend).toBe('dry-run');
    expect(config.notify).toBeUndefined();
    for (const value of Object.values(config.daemon)) expect(isInside(setup.dir, value), value).toBe(true);
    expect(() => assertDemoConfig(config, setup.dir)).not.toThrow();

    expect(Object.keys(setup.logs).sort()).toEqual(['nginx-http-auth', 'postfix', 'sshd']);
    expect(Object.keys(config.jails).sort()).toEqual(['nginx-http-auth', 'postfix', 'recidive', 'sshd']);
    for (const [name, jail] of Object.entries(config.jails)) {
      expect(jail.enabled).toBe(true);
      expect(jail.actions).toEqual(['firewall']);
      for (const log of jail.logpath) {
        expect(isInside(setup.dir, log), `${name}: ${log}`).toBe(true);
        expect(existsSync(log)).toBe(true);
      }
      if (name !== 'recidive') expect(jail.logpath).toEqual([setup.logs[name]]);
    }
    expect(config.jails.recidive!.logpath).toEqual([config.daemon.log_file]);
    expect(config.jails.recidive).toMatchObject({ findtime: 600, maxretry: 3, bantime: 120 });
    expect(config.settings).toMatchObject({ enabled: true, bantime: 20, findtime: 120, maxretry: 3 });
    expect(config.settings.escalation).toMatchObject({ enabled: true, factor: 2, maxtime: 300, permanent_after: 4 });
    expect(config.trusted.ranges).toEqual(expect.arrayContaining(['127.0.0.0/8', '::1']));
  });

  it('follows the base config: apache and dovecot when it uses them; drops mail, a real backend and trust of demo ranges', async () => {
    const tmp = makeTempDir('portcullis-demo-base-');
    temps.push(tmp);
    const base = tmp.write('config.toml', `
[trusted]
ranges = ["10.0.0.0/8", "198.18.7.0/24", "2001:db8::/48", "127.0.0.1"]
[firewall]
backend = "iptables"
[[firewall.rules]]
name = "ssh"
action = "allow"
ports = [22]
[daemon]
state_dir = "/var/lib/portcullis"
[notify.email]
host = "smtp.example.com"
from = "a@example.com"
to = ["b@example.com"]
[jails.sshd]
logpath = ["/var/log/auth.log"]
actions = ["firewall", "email"]
[jails.apache-auth]
logpath = ["/var/log/apache2/error.log"]
[jails.dovecot]
logpath = ["/var/log/mail.log"]
[jails.wordpress]
logpath = ["/var/log/apache2/access.log"]
`);
    const setup = await prepare(base, { dir: tmp.dir });
    expect(path.dirname(setup.dir)).toBe(tmp.dir);
    const config = loadConfig(setup.configPath);
    expect(config.firewall.backend).toBe('dry-run');
    expect(config.firewall.rules.map((r) => r.name)).toEqual(['ssh']);
    expect(config.notify).toBeUndefined();
    expect(Object.keys(config.jails).sort()).toEqual(['apache-auth', 'dovecot', 'recidive', 'sshd']);
    expect(config.jails.sshd!.actions).toEqual(['firewall']);
    expect(config.trusted.ranges).toEqual(['127.0.0.0/8', '::1', '10.0.0.0/8']);
    for (const value of Object.values(config.daemon)) expect(isInside(setup.dir, value), value).toBe(true);
    expect(readFileSync(setup.configPath, 'utf8')).not.toContain('/var/');
  });

  it('cleanup removes the folder, and may be called twice', async () => {
    const setup = await prepareDemo(EXAMPLE);
    expect(existsSync(setup.dir)).toBe(true);
    setup.cleanup();
    expect(existsSync(setup.dir)).toBe(false);
    expect(() => setup.cleanup()).not.toThrow();
  });

  it('refuses configs that are not safe demos', () => {
    const config = loadConfig(EXAMPLE);
    expect(() => assertDemoConfig(config, os.tmpdir())).toThrow(/not "dry-run"/);
    config.firewall.backend = 'dry-run';
    expect(() => assertDemoConfig(config, os.tmpdir())).toThrow(/outside/);
  });

  it('leaves nothing behind when the base config does not load', async () => {
    const tmp = makeTempDir('portcullis-demo-bad-');
    temps.push(tmp);
    const base = tmp.write('config.toml', '[settings]\nmaxretry = "many"\n');
    await expect(prepareDemo(base, { dir: tmp.dir })).rejects.toThrow(/maxretry/);
    expect(readdirSync(tmp.dir).sort()).toEqual(['config.toml']);
  });
});

