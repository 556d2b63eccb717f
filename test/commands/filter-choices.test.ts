import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkJails } from '../../src/commands/check-command.js';
import { openEngineStack, type EngineStack } from '../../src/commands/engine-stack.js';
import { loadConfig, overlayFile, userFilterDir } from '../../src/config/index.js';
import { InProcessControl } from '../../src/control/index.js';
import { SHIPPED_FILTER_DIR } from '../../src/engine/filter/index.js';
import { filterPlace, filterSearchDirs } from '../../src/engine/jail-filter.js';
import { safeSections } from '../helpers/safe-config.js';
import { makeTempDir, type TempDir } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait.js';

// fail2ban's stock folder as its package lays it out, written by the test: its own common.conf,
// an sshd.conf whose name a shipped filter has too, and a filter with modes (`<mdre-<mode>>`).
const STOCK_COMMON = '[DEFAULT]\n__prefix_line = \\s*web1 app\\[\\d+\\]:\\s+\n';
const STOCK_SSHD = '[INCLUDES]\nbefore = common.conf\n\n[Definition]\nfailregex = ^%(__prefix_line)sstock refusal from <HOST>$\n';
const STOCK_MODES = [
  '[INCLUDES]',
  'before = common.conf',
  '[Definition]',
  'mdre-normal = ^%(__prefix_line)sbad password from <HOST>$',
  'mdre-aggressive = %(mdre-normal)s',
  '                  ^%(__prefix_line)sprobe from <HOST>$',
  'mode = normal',
  'failregex = <mdre-<mode>>',
  '',
].join('\n');

const line = (text: string): string => `${new Date(Date.now() - 30_000).toISOString()} web1 app[7]: ${text}\n`;

let tmp: TempDir;
let stock: string;
let stack: EngineStack | null = null;
let control: InProcessControl;

function writeConfig(jails: string): string {
  return tmp.write('config.toml', ['[settings]', 'maxretry = 5', safeSections(tmp.dir), jails, ''].join('\n'));
}

async function open(configPath: string): Promise<void> {
  stack = await openEngineStack(configPath, { stockFilterDir: stock });
  control = new InProcessControl(stack.handlers);
  await stack.start();
}

const failuresOf = (jail: string): number => stack!.engine.status().jails.find((j) => j.name === jail)?.failures ?? -1;

beforeEach(() => {
  tmp = makeTempDir('portcullis-h30-filters-');
  stock = path.join(tmp.dir, 'fail2ban', 'filter.d');
  tmp.write('fail2ban/filter.d/common.conf', STOCK_COMMON);
  tmp.write('fail2ban/filter.d/sshd.conf', STOCK_SSHD);
  tmp.write('fail2ban/filter.d/app-modes.conf', STOCK_MODES);
  tmp.write('app.log', '');
});
afterEach(async () => {
  await stack?.stop();
  stack = null;
  tmp.remove();
});

describe('filter folders', () => {
  it('check and the engine look names up in the same folders, from one function', async () => {
    const configPath = writeConfig('[jails.web]\nfilter = "mine"\nlogpath = ["app.log"]\nenabled = false\n');
    expect(filterSearchDirs(configPath)).toEqual([userFilterDir(configPath), path.resolve(SHIPPED_FILTER_DIR)]);
    expect(filterSearchDirs(configPath, ['/opt/extra'])).toEqual(['/opt/extra', userFilterDir(configPath), path.resolve(SHIPPED_FILTER_DIR)]);
    await open(configPath);
    expect(stack!.engine.filterDirs()).toEqual(filterSearchDirs(configPath));
    expect(stack!.engine.filterPlace()).toEqual(filterPlace(configPath, [], stock));
    // A filter of the user's folder is found by both.
    expect(checkJails(configPath, loadConfig(configPath))[0]?.message).toMatch(/mine: no filter of that name in .*filter\.d/);
    tmp.write('filter.d/mine.conf', '[Definition]\nfailregex = ^x <HOST>$\n');
    expect(checkJails(configPath, loadConfig(configPath))).toEqual([]);
  });
});

describe('filter-list and jail-add with a stock filter', () => {
  it('lists the user\'s, the shipped and fail2ban\'s filters; one behind a shipped name is used by its path', async () => {
    const configPath = writeConfig('');
    await open(configPath);
    tmp.write('filter.d/mine.conf', '[Definition]\nfailregex = ^x <HOST>$\n');
    const list = await control.request({ command: 'filter-list' });
    expect(list.folders).toEqual([
      { path: path.join(tmp.dir, 'filter.d'), origin: 'yours', present: true },
      { path: path.resolve(SHIPPED_FILTER_DIR), origin: 'shipped', present: true },
      { path: stock, origin: 'fail2ban', present: true },
    ]);
    const byPath = new Map(list.filters.map((f) => [f.path, f]));
    expect(list.filters[0]).toEqual({ name: 'mine', path: path.join(tmp.dir, 'filter.d', 'mine.conf'), origin: 'yours', use: 'mine' });
    expect(byPath.get(path.join(SHIPPED_FILTER_DIR, 'sshd.conf'))).toMatchObject({ origin: 'shipped', use: 'sshd' });
    expect(byPath.get(path.join(stock, 'sshd.conf'))).toEqual({ name: 'sshd', path: path.join(stock, 'sshd.conf'), origin: 'fail2ban', use: path.join(stock, 'sshd.conf') });
    expect(list.filters.map((f) => f.name)).not.toContain('common');
    expect(list.filters.filter((f) => f.origin === 'fail2ban').map((f) => f.name)).toEqual(['app-modes', 'sshd']);

    const added = await control.request({ command: 'jail-add', name: 'stock-ssh', filter: path.join(stock, 'sshd.conf'), logpath: [path.join(tmp.dir, 'app.log')] });
    expect(added).toMatchObject({ filter: path.join(stock, 'sshd.conf'), filterFile: path.join(stock, 'sshd.conf') });
    expect(readFileSync(overlayFile(configPath), 'utf8')).toContain(`filter = ${JSON.stringify(path.join(stock, 'sshd.conf'))}`);
    appendFileSync(path.join(tmp.dir, 'app.log'), line('stock refusal from 198.18.3.4'));
    await waitFor(() => failuresOf('stock-ssh') === 1, 'the stock filter counting the line', 10_000);
    const config = await control.request({ command: 'config' });
    expect(config.jails.find((j) => j.name === 'stock-ssh')).toMatchObject({ filterFile: path.join(stock, 'sshd.conf') });
  });

  it('refuses a filter path outside the filter folders, naming them, and writes nothing', async () => {
    const configPath = writeConfig('');
    await open(configPath);
    const outside = tmp.write('elsewhere/x.conf', '[Definition]\nfailregex = ^x <HOST>$\n');
    await expect(control.request({ command: 'jail-add', name: 'x', filter: outside, logpath: ['app.log'] })).rejects.toThrow(
      `${outside}: a filter named by its path must be in one of the filter folders: ${path.join(tmp.dir, 'filter.d')}, ${path.resolve(SHIPPED_FILTER_DIR)}, ${stock}`,
    );
    await expect(control.request({ command: 'jail-add', name: 'x', filter: 'elsewhere/x.conf', logpath: ['app.log'] })).rejects.toThrow(/"filter" must be a filter name, or the absolute path/);
    expect(existsSync(overlayFile(configPath))).toBe(false);
    // The config file is held to the same rule, with its file, line and key.
    const bad = writeConfig(`[jails.x]\nfilter = ${JSON.stringify(outside)}\nlogpath = ["app.log"]\n`);
    const problems = checkJails(bad, loadConfig(bad), [], false, stock);
    const filterLine = readFileSync(bad, 'utf8').split('\n').findIndex((l) => l.startsWith('filter =')) + 1;
    expect(problems).toEqual([expect.objectContaining({ severity: 'error', file: bad, line: filterLine, key: 'jails.x.filter', message: expect.stringMatching(/must be in one of the filter folders/) })]);
  });
});

describe('filter_options', () => {
  it('hands the filter its mode as fail2ban\'s filter = name[mode=...] does, and check reads it the same way', async () => {
    const stockModes = JSON.stringify(path.join(stock, 'app-modes.conf'));
    const configPath = writeConfig([
      `[jails.normal]\nfilter = ${stockModes}\nlogpath = ["app.log"]\nstart_at = "beginning"`,
      `[jails.aggressive]\nfilter = ${stockModes}\nfilter_options = { mode = "aggressive" }\nlogpath = ["app.log"]\nstart_at = "beginning"`,
    ].join('\n'));
    tmp.write('app.log', line('bad password from 198.18.3.5') + line('probe from 198.18.3.6'));
    expect(checkJails(configPath, loadConfig(configPath), [], false, stock)).toEqual([]);
    await open(configPath);
    await waitFor(() => failuresOf('aggressive') === 2, 'both lines counted in aggressive mode', 10_000);
    expect(failuresOf('normal')).toBe(1);
    const config = await control.request({ command: 'config' });
    expect(config.jails.find((j) => j.name === 'aggressive')).toMatchObject({ filterOptions: { mode: 'aggressive' } });
    expect(config.jails.find((j) => j.name === 'normal')?.filterOptions).toBeUndefined();
    // The jail's own filter is tested as it runs, with its mode.
    const tested = await control.request({ command: 'filter-test', jail: 'aggressive', lines: [line('probe from 198.18.3.7').trimEnd()] });
    expect(tested.matched).toBe(1);
  });

  it('a mode the filter does not have is an error naming the filter line', () => {
    const configPath = writeConfig(`[jails.web]\nfilter = ${JSON.stringify(path.join(stock, 'app-modes.conf'))}\nfilter_options = { mode = "agressive" }\nlogpath = ["app.log"]\n`);
    const problems = checkJails(configPath, loadConfig(configPath), [], false, stock);
    expect(problems).toEqual([expect.objectContaining({ key: 'jails.web.filter', message: expect.stringMatching(/app-modes\.conf:8: .*<mdre-agressive>/) })]);
  });
});
