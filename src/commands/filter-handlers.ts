import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../domain/atomic-write.js';
import { resolveConfigPath, userFilterDir } from '../config/index.js';
import type { CommandHandlers, FilterTestLine, FilterTestResult, RequestOf } from '../control/index.js';
import type { Engine } from '../engine/engine.js';
import { loadJailFilter } from '../engine/jail-filter.js';
import {
  compileFilter,
  loadFilter,
  loadFilterText,
  resolveFilterPath,
  SHIPPED_FILTER_DIR,
  type CompiledFilter,
  type FilterDefinition,
} from '../engine/filter/index.js';
import { expandGlob, hasGlob } from '../engine/source/glob-follower.js';
import { readTailLines } from '../engine/source/tail-lines.js';
import type { DaemonParts } from './daemon-parts.js';

/** Lines read from a jail's log when `filter-test` gives no `tail`. */
const DEFAULT_TAIL = 200;
/** The name unsaved filter text is tested under when no filter or jail names it. */
const DRAFT_NAME = 'draft';

/** `filter-test`, `filter-save` and `filter-show`: the console's filter editor. */
export function filterHandlers(parts: DaemonParts): Pick<CommandHandlers, 'filter-test' | 'filter-save' | 'filter-show'> {
  const { engine, log, configPath } = parts;
  const userDir = userFilterDir(configPath);
  return {
    'filter-test': (req) => testFilter(engine, configPath, req),
    'filter-save': async (req) => {
      // Compiled as if already saved, so includes and error lines are what they will be.
      const dirs = [userDir, ...engine.filterDirs().filter((dir) => path.resolve(dir) !== path.resolve(userDir))];
      compileFilter(loadFilterText(req.text, req.name, dirs));
      const file = path.join(userDir, `${req.name}.conf`);
      mkdirSync(userDir, { recursive: true });
      writeFileAtomic(file, req.text.endsWith('\n') ? req.text : `${req.text}\n`, { mode: 0o644 });
      const shadowsShipped = existsSync(path.join(SHIPPED_FILTER_DIR, `${req.name}.conf`));
      log.notice(null, `Filter ${req.name} saved to ${file}${shadowsShipped ? ' (it replaces the shipped filter of that name)' : ''}`);
      const users = Object.entries(engine.config.jails).filter(([, jail]) => jail.enabled && jail.filter === req.name);
      if (users.length > 0) {
        await engine.reload(engine.config);
        log.notice(null, `Reloaded for the new filter: ${users.map(([name]) => name).join(', ')}`);
      }
      parts.emit?.({ event: 'config', data: { change: 'filter-save', name: req.name } });
      return { name: req.name, path: file, shadowsShipped, reloaded: users.length > 0 };
    },
    'filter-show': async (req) => {
      const file = resolveFilterPath(req.name, engine.filterDirs());
      const shipped = path.resolve(path.dirname(file)) === path.resolve(SHIPPED_FILTER_DIR);
      return { name: req.name, path: file, text: readFileSync(file, 'utf8'), shipped };
    },
  };
}

async function testFilter(engine: Engine, configPath: string, req: RequestOf<'filter-test'>): Promise<FilterTestResult> {
  const jail = req.jail === undefined ? undefined : engine.config.jails[req.jail];
  if (req.jail !== undefined && !jail) throw new Error(`no jail named "${req.jail}"`);
  const name = req.filter ?? jail?.filter ?? DRAFT_NAME;
  let filter: CompiledFilter;
  try {
    // A jail's own filter is read as the jail reads it: by path or name, with its filter_options.
    const definition: FilterDefinition = req.text !== undefined
      ? loadFilterText(req.text, name, engine.filterDirs())
      : req.filter === undefined && jail
        ? loadJailFilter(req.jail!, jail, engine.filterPlace())
        : loadFilter(name, engine.filterDirs());
    // A jail's own ignoreregex counts too, as it does when the jail runs.
    const extraIgnoreregex = (jail?.ignoreregex ?? []).map((pattern, i) => ({ pattern, file: configPath, line: i + 1 }));
    filter = compileFilter(definition, { now: () => engine.now(), extraIgnoreregex });
  } catch (err) {
    return { filter: name, error: (err as Error).message, results: [], matched: 0, missed: 0 };
  }
  const lines = req.lines ?? (await jailLogTail(engine, configPath, req.jail!, req.tail ?? DEFAULT_TAIL));
  const readTime = engine.now();
  const results = lines.map((line) => verdict(filter, line, readTime));
  const matched = results.filter((r) => r.matched).length;
  return { filter: name, results, matched, missed: results.length - matched };
}

function verdict(filter: CompiledFilter, line: string, readTime: number): FilterTestLine {
  const { result, why } = filter.explain(line, readTime);
  if (result.kind === 'missed') return { line, matched: false, ignored: false, ...(why ? { why } : {}) };
  const regex = filter.definition.failregex[result.regexIndex]?.pattern.trim();
  const found: FilterTestLine = {
    line,
    matched: result.kind === 'failure' && result.ip !== null,
    ignored: result.kind === 'ignored',
    time: result.time,
    regexIndex: result.regexIndex,
    ...(regex !== undefined ? { regex } : {}),
    ...(why ? { why } : {}),
  };
  if (result.kind === 'failure') {
    found.host = result.host;
    found.ip = result.ip;
  }
  return found;
}

/** The last lines of a jail's first log file (the one it reads now, or the first its logpath finds). */
async function jailLogTail(engine: Engine, configPath: string, name: string, count: number): Promise<string[]> {
  const jail = engine.config.jails[name]!;
  if (jail.backend === 'journal') throw new Error(`jail ${name} reads the systemd journal, not a file: give "lines" to test`);
  let file = engine.status().jails.find((j) => j.name === name)?.sources[0];
  if (file === undefined) {
    const pattern = resolveConfigPath(configPath, jail.logpath[0]!);
    file = hasGlob(pattern) ? (await expandGlob(pattern)).sort()[0] : pattern;
    if (file === undefined) throw new Error(`no log file matches ${pattern} (jail ${name})`);
  }
  try {
    return await readTailLines(file, count);
  } catch (err) {
    throw new Error(`cannot read ${file} (jail ${name}): ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}
