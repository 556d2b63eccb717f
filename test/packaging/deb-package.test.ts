import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, lstatSync, mkdirSync, readFileSync, readlinkSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { CLI, ensureCliBuilt, ROOT, run } from '../helpers/cli.js';
import { serviceNodeFlags, shebangNodeFlags } from '../helpers/node-flags.js';
import { openNotifySocket } from '../helpers/notify-socket.js';
import { dryRunBans, safePaths, safeSections, sshdJail } from '../helpers/safe-config.js';
import { makeTempDir, type TempDir } from '../helpers/temp-dir.js';

// Builds the .deb as `npm run package:deb` does, then looks at it from the outside: its control
// fields and file list with dpkg-deb, and the program extracted into a temporary root, run there.

const has = (tool: string): boolean => spawnSync('which', [tool], { stdio: 'ignore' }).status === 0;
const canBuild = has('dpkg-deb') && has('dpkg-shlibdeps');

let tmp: TempDir;
let deb = '';
let root = '';
const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
const installed = (...parts: string[]): string => path.join(root, ...parts);

describe.skipIf(!canBuild)('the Debian package', () => {
  beforeAll(async () => {
    await ensureCliBuilt();
    tmp = makeTempDir('portcullis-h20-deb-');
    const built = await run(process.execPath, ['--import', 'tsx', path.join(ROOT, 'packaging/build-deb.ts'), '--out', tmp.dir], 300_000);
    expect(built.code, built.stderr).toBe(0);
    deb = path.join(tmp.dir, `portcullis_${pkg.version}_${(await run('dpkg', ['--print-architecture'])).stdout.trim()}.deb`);
    expect(built.stdout).toContain(deb);
    root = path.join(tmp.dir, 'root');
    const extracted = await run('dpkg-deb', ['-x', deb, root]);
    expect(extracted.code, extracted.stderr).toBe(0);
  }, 360_000);
  afterAll(() => tmp?.remove());

  it('has the control fields: name, version, architecture, dependencies', async () => {
    const field = async (name: string): Promise<string> => (await run('dpkg-deb', ['-f', deb, name])).stdout.trim();
    expect(await field('Package')).toBe('portcullis');
    expect(await field('Version')).toBe(pkg.version);
    expect(await field('Architecture')).toBe((await run('dpkg', ['--print-architecture'])).stdout.trim());
    const depends = (await field('Depends')).split(/,\s*/);
    const major = Number(process.versions.node.split('.')[0]);
    // The native modules are built for this Node.js ABI: the same major version, no other.
    expect(depends).toEqual(expect.arrayContaining([`nodejs (>= ${major})`, `nodejs (<< ${major + 1})`, 'nftables | iptables', 'nftables | ipset']));
    expect(depends.some((d) => d.startsWith('libc6 (>= '))).toBe(true);
    expect(Number(await field('Installed-Size'))).toBeGreaterThan(1000);
  });

  it('holds the program, its production modules, the conffiles, the unit, logrotate, the man page and completion', async () => {
    const listing = (await run('dpkg-deb', ['-c', deb])).stdout;
    const modeOf = (file: string): string | undefined => listing.split('\n').find((l) => l.endsWith(` ./${file}`) || l.includes(` ./${file} -> `))?.split(/\s+/)[0];
    expect(modeOf('etc/portcullis/config.toml')).toBe('-rw-r-----');
    expect(modeOf('usr/bin/portcullis')).toBe('lrwxrwxrwx');
    expect(readlinkSync(installed('usr/bin/portcullis'))).toBe('../lib/portcullis/dist/cli.js');
    for (const file of [
      'usr/lib/portcullis/dist/cli.js', 'usr/lib/portcullis/filters/sshd.conf', 'lib/systemd/system/portcullis.service',
      'etc/logrotate.d/portcullis', 'usr/share/man/man8/portcullis.8.gz', 'usr/share/bash-completion/completions/portcullis',
      'usr/share/zsh/vendor-completions/_portcullis', 'usr/share/doc/portcullis/copyright', 'usr/share/doc/portcullis/changelog.gz',
      'usr/lib/portcullis/node_modules/re2/build/Release/re2.node', 'usr/lib/portcullis/node_modules/better-sqlite3/build/Release/better_sqlite3.node',
      'usr/lib/portcullis/node_modules/commander/package.json', 'usr/lib/portcullis/remove-firewall',
    ]) expect(modeOf(file), file).toBeDefined();
    // Production only: no test framework, no TypeScript, no build tools, no addon sources.
    for (const absent of ['vitest', 'typescript', 'tsx', 'node-gyp', 'smtp-server']) expect(existsSync(installed('usr/lib/portcullis/node_modules', absent)), absent).toBe(false);
    expect(existsSync(installed('usr/lib/portcullis/node_modules/re2/vendor'))).toBe(false);
    expect(listing).not.toMatch(/\.map$/m);

    const control = path.join(tmp.dir, 'control');
    await run('dpkg-deb', ['-e', deb, control]);
    expect(readFileSync(path.join(control, 'conffiles'), 'utf8').split('\n').filter(Boolean).sort()).toEqual(['/etc/logrotate.d/portcullis', '/etc/portcullis/config.toml']);
    expect(readFileSync(path.join(control, 'postinst'), 'utf8')).toMatch(/install -d -m 0700 .*\/var\/lib\/portcullis/);
    expect(readFileSync(path.join(control, 'prerm'), 'utf8')).toContain('/usr/lib/portcullis/remove-firewall');
    expect(readFileSync(installed('etc/logrotate.d/portcullis'), 'utf8')).toContain('/var/log/portcullis/*.log {');
  });

  it('maintainer scripts: the state folder 0700 on configure, kept on remove, gone with the log and edits on purge', async () => {
    const control = path.join(tmp.dir, 'scripts');
    await run('dpkg-deb', ['-e', deb, control]);
    // DPKG_ROOT: the scripts act on this folder as the root (as in a chrootless install), never on this machine.
    const target = path.join(tmp.dir, 'target');
    expect(target.startsWith(tmp.dir) && tmp.dir.length > 5).toBe(true);
    const script = (name: string, ...args: string[]) => run('sh', [path.join(control, name), ...args], 30_000, { DPKG_ROOT: target });
    mkdirSync(path.join(target, 'var/lib/portcullis'), { recursive: true, mode: 0o755 });
    expect(await script('postinst', 'configure', '')).toMatchObject({ code: 0 });
    expect(statSync(path.join(target, 'var/lib/portcullis')).mode & 0o777).toBe(0o700);
    expect(statSync(path.join(target, 'etc/portcullis/config.d')).isDirectory()).toBe(true);
    writeFileSync(path.join(target, 'var/lib/portcullis/state.db'), 'bans');
    mkdirSync(path.join(target, 'var/log/portcullis'), { recursive: true });
    writeFileSync(path.join(target, 'var/log/portcullis/portcullis.log'), 'log');
    writeFileSync(path.join(target, 'etc/portcullis/config.d/console.toml'), '');
    const wants = path.join(target, 'etc/systemd/system/multi-user.target.wants');
    mkdirSync(wants, { recursive: true });
    symlinkSync('/lib/systemd/system/portcullis.service', path.join(wants, 'portcullis.service'));
    expect(await script('prerm', 'remove')).toMatchObject({ code: 0 });
    expect(await script('postrm', 'remove')).toMatchObject({ code: 0 });
    expect(existsSync(path.join(target, 'var/lib/portcullis/state.db'))).toBe(true);
    expect(await script('postrm', 'purge')).toMatchObject({ code: 0 });
    for (const gone of ['var/lib/portcullis', 'var/log/portcullis', 'etc/portcullis', 'etc/systemd/system/multi-user.target.wants/portcullis.service']) {
      expect(existsSync(path.join(target, gone)), gone).toBe(false);
    }
    expect(await script('postinst', 'bogus')).toMatchObject({ code: 1 });
  });

  it('ships a valid config whose paths are the folders the unit gives the daemon', () => {
    const config = parseConfig(readFileSync(installed('etc/portcullis/config.toml'), 'utf8'), 'config.toml');
    expect(Object.keys(config.jails)).toEqual(['sshd']);
    expect(config.jails['sshd']).toMatchObject({ enabled: true, backend: 'journal', filter: 'sshd' });
    expect(config.firewall.backend).toBe('auto');
    const unit = readFileSync(installed('lib/systemd/system/portcullis.service'), 'utf8');
    const directive = (name: string): string[] => [...unit.matchAll(new RegExp(`^${name}=(.*)$`, 'gm'))].map((m) => m[1]!);
    expect(directive('Type')).toEqual(['notify']);
    expect(directive('NotifyAccess')).toEqual(['all']);
    expect(directive('RestartPreventExitStatus')).toEqual(['78']);
    const [node, ...start] = directive('ExecStart')[0]!.split(' ');
    // Debian's nodejs package puts node there; the script is the one /usr/bin/portcullis runs.
    expect(node).toBe('/usr/bin/node');
    const flags = serviceNodeFlags(installed('lib/systemd/system/portcullis.service'));
    expect(start.slice(flags.length)).toEqual(['/usr/lib/portcullis/dist/cli.js', '--daemon', '--config', '/etc/portcullis/config.toml']);
    expect(path.resolve(path.dirname(installed('usr/bin/portcullis')), readlinkSync(installed('usr/bin/portcullis')))).toBe(installed(start[flags.length]!.slice(1)));
    // The #! line's heap settings, the young generation aside (the daemon's is larger): the two
    // places that name them do not drift apart.
    const young = (f: string): boolean => f.startsWith('--max-semi-space-size=');
    expect(flags.filter((f) => !young(f))).toEqual(shebangNodeFlags(installed('usr/lib/portcullis/dist/cli.js')).filter((f) => !young(f)));
    expect(flags.filter(young)).toEqual(['--max-semi-space-size=8']);
    expect(config.daemon.state_dir).toBe(`/var/lib/${directive('StateDirectory')[0]}`);
    expect(path.dirname(config.daemon.socket)).toBe(`/run/${directive('RuntimeDirectory')[0]}`);
    expect(path.dirname(config.daemon.pid_file)).toBe(`/run/${directive('RuntimeDirectory')[0]}`);
    expect(path.dirname(config.daemon.log_file)).toBe(`/var/log/${directive('LogsDirectory')[0]}`);
    expect(directive('ReadWritePaths')).not.toContain('/var/log');
  });

  it('runs extracted: --version, the installed default config, regex on a sample log like the checkout', async () => {
    const program = installed('usr/bin/portcullis');
    const version = await run(program, ['--version']);
    expect(version).toMatchObject({ code: 0, stdout: `${pkg.version}\n` });
    // The unit's node flags are ones this node takes.
    const flags = serviceNodeFlags(installed('lib/systemd/system/portcullis.service'));
    expect(await run(process.execPath, [...flags, installed('usr/lib/portcullis/dist/cli.js'), '--version'])).toMatchObject({ code: 0, stdout: `${pkg.version}\n` });
    const help = async (env: NodeJS.ProcessEnv = {}): Promise<string> => (await run(program, ['--help'], 30_000, env)).stdout.replace(/\s+/g, ' ');
    expect(await help()).toContain('configuration file (default: "/etc/portcullis/config.toml")');
    expect(await help({ PORTCULLIS_CONFIG: '/srv/pc.toml' })).toContain('configuration file (default: "/srv/pc.toml")');
    const sample = path.join(ROOT, 'test/samples/sshd.log');
    const fromPackage = await run(program, ['regex', sample, 'sshd', '--json']);
    expect(fromPackage.code, fromPackage.stderr).toBe(0);
    const fromCheckout = await run(process.execPath, [CLI, 'regex', sample, 'sshd', '--json']);
    // The same result as the checkout's program, but for the time of the sample's undated lines (now).
    type Report = { failures: Array<{ time?: string }> };
    const timeless = (text: string): Report => {
      const report = JSON.parse(text) as Report;
      for (const failure of report.failures) delete failure.time;
      return report;
    };
    expect(timeless(fromPackage.stdout).failures.length).toBeGreaterThan(0);
    expect(timeless(fromPackage.stdout)).toEqual(timeless(fromCheckout.stdout));
  });

  it('runs extracted as a daemon until it reports READY=1 through a notify socket', async () => {
    const dir = path.join(tmp.dir, 'daemon');
    mkdirSync(dir);
    const config = path.join(dir, 'config.toml');
    const authLog = path.join(dir, 'auth.log');
    copyFileSync(path.join(ROOT, 'test/samples/sshd.log'), authLog);
    writeFileSync(config, `${safeSections(dir)}${sshdJail(authLog)}`);
    const notify = await openNotifySocket(dir);
    const child = spawn(installed('usr/bin/portcullis'), ['--daemon', '--config', config], { env: { ...process.env, NOTIFY_SOCKET: notify.path }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const ready = await notify.waitFor((m) => m.text.split('\n').includes('READY=1'), `READY=1 (stderr: ${stderr})`, 60_000);
      // The sample log, read from its beginning, banned addresses before the daemon said ready.
      const status = ready.text.split('\n').find((l) => l.startsWith('STATUS='));
      expect(status).toMatch(/^STATUS=\d+ bans? in force, 1 jail running$/);
      expect(Number(/STATUS=(\d+)/.exec(status!)![1])).toBe(dryRunBans(safePaths(dir).stateDir).length);
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await notify.close();
    }
  }, 90_000);

  it('has a man page made from --help, with every command and the exit codes', async () => {
    const page = gunzipSync(readFileSync(installed('usr/share/man/man8/portcullis.8.gz'))).toString();
    const help = (await run(installed('usr/bin/portcullis'), ['--help'])).stdout;
    const commandLines = help.slice(help.indexOf('Commands:')).split('\n\n')[0]!.split('\n').slice(1);
    const commands = commandLines.map((l) => /^ {2}(\S+)/.exec(l)?.[1]).filter((c): c is string => c !== undefined && c !== 'help');
    expect(commands.length).toBeGreaterThan(10);
    for (const command of commands) expect(page, command).toContain(`.SS "portcullis ${command.replace(/-/g, '\\-')}`);
    expect(page).toMatch(/\.SH EXIT STATUS\n(.*\n)*?\.TP\n78\n/);
    const rendered = await run('man', ['--warnings', '-l', installed('usr/share/man/man8/portcullis.8.gz')], 30_000, { MANWIDTH: '100', MAN_KEEP_FORMATTING: '' });
    expect(rendered.code).toBe(0);
    expect(rendered.stderr).toBe('');
    expect(rendered.stdout).toContain('EX_CONFIG');
  });

  it('completes commands in bash from the shipped completion file', async () => {
    const file = installed('usr/share/bash-completion/completions/portcullis');
    const complete = async (...words: string[]): Promise<string[]> => {
      const script = 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _portcullis; printf "%s\\n" "${COMPREPLY[@]}"';
      const result = await run('bash', ['-c', script, 'bash', file, ...words]);
      expect(result.stderr).toBe('');
      return result.stdout.split('\n').filter(Boolean);
    };
    expect(await complete('portcullis', 'fire')).toEqual(['firewall']);
    expect(await complete('portcullis', 'firewall', 'ap')).toEqual(['apply']);
    expect(await complete('portcullis', 'firewall', 'apply', '--f')).toEqual(['--force']);
    expect(await complete('portcullis', 'tr')).toEqual(['trust']);
  });

  it('passes systemd-analyze verify with the extracted root', async () => {
    // verify looks for every command of the unit under --root: the package's, and the system
    // tools it runs (node, which ExecStart gives the daemon's script to, touch and kill), copied in.
    mkdirSync(installed('bin'), { recursive: true });
    for (const tool of ['touch', 'kill']) copyFileSync(`/bin/${tool}`, installed('bin', tool));
    copyFileSync(process.execPath, installed('usr/bin/node'));
    const verified = await run('systemd-analyze', ['verify', `--root=${root}`, 'portcullis.service'], 60_000, { MANPATH: installed('usr/share/man') });
    expect(verified.code, verified.stderr).toBe(0);
    // verify exits 0 on some errors it only warns about (an unknown Type=): none may be printed.
    expect(verified.stderr).toBe('');
  });

  it('scores no worse in systemd-analyze security than the Type=exec unit did (3.0, exposures summing to 3.7)', async () => {
    const report = await run('systemd-analyze', ['security', '--offline=true', installed('lib/systemd/system/portcullis.service')], 60_000);
    expect(report.code, report.stderr).toBe(0);
    const overall = Number(/Overall exposure level for portcullis\.service: ([\d.]+)/.exec(report.stdout)?.[1]);
    const exposures = report.stdout.split('\n').filter((l) => l.startsWith('✗')).reduce((sum, l) => sum + Number(l.trim().split(/\s+/).pop()), 0);
    // Measured on the unit before this package (Type=exec, ReadWritePaths=/var/log).
    expect(overall).toBeLessThanOrEqual(3.0);
    expect(exposures).toBeLessThanOrEqual(3.7 + 1e-9);
  });

  it.skipIf(!has('lintian'))('is lintian clean (every override says why)', async () => {
    const result = await run('lintian', ['--pedantic', '-I', '--fail-on', 'error,warning,info,pedantic', deb], 240_000);
    expect(result.stdout).toBe('');
    expect(result.code, result.stderr).toBe(0);
    const overrides = readFileSync(installed('usr/share/lintian/overrides/portcullis'), 'utf8').split('\n');
    overrides.forEach((line, i) => {
      if (!line.startsWith('portcullis:')) return;
      // The block of overrides this one belongs to starts with its reason.
      let above = i - 1;
      while (above >= 0 && overrides[above]!.startsWith('portcullis:')) above--;
      expect(overrides[above], `no reason above "${line}"`).toMatch(/^#/);
    });
    expect(statSync(installed('usr/share/lintian/overrides/portcullis')).mode & 0o777).toBe(0o644);
    expect(lstatSync(installed('usr/bin/portcullis')).isSymbolicLink()).toBe(true);
  }, 300_000);
});
