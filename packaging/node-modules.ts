import { closeSync, cpSync, existsSync, openSync, readdirSync, readFileSync, readSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';

/**
 * Packages a native module needs only to be built or fetched, never at run time: the package
 * ships the addon already built, so they are left out (node-gyp alone pulls in dozens more).
 */
export const BUILD_ONLY = new Set(['node-gyp', 'nan', 'install-artifact-from-github', 'prebuild-install']);

/** The native modules, and the one file of each that runs: the built addon. */
export const NATIVE_ADDONS: Record<string, string> = {
  re2: 'build/Release/re2.node',
  'better-sqlite3': 'build/Release/better_sqlite3.node',
};

interface Manifest {
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

function readManifest(dir: string): Manifest {
  return JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as Manifest;
}

/** Where Node would find `name` from a package in `fromDir`: its own node_modules, then each parent's. */
function resolvePackage(name: string, fromDir: string, root: string): string | null {
  let dir = fromDir;
  for (;;) {
    const candidate = path.join(dir, 'node_modules', name);
    if (existsSync(path.join(candidate, 'package.json'))) return candidate;
    if (dir === root) return null;
    const parent = path.dirname(dir);
    // Up through nested node_modules folders: a/node_modules/b -> a -> (root).
    dir = path.basename(parent) === 'node_modules' ? path.dirname(parent) : parent;
    if (!dir.startsWith(root)) return null;
  }
}

/**
 * The folders (relative to `root`) of every package the program needs at run time: the
 * `dependencies` of `root/package.json`, followed transitively the way Node resolves them, less
 * BUILD_ONLY. A missing required dependency is an error; a missing optional one is skipped.
 */
export function productionPackages(rootDir: string): string[] {
  const root = path.resolve(rootDir);
  const found = new Set<string>();
  const visit = (fromDir: string, manifest: Manifest): void => {
    const wanted = [
      ...Object.keys(manifest.dependencies ?? {}).map((name) => ({ name, optional: false })),
      ...Object.keys(manifest.optionalDependencies ?? {}).map((name) => ({ name, optional: true })),
    ];
    for (const { name, optional } of wanted) {
      if (BUILD_ONLY.has(name)) continue;
      const dir = resolvePackage(name, fromDir, root);
      if (dir === null) {
        if (optional) continue;
        throw new Error(`${name} (needed by ${path.relative(root, fromDir) || 'portcullis'}) is not installed: run npm ci first`);
      }
      const relative = path.relative(root, dir);
      if (found.has(relative)) continue;
      found.add(relative);
      visit(dir, readManifest(dir));
    }
  };
  visit(root, readManifest(root));
  return [...found].sort();
}

/**
 * Copies the production packages from `root/node_modules` into `target` (a `node_modules`
 * folder). Native modules keep only their built addon from `build/`, none of their sources or
 * object files. Symlinked node_modules are followed. Returns the packages copied.
 */
export function copyProductionModules(root: string, target: string): string[] {
  const packages = productionPackages(root);
  for (const relative of packages) {
    const from = realpathSync(path.join(root, relative));
    const to = path.join(target, path.relative('node_modules', relative));
    const name = relative.split('node_modules/').pop()!;
    const addon = NATIVE_ADDONS[name];
    cpSync(from, to, {
      recursive: true,
      dereference: true,
      filter: (source) => {
        const inside = path.relative(from, source);
        if (inside === '') return true;
        // Nested node_modules are copied as packages of their own (only the production ones).
        if (inside.split(path.sep)[0] === 'node_modules') return false;
        if (addon !== undefined) return keepOfNative(inside, addon, statSync(source).isDirectory());
        if (/(^|\/)(\.[^/]*|test|tests|__tests__)$/.test(inside)) return false; // dotfiles: .eslintrc, .npmignore, .github
        if (/\.(map|md|markdown|tsbuildinfo)$/i.test(inside) || /\.d\.[cm]?ts$/.test(inside)) return false;
        return !isForeignScript(source);
      },
    });
  }
  return packages;
}

/** A script for another interpreter (asciichart ships a Python plotter): never run by the program. */
function isForeignScript(file: string): boolean {
  if (!statSync(file).isFile()) return false;
  const fd = openSync(file, 'r');
  try {
    const head = Buffer.alloc(64);
    const text = head.subarray(0, readSync(fd, head, 0, 64, 0)).toString('latin1');
    return text.startsWith('#!') && !/\bnode\b/.test(text.split('\n')[0]!);
  } finally {
    closeSync(fd);
  }
}

/** In a native module: its JavaScript, package.json, licence and the built addon; no build tree. */
function keepOfNative(inside: string, addon: string, isDirectory: boolean): boolean {
  const parts = inside.split(path.sep);
  if (['deps', 'src', 'vendor', 'scripts', 'docs'].includes(parts[0]!)) return false;
  if (parts[0] === 'build') return isDirectory ? addon.startsWith(`${inside}/`) : inside === addon;
  return !/\.(md|gyp|gypi)$/i.test(inside);
}

/** Files under `dir` that start with a `#!...node` line. */
export function nodeScripts(dir: string): string[] {
  return walkFiles(dir).filter((file) => {
    const fd = openSync(file, 'r');
    try {
      const head = Buffer.alloc(64);
      const text = head.subarray(0, readSync(fd, head, 0, 64, 0)).toString('latin1');
      return text.startsWith('#!') && /\bnode\b/.test(text.split('\n')[0]!);
    } finally {
      closeSync(fd);
    }
  });
}

function walkFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...walkFiles(full));
    else if (entry.isFile()) out.push(full);
  }
  return out;
}

/** The `.node` files under `dir` (to strip them and to check their architecture). */
export function findAddons(dir: string): string[] {
  return walkFiles(dir).filter((f) => f.endsWith('.node')).sort();
}
