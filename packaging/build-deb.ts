/**
 * `npm run package:deb`: builds portcullis_<version>_<arch>.deb with dpkg-deb from the built
 * program (dist/, run `tsc -p tsconfig.build.json` first) and the production node_modules of
 * this checkout, whose native modules (re2, better-sqlite3) npm built for this machine: the
 * package is for this machine's architecture and Node.js major version.
 *
 *   node --import tsx packaging/build-deb.ts [--out DIR] [--keep-tree DIR] [--fresh-modules]
 *
 * --fresh-modules runs `npm ci --omit=dev` in the package tree instead of copying (builds both
 * native modules from source, minutes). --keep-tree leaves the staged tree there for inspection.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { copyProductionModules, findAddons, nodeScripts } from './node-modules.js';
import { commandPaths, manPage } from './man-page.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const HERE = path.join(ROOT, 'packaging');
const LIB = 'usr/lib/portcullis';
/** The config file of the installed program, written into its package.json (see src/config/default-path.ts). */
export const INSTALLED_CONFIG = '/etc/portcullis/config.toml';

/** Builds the package; returns its path. */
export function buildDeb(options: { out: string; keepTree?: string; freshModules?: boolean }): string {
  const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string; description: string };
  const arch = run('dpkg', ['--print-architecture']).trim();
  const nodeMajor = Number(process.versions.node.split('.')[0]);
  const date = buildDate();
  const tree = options.keepTree ?? mkdtempSync(path.join(os.tmpdir(), 'portcullis-deb-'));
  rmSync(tree, { recursive: true, force: true });
  try {
    const lib = path.join(tree, LIB);
    mkdirSync(lib, { recursive: true });
    // The program: compiled JavaScript and the shipped filters; no source maps or type files.
    cpSync(path.join(ROOT, 'dist'), path.join(lib, 'dist'), { recursive: true, filter: (f) => !/\.(map|d\.ts)$/.test(f) });
    cpSync(path.join(ROOT, 'filters'), path.join(lib, 'filters'), { recursive: true });
    const installedManifest = { ...JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')), portcullis: { defaultConfig: INSTALLED_CONFIG } };
    delete installedManifest.devDependencies;
    delete installedManifest.scripts;
    writeFileSync(path.join(lib, 'package.json'), `${JSON.stringify(installedManifest, null, 2)}\n`);
    if (options.freshModules) {
      copyFileSync(path.join(ROOT, 'package-lock.json'), path.join(lib, 'package-lock.json'));
      run('npm', ['ci', '--omit=dev', '--no-audit', '--no-fund'], lib);
      rmSync(path.join(lib, 'package-lock.json'));
    } else {
      copyProductionModules(ROOT, path.join(lib, 'node_modules'));
    }
    // Plain files under node_modules, the addons too (0644, like any shared library); the
    // dependencies' own command-line scripts keep their execute bit.
    run('chmod', ['-R', 'a-x+X', path.join(lib, 'node_modules')]);
    for (const script of nodeScripts(path.join(lib, 'node_modules'))) chmodSync(script, 0o755);
    const addons = findAddons(path.join(lib, 'node_modules'));
    for (const addon of addons) run('strip', ['--strip-unneeded', '--remove-section=.comment', addon]);
    removeEmptyFolders(path.join(lib, 'node_modules'));
    install(path.join(HERE, 'remove-firewall'), path.join(lib, 'remove-firewall'), 0o755);
    chmodSync(path.join(lib, 'dist', 'cli.js'), 0o755);
    mkdirSync(path.join(tree, 'usr/bin'), { recursive: true });
    symlinkSync('../lib/portcullis/dist/cli.js', path.join(tree, 'usr/bin/portcullis'));

    // The installed program itself answers for what is generated from it.
    const cli = path.join(lib, 'dist', 'cli.js');
    const program = (args: string[]): string => run(process.execPath, [cli, ...args], tree, { PORTCULLIS_CONFIG: '' });
    checkNativeModules(lib);

    install(path.join(HERE, 'config.toml'), path.join(tree, 'etc/portcullis/config.toml'), 0o640);
    install(path.join(HERE, 'logrotate'), path.join(tree, 'etc/logrotate.d/portcullis'), 0o644);
    install(path.join(ROOT, 'portcullis.service'), path.join(tree, 'lib/systemd/system/portcullis.service'), 0o644);
    const texts = commandPaths((words) => program([...words, '--help']));
    writeGz(path.join(tree, 'usr/share/man/man8/portcullis.8.gz'), manPage(texts, pkg.version, date.day));
    write(path.join(tree, 'usr/share/bash-completion/completions/portcullis'), program(['completion', 'bash']), 0o644);
    write(path.join(tree, 'usr/share/zsh/vendor-completions/_portcullis'), program(['completion', 'zsh']), 0o644);
    const doc = path.join(tree, 'usr/share/doc/portcullis');
    install(path.join(HERE, 'copyright'), path.join(doc, 'copyright'), 0o644);
    writeGz(path.join(doc, 'changelog.gz'), changelog(pkg.version, date.rfc2822));
    install(path.join(ROOT, 'config.example.toml'), path.join(doc, 'examples/config.example.toml'), 0o644);
    install(path.join(HERE, 'lintian-overrides'), path.join(tree, 'usr/share/lintian/overrides/portcullis'), 0o644);

    const control = path.join(tree, 'DEBIAN');
    mkdirSync(control, { recursive: true });
    for (const script of ['postinst', 'prerm', 'postrm']) install(path.join(HERE, script), path.join(control, script), 0o755);
    write(path.join(control, 'conffiles'), '/etc/logrotate.d/portcullis\n/etc/portcullis/config.toml\n', 0o644);
    write(path.join(control, 'md5sums'), md5sums(tree), 0o644);
    write(path.join(control, 'control'), controlFile({ version: pkg.version, arch, nodeMajor, installedKb: installedSize(tree), shlibs: sharedLibraryDepends(addons) }), 0o644);

    mkdirSync(options.out, { recursive: true });
    const deb = path.join(options.out, `portcullis_${pkg.version}_${arch}.deb`);
    run('dpkg-deb', ['--root-owner-group', '-Zxz', '--build', tree, deb]);
    return deb;
  } finally {
    if (!options.keepTree) rmSync(tree, { recursive: true, force: true });
  }
}

/** The control file. The native modules are built for one Node.js ABI, hence the upper bound. */
export function controlFile(p: { version: string; arch: string; nodeMajor: number; installedKb: number; shlibs: string }): string {
  const template = readFileSync(path.join(HERE, 'control.in'), 'utf8');
  return template
    .replaceAll('@VERSION@', p.version)
    .replaceAll('@ARCH@', p.arch)
    .replaceAll('@NODE_MIN@', String(p.nodeMajor))
    .replaceAll('@NODE_NEXT@', String(p.nodeMajor + 1))
    .replaceAll('@INSTALLED_SIZE@', String(p.installedKb))
    .replaceAll('@SHLIBS@', p.shlibs);
}

/** Both native modules load from the staged tree, in this Node.js: a package that cannot run is not built. */
function checkNativeModules(lib: string): void {
  const probe = "const D=require('better-sqlite3'); new D(':memory:').prepare('select 1').get(); const R=require('re2'); new R('a+').test('aa');";
  run(process.execPath, ['-e', probe], lib);
}

/**
 * The libraries the addons link against (libc6, libstdc++6, libgcc-s1), with the versions they
 * need, as dpkg-shlibdeps finds them: what debhelper's ${shlibs:Depends} would be.
 */
function sharedLibraryDepends(addons: string[]): string {
  const work = mkdtempSync(path.join(os.tmpdir(), 'portcullis-shlibs-'));
  try {
    // dpkg-shlibdeps reads the source package's control file; a minimal one does.
    write(path.join(work, 'debian/control'), 'Source: portcullis\n\nPackage: portcullis\nArchitecture: any\n', 0o644);
    const out = run('dpkg-shlibdeps', ['-O', ...addons.map((a) => path.relative(work, a))], work);
    const line = out.split('\n').find((l) => l.startsWith('shlibs:Depends='));
    if (!line) throw new Error(`dpkg-shlibdeps printed no shlibs:Depends: ${out}`);
    return line.slice('shlibs:Depends='.length).trim();
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function buildDate(): { day: string; rfc2822: string } {
  // Reproducible when SOURCE_DATE_EPOCH is set (reproducible-builds.org), else the last commit.
  const epoch = process.env['SOURCE_DATE_EPOCH'] ?? run('git', ['log', '-1', '--format=%ct'], ROOT).trim();
  const when = new Date(Number(epoch) * 1000);
  return { day: when.toISOString().slice(0, 10), rfc2822: run('date', ['-R', '-u', '-d', `@${Number(epoch)}`]).trim() };
}

function changelog(version: string, date: string): string {
  return `portcullis (${version}) unstable; urgency=medium\n\n  * Built from the portcullis sources (native package).\n\n -- portcullis maintainers <maintainers@portcullis.example.org>  ${date}\n`;
}

function md5sums(tree: string): string {
  const lines: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(dir, entry.name);
      const relative = path.relative(tree, full);
      if (relative === 'DEBIAN') continue;
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile()) lines.push(`${createHash('md5').update(readFileSync(full)).digest('hex')}  ${relative}`);
    }
  };
  walk(tree);
  return `${lines.join('\n')}\n`;
}

/** Installed-Size: kibibytes, each file rounded up to a whole one (as dpkg-gencontrol counts). */
function installedSize(tree: string): number {
  let kb = 0;
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (path.relative(tree, full) === 'DEBIAN') continue;
      kb += entry.isFile() ? Math.ceil(statSync(full).size / 1024) : 1;
      if (entry.isDirectory()) walk(full);
    }
  };
  walk(tree);
  return kb;
}

/** Folders left empty by the copy's filters (type declarations only, and the like). */
function removeEmptyFolders(dir: string): boolean {
  let empty = true;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isDirectory() || !removeEmptyFolders(path.join(dir, entry.name))) empty = false;
  }
  if (empty) rmdirSync(dir);
  return empty;
}

function install(from: string, to: string, mode: number): void {
  mkdirSync(path.dirname(to), { recursive: true });
  copyFileSync(from, to);
  chmodSync(to, mode);
}

function write(file: string, text: string, mode: number): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
  chmodSync(file, mode);
}

function writeGz(file: string, text: string): void {
  mkdirSync(path.dirname(file), { recursive: true });
  // gzip -9n: no name or time stamp in the header, as Debian wants.
  writeFileSync(file, gzipSync(text, { level: 9 }));
  chmodSync(file, 0o644);
}

function run(file: string, args: string[], cwd = ROOT, env: NodeJS.ProcessEnv = {}): string {
  return execFileSync(file, args, { cwd, env: { ...process.env, ...env }, encoding: 'utf8', maxBuffer: 64 << 20, stdio: ['ignore', 'pipe', 'pipe'] });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const args = process.argv.slice(2);
  const value = (flag: string): string | undefined => {
    const i = args.indexOf(flag);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const keepTree = value('--keep-tree');
  const deb = buildDeb({ out: path.resolve(value('--out') ?? ROOT), ...(keepTree ? { keepTree: path.resolve(keepTree) } : {}), freshModules: args.includes('--fresh-modules') });
  process.stdout.write(`${deb} (${(statSync(deb).size / 1024 / 1024).toFixed(1)} MiB)\n`);
}
