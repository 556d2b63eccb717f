import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { overlayFile } from '../../src/config/index.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { renderWithProviders, sshFailure, type ConsoleHarness } from './helpers/render-with-providers.js';

let h: ConsoleHarness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

/** The list row of a jail: name, on/off, filter, failures, bans, where it is defined. */
function jailRow(frame: string, name: string): string | undefined {
  return frame.split('\n').find((line) => line.startsWith(`${name} `));
}

/** Key presses, written at once: the console takes each in turn, in the mode the one before left. */
async function press(harness: ConsoleHarness, ...keys: string[]): Promise<void> {
  await harness.press(...keys);
}

/** Text typed in one write. */
async function type(harness: ConsoleHarness, text: string): Promise<void> {
  await harness.type(text);
}

/** A log line with an ISO date a minute ago, as an application of our own would write it. */
function appLine(text: string): string {
  return `${new Date(Date.now() - 60_000).toISOString()} web1 app[7]: ${text}`;
}

describe('Jails pane', () => {
  it('lists the jail with its counts and details; Space turns it off and on, and the engine agrees', async () => {
    h = await renderWithProviders({ pane: 'jails', size: { columns: 80, rows: 24 } });
    h.appendLog(sshFailure('198.51.100.7'));
    await h.waitForFrame((f) => /^sshd +on +sshd +1 +0 config/m.test(f));
    const frame = h.frame();
    expect(frame).toContain(`logs     ${h.logFile}`);
    expect(frame).toContain('maxretry 3 · findtime 10m · bantime 10m');
    expect(frame).toContain('actions  firewall');
    // The filter's name and the file it resolved to.
    expect(frame).toMatch(/^filter   sshd  \S*\/filters\/sshd\.conf$/m);
    expect(frame).toContain('defined  the config file');
    expect(frame.split('\n').length).toBeLessThanOrEqual(24);

    await press(h, 'space');
    await h.waitForFrame('jail sshd disabled');
    await h.waitForFrame((f) => /^sshd +off /m.test(f));
    expect(h.stack.engine.status().jails.find((j) => j.name === 'sshd')?.enabled).toBe(false);
    expect(h.stack.engine.status().jailsRunning).toBe(0);

    await press(h, 'e');
    await h.waitForFrame('jail sshd enabled');
    await h.waitForFrame((f) => /^sshd +on /m.test(f));
    expect(h.stack.engine.status().jails.find((j) => j.name === 'sshd')?.enabled).toBe(true);
    expect(readFileSync(overlayFile(h.configPath), 'utf8')).toMatch(/enabled = true/);
  });

  it('a adds a jail: bad values are refused as typed and by the engine with nothing written; a good one appears', async () => {
    h = await renderWithProviders({ pane: 'jails', size: { columns: 80, rows: 24 } });
    // A filter of the operator's that does not compile: the engine refuses a jail that uses it.
    h.dir.write('filter.d/broken.conf', '[Definition]\n\nfailregex = ^x (?<=y) <HOST>$\n');
    const webLog = h.dir.write('web.log', '');
    await h.waitForFrame('sshd');
    await press(h, 'a');
    await h.waitForFrame('Add a jail');
    await type(h, 'sshd');
    await h.waitForFrame('jail "sshd" exists already');
    await press(h, ...Array<string>(4).fill('backspace'));
    await type(h, 'web');
    await press(h, 'tab');
    // The filters are read through the channel as the form opens: the operator's broken.conf is
    // in the list, first (a name is looked up in filter.d first), so it is the one picked.
    const listed = await h.waitForFrame((f) => /› broken +yours +\S*filter\.d\/broken\.conf/.test(f));
    expect(listed).toMatch(/uses broken · yours · 1 of (\d+) \(\1 filters\)/);
    expect(listed).toMatch(/^ +apache-auth +shipped +\S*apache-auth\.conf/m);
    await press(h, 'tab');
    await type(h, webLog);
    await press(h, 'tab');
    await type(h, 'abc');
    await h.waitForFrame('max retry must be a whole number >= 1');
    await press(h, 'enter');
    await h.waitForFrame('max retry must be a whole number >= 1');
    await press(h, ...Array<string>(3).fill('backspace'));
    await type(h, '5');
    await press(h, 'tab');
    await type(h, '5m');
    await press(h, 'tab');
    await type(h, 'permanent');
    await press(h, 'enter');
    await h.waitForFrame('RE2 cannot run');
    expect(h.frame()).toContain('Add a jail');
    expect(Object.keys(h.stack.engine.config.jails)).toEqual(['sshd']);
    expect(existsSync(overlayFile(h.configPath))).toBe(false);

    // Back to the filter field, and a filter that compiles: typed to search, then → to pick.
    await press(h, ...Array<string>(4).fill('S-tab'));
    await h.waitForFrame((f) => /› Filter /.test(f) && f.includes('uses broken · yours · 1 of'));
    await type(h, 'auth');
    await h.waitForFrame((f) => /› apache-auth +shipped/.test(f) && f.includes('1 of 2 matching "auth"'));
    expect(h.frame()).not.toMatch(/broken +yours/);
    await press(h, 'right');
    await h.waitForFrame((f) => /› nginx-http-auth +shipped/.test(f) && f.includes('uses nginx-http-auth · shipped · 2 of 2'));
    await press(h, 'enter');
    await h.waitForFrame('added jail web: filter nginx-http-auth');
    await h.waitForFrame((f) => /^web +on +nginx-http-auth +0 +0 added/m.test(f));
    // The cursor moves to the new jail once the new config is in (one frame later, at most).
    await h.waitForFrame('maxretry 5 · findtime 5m · bantime permanent');
    expect(h.frame()).toContain('defined  added here');
    expect(h.stack.engine.status().jails.find((j) => j.name === 'web')).toMatchObject({ enabled: true, filter: 'nginx-http-auth' });
    const overlay = readFileSync(overlayFile(h.configPath), 'utf8');
    expect(overlay).toContain('[jails.web]');
    expect(overlay).toContain(webLog);
  });

  it('the add form offers fail2ban\'s stock filters: one behind a shipped name is picked by its path and runs with its own common.conf', async () => {
    h = await renderWithProviders({ pane: 'jails', size: { columns: 100, rows: 30 } });
    // A stock folder laid out as fail2ban's package does: its own common.conf, an sshd.conf
    // whose name a shipped filter has too, and a filter portcullis does not ship.
    h.dir.write('fail2ban/filter.d/common.conf', '[DEFAULT]\n__prefix_line = \\s*web1 app\\[\\d+\\]:\\s+\n');
    h.dir.write('fail2ban/filter.d/sshd.conf', '[INCLUDES]\nbefore = common.conf\n\n[Definition]\nfailregex = ^%(__prefix_line)sstock refusal from <HOST>$\n');
    h.dir.write('fail2ban/filter.d/courier-auth.conf', '[Definition]\nfailregex = ^courier: bad login from <HOST>$\n');
    const stockSshd = path.join(h.dir.dir, 'fail2ban', 'filter.d', 'sshd.conf');
    const appLog = h.dir.write('app.log', '');
    await h.waitForFrame('sshd');
    await press(h, 'a');
    await h.waitForFrame('Add a jail');
    await type(h, 'stock-ssh');
    await press(h, 'tab');
    await type(h, 'sshd');
    // Both: the shipped one first (the name finds it), fail2ban's after it.
    let frame = await h.waitForFrame('uses sshd · shipped · 1 of 2 matching "sshd"');
    expect(frame).toMatch(/› sshd +shipped +\S*\/filters\/sshd\.conf/);
    expect(frame).toMatch(/^ +sshd +fail2ban +\S*fail2ban\/filter\.d\/sshd\.conf/m);
    expect(frame).not.toContain('common');
    await press(h, 'right');
    frame = await h.waitForFrame((f) => /› sshd +fail2ban/.test(f));
    expect(frame).toContain('uses sshd · fail2ban · 2 of 2');
    await press(h, 'tab');
    await h.waitForFrame(`uses sshd · fail2ban · ${stockSshd}`);
    await type(h, appLog);
    await press(h, 'enter');
    await h.waitForFrame(`added jail stock-ssh: filter ${stockSshd}`);
    // A filter named by its path shows as that path in the list, shortened from its start.
    frame = await h.waitForFrame((f) => /^stock-ssh +on +…\/fail2ban\/filter\.d\/sshd\.conf +0 +0 added/m.test(f) && f.includes('─ stock-ssh on'));
    expect(frame).toContain(`filter   sshd  ${stockSshd}`);
    expect(readFileSync(overlayFile(h.configPath), 'utf8')).toContain(`filter = "${stockSshd}"`);
    // The jail runs the stock file (with the stock common.conf), not the shipped sshd.
    appendFileSync(appLog, `${appLine('stock refusal from 198.51.100.40')}\n`);
    await h.waitForFrame((f) => /^stock-ssh +on +…\/fail2ban\/filter\.d\/sshd\.conf +1 +0 added/m.test(f), 10_000);

    // A filter only fail2ban has is found by typing part of its name.
    await press(h, 'a');
    await h.waitForFrame('Add a jail');
    await press(h, 'tab');
    await type(h, 'cour');
    frame = await h.waitForFrame('1 of 1 matching "cour"');
    expect(frame).toMatch(/› courier-auth +fail2ban/);
    await press(h, 'esc');
    await h.waitForFrame('─ stock-ssh on');
  });

  it('shows the filter file of each jail that names one by path (an imported config), shortened to fit the width', async () => {
    // Jails as import-fail2ban writes them: fail2ban's own filter files, by their path.
    const stock = makeTempDir('portcullis-h31-stock-filters-');
    try {
      const f2b = path.join(stock.dir, 'fail2ban', 'filter.d');
      const sshd = stock.write('fail2ban/filter.d/sshd.conf', '[Definition]\nfailregex = ^stock refusal from <HOST>$\n');
      const nginx = stock.write('fail2ban/filter.d/nginx-http-auth.conf', '[Definition]\nfailregex = ^nginx refusal from <HOST>$\n');
      const webLog = stock.write('web.log', '');
      const extraConfig = [
        '[jails.web]', `filter = ${JSON.stringify(nginx)}`, `logpath = [${JSON.stringify(webLog)}]`,
        '[jails.f2b-sshd]', `filter = ${JSON.stringify(sshd)}`, 'filter_options = { mode = "normal" }', `logpath = [${JSON.stringify(webLog)}]`,
      ].join('\n');
      h = await renderWithProviders({ pane: 'jails', size: { columns: 80, rows: 24 }, extraConfig, stockFilterDir: f2b });
      let frame = await h.waitForFrame((f) => jailRow(f, 'f2b-sshd') !== undefined);
      // A name stays a name; a path is the file, its folders cut from the start to fit.
      expect(jailRow(frame, 'sshd')).toMatch(/^sshd +on +sshd +0 +0 +config$/);
      expect(jailRow(frame, 'web')).toMatch(/^web +on +…\/filter\.d\/nginx-http-auth\.conf +0 +0 +config$/);
      expect(jailRow(frame, 'f2b-sshd')).toMatch(/^f2b-sshd +on +…\/fail2ban\/filter\.d\/sshd\.conf +0 +0 +config$/);
      expect(Math.max(...frame.split('\n').map((l) => l.length))).toBeLessThanOrEqual(80);
      // The detail of the selected jail: the filter's name, its options and its file, the file name kept.
      await press(h, 'down');
      frame = await h.waitForFrame('─ web on');
      expect(nginx.length + 'filter   nginx-http-auth  '.length).toBeGreaterThan(80);
      expect(frame).toMatch(/^filter   nginx-http-auth  …\/fail2ban\/filter\.d\/nginx-http-auth\.conf$/m);
      await press(h, 'down');
      frame = await h.waitForFrame('─ f2b-sshd on');
      expect(frame).toMatch(/^filter   sshd \[mode=normal\]  …\/fail2ban\/filter\.d\/sshd\.conf$/m);
      await h.close();

      // Narrow: only the file name fits in the column, or only its start.
      h = await renderWithProviders({ pane: 'jails', size: { columns: 60, rows: 24 }, extraConfig, stockFilterDir: f2b });
      frame = await h.waitForFrame((f) => jailRow(f, 'f2b-sshd') !== undefined);
      expect(jailRow(frame, 'f2b-sshd')).toMatch(/^f2b-sshd +on +…\/sshd\.conf +0 +0 +config$/);
      expect(jailRow(frame, 'web')).toMatch(/^web +on +nginx-http-auth\.… +0 +0 +config$/);
      expect(Math.max(...frame.split('\n').map((l) => l.length))).toBeLessThanOrEqual(60);
    } finally {
      stock.remove();
    }
  });

  it('D asks first, deletes a jail added here, and shows the engine refusing a jail of the config file', async () => {
    h = await renderWithProviders({ pane: 'jails', size: { columns: 80, rows: 24 } });
    const webLog = h.dir.write('web.log', '');
    await h.model.request({ command: 'jail-add', name: 'web', filter: 'nginx-http-auth', logpath: [webLog] });
    await h.waitForFrame((f) => jailRow(f, 'web') !== undefined);
    // The shell's / filter narrows the list (by jail or filter name) and selects what is left.
    await press(h, '/');
    await type(h, 'nginx');
    await press(h, 'enter');
    await h.waitForFrame('1 jail matching "nginx" (of 2)');
    expect(jailRow(h.frame(), 'sshd')).toBeUndefined();
    await h.waitForFrame('─ web on');
    await press(h, 'D');
    await h.waitForFrame('Delete jail web (added here');
    await press(h, 'n');
    await h.waitForFrame('cancelled');
    expect(Object.keys(h.stack.engine.config.jails)).toContain('web');
    await press(h, 'D');
    await h.waitForFrame('(y/N)');
    await press(h, 'y');
    await h.waitForFrame('deleted jail web');
    await h.waitForFrame('no jail matches the filter (Esc clears it)');
    expect(Object.keys(h.stack.engine.config.jails)).toEqual(['sshd']);
    await press(h, 'esc');
    await h.waitForFrame('1 jail, 1 running');
    expect(readFileSync(overlayFile(h.configPath), 'utf8')).not.toContain('web');

    await press(h, 'D');
    await h.waitForFrame('It is in the config file');
    await press(h, 'y');
    await h.waitForFrame(`jail sshd is defined in ${h.configPath}`);
    expect(Object.keys(h.stack.engine.config.jails)).toEqual(['sshd']);
  });

  it('filter tester: a new failregex tested live on pasted lines, then saved into the filter list', async () => {
    h = await renderWithProviders({ pane: 'jails', size: { columns: 80, rows: 24 } });
    await h.waitForFrame('sshd');
    await press(h, 'f');
    await h.waitForFrame('Filters: 11 shipped, 0 yours');
    await press(h, 'n');
    await h.waitForFrame('new filter');
    // The cursor starts on the failregex line.
    await type(h, '^\\s*web1 app\\[\\d+\\]: login failed for \\S+ from <HOST>$');
    await h.waitForFrame('failregex = ^\\s*web1 app');
    await press(h, 'tab');
    await h.waitForFrame('Lines: ');
    const lines = [appLine('login failed for bob from 198.51.100.23'), appLine('login ok for bob from 198.51.100.24'), 'no date on this one from 198.51.100.25'];
    // A bracketed paste: every line of it is added, the last one too.
    await h.write(`\x1b[200~${lines.join('\n')}\x1b[201~`);
    await h.waitForFrame('Test on 3 sample lines');
    const frame = await h.waitForFrame('1 matched, 2 missed');
    expect(frame).toMatch(/✓ 198\.51\.100\.23 failregex #1 +\S+ web1 app\[7\]: login f/);
    expect(frame).toMatch(/✗ no failregex matched +\S+ web1 app\[7\]: login o/);
    expect(frame).toMatch(/✗ no timestamp found +no date on this one/);
    expect(frame.split('\n').length).toBeLessThanOrEqual(24);

    await press(h, 'esc');
    await press(h, 's');
    await h.waitForFrame('Save as:');
    await type(h, 'bad name');
    await h.waitForFrame('a filter name uses only letters');
    await press(h, ...Array<string>(8).fill('backspace'));
    await type(h, 'app-login');
    await h.waitForFrame('saved to filter.d/app-login.conf');
    await press(h, 'enter');
    await h.waitForFrame('saved filter app-login to');
    expect(h.frame()).not.toContain('unsaved');
    expect(readFileSync(path.join(h.dir.dir, 'filter.d', 'app-login.conf'), 'utf8')).toContain('failregex = ^\\s*web1 app\\[\\d+\\]: login failed for \\S+ from <HOST>$');
    await press(h, 'esc');
    await h.waitForFrame('Filters: 11 shipped, 1 yours');
    expect(h.frame()).toMatch(/app-login +yours +-/);
  });

  it('a compile error names its line; a shipped filter opens as a copy and t tests it on the jail\'s log', async () => {
    h = await renderWithProviders({ pane: 'jails', size: { columns: 80, rows: 24 } });
    h.appendLog(sshFailure('203.0.113.9'), 'not an sshd line at all');
    await h.waitForFrame('sshd');
    await press(h, 'f');
    await h.waitForFrame('Filters:');
    await press(h, 'n');
    await h.waitForFrame('new filter');
    await type(h, '^login failed$');
    await press(h, 'tab');
    await type(h, appLine('login failed'));
    await press(h, 'enter');
    await h.waitForFrame('does not compile: line 3: failregex has no <HOST>');
    expect(h.frame()).toMatch(/ 3!›failregex/);
    await press(h, 'esc', 'esc');
    await h.waitForFrame('Leave filter (unnamed) without saving');
    await press(h, 'y');
    await h.waitForFrame('Filters:');

    await press(h, ...Array<string>(8).fill('down'));
    await h.waitForFrame((f) => f.includes('filters/sshd.conf'));
    await press(h, 'enter');
    await h.waitForFrame('copy of the shipped filter');
    await press(h, 't');
    await h.waitForFrame("Test on the last 100 lines of sshd's log");
    const frame = await h.waitForFrame('1 matched, 1 missed');
    expect(frame).toMatch(/✓ 203\.0\.113\.9 failregex #\d+/);
    expect(frame).toContain('not an sshd line at all');
    await press(h, 's');
    await h.waitForFrame('"sshd" is a shipped filter: yours will replace it');
  });
});
