#!/usr/bin/env -S node --max-semi-space-size=4 --heap-growing-percent=30 --no-memory-reducer
// A small young generation: log lines are short-lived garbage, and a long run (a million-line
// `regex`, the console holding a million bans) then keeps a small resident size. The service
// starts the daemon with these flags but a larger young generation (portcullis.service says
// why). The old generation grows by 30% between full collections, not by V8's own factor,
// which let it reach several times the live heap in a flood (the engine alone loading a million
// bans from a backlog: peak RSS 407 MiB, 287 with this, for about the same CPU). No memory
// reducer: when a flood ends it ran full collections that compact the whole heap, 20-25 ms each
// with a million bans in place, right as the next attackers' lines came (the next ban's p99 28 ms
// instead of under 10); the heap then shrinks at the next ordinary collection instead.
import { Command, InvalidArgumentError } from 'commander';
// Only what parsing the command line needs is loaded up front; each command loads its own
// modules, so `regex` on a big log does not carry the config schema's weight in memory.
import { parseDuration } from './config/duration.js';
import { defaultConfigPath, programVersion } from './config/default-path.js';
import { ConfigError } from './config/errors.js';
import { EXIT_CONFIG, helpFooter } from './domain/exit-codes.js';
import { COMPLETION_SHELLS, completionScript, type CompletionShell } from './domain/shell-completion.js';
import { closestName } from './domain/edit-distance.js';
import { isJournalStream } from './engine/engine-log.js';
import { FilterError } from './engine/filter/ini-reader.js';

// React's development build checks every render at several times the cost; the console is
// loaded lazily, after this line.
process.env['NODE_ENV'] ??= 'production';

// A reader that stops early (`| head`) is not an error. Nor is a terminal that went away (EIO
// after SIGHUP): the console is stopping, and its engine must still shut down cleanly.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  if (err.code === 'EIO') return;
  throw err;
});

const program = new Command();
// --config, else PORTCULLIS_CONFIG, else the installed package's, else the checkout's example.
const DEFAULT_CONFIG = defaultConfigPath();

const positiveInt = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a whole number >= 1');
  return n;
};
const durationParser = (allowPermanent: boolean) => (value: string): number => {
  try {
    return parseDuration(/^-?\d+$/.test(value) ? Number(value) : value, 'duration', { allowPermanent });
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
};
const duration = durationParser(false);
const banDuration = durationParser(true);
const collect = (value: string, previous: string[]): string[] => [...previous, value];

/** "unknown command 'stauts' (did you mean 'status'?)": the closest verb within two edits. */
function unknownCommand(word: string, verbs: string[]): string {
  const best = closestName(word, verbs, 2);
  const hint = best ? ` (did you mean '${best}'?)` : '';
  return `error: unknown command '${word}'${hint}; see portcullis --help`;
}

program
  // Options before a subcommand belong to the program, after it to the subcommand: `firewall
  // apply --config X` must never fall back to the program's default config.
  .enablePositionalOptions()
  .name('portcullis')
  .description('Host firewall console: packet-filter rules plus fail2ban-style intrusion prevention')
  .version(programVersion(), '-V, --version', 'print the version')
  .addHelpText('after', helpFooter(DEFAULT_CONFIG))
  .option('-c, --config <path>', 'configuration file', DEFAULT_CONFIG)
  .option('--demo', 'open the console on a throw-away copy of the config, with generated traffic and a dry-run firewall')
  .option('--read-only', 'console: hide and refuse everything that changes bans, trust, jails, settings or rules')
  .option('--no-attach', 'console: run the engine here even if a daemon answers on the socket')
  .option('--daemon', 'run the engine headless (no console) until SIGTERM')
  .option('--socket <path>', 'control socket (default: [daemon] socket)')
  .option('--pid-file <path>', 'pid file (default: [daemon] pid_file)')
  .argument('[command]', 'a command (see below); none opens the console')
  .action(async (unknown: string | undefined, opts: { config: string; demo?: boolean; daemon?: boolean; socket?: string; pidFile?: string; readOnly?: boolean; attach: boolean }) => {
    if (unknown !== undefined) program.error(unknownCommand(unknown, program.commands.map((c) => c.name())));
    if (opts.daemon) {
      const { runDaemon } = await import('./commands/daemon-command.js');
      process.exitCode = await runDaemon(opts.config, {
        ...(opts.socket ? { socket: opts.socket } : {}),
        ...(opts.pidFile ? { pidFile: opts.pidFile } : {}),
      });
      return;
    }
    // On a terminal, draw like one even where CI is set: Ink reads these once, when it loads,
    // and with them set it only writes the last frame at exit.
    if (process.stdin.isTTY && process.stdout.isTTY) {
      for (const name of ['CI', 'CONTINUOUS_INTEGRATION']) if (name in process.env) process.env[name] = 'false';
    }
    const { runConsole } = await import('./commands/console-command.js');
    process.exitCode = await runConsole({
      config: opts.config,
      attach: opts.attach,
      ...(opts.demo ? { demo: true } : {}),
      ...(opts.readOnly ? { readOnly: true } : {}),
      ...(opts.socket ? { socket: opts.socket } : {}),
    });
  });

program
  .command('regex')
  .description('run a filter over a log file and report what it matches (like fail2ban-regex)')
  .argument('<log>', 'log file to read, or one log line (anything that is not a file)')
  .argument('<filter>', 'filter name (shipped or in --filter-dir), path to a filter file, or a regex (one with <HOST>)')
  .option('--json', 'print one JSON object')
  .option('-v, --verbose', 'print every failure')
  .option('--filter-dir <dir>', 'also look for filters by name here (repeatable)', collect, [])
  .action(async (logfile: string, filter: string, opts: { json?: boolean; verbose?: boolean; filterDir: string[] }) => {
    const { runRegexCommand } = await import('./commands/regex-command.js');
    await runRegexCommand(logfile, filter, { json: opts.json, verbose: opts.verbose, filterDirs: opts.filterDir });
  });

program
  .command('replay')
  .description('replay a historical log on its own timestamps and print the bans that would have been made')
  .argument('<logfile>', 'log file to read')
  .requiredOption('--filter <filter>', 'filter name or path')
  .option('--maxretry <n>', 'failures that trigger a ban', positiveInt, 5)
  .option('--findtime <duration>', 'window in which failures count', duration, 600)
  .option('--bantime <duration>', 'how long a replayed ban lasts (failures while banned do not count)', banDuration, 600)
  .option('--json', 'print {"bans":[...]}')
  .option('--filter-dir <dir>', 'also look for filters by name here (repeatable)', collect, [])
  .action(async (logfile: string, opts: { filter: string; maxretry: number; findtime: number; bantime: number; json?: boolean; filterDir: string[] }) => {
    const { replayLog, replayToJson, replayToText } = await import('./commands/replay-command.js');
    const options = { ...opts, filterDirs: opts.filterDir };
    const result = await replayLog(logfile, options);
    process.stdout.write(opts.json ? replayToJson(result) : replayToText(result, options));
  });

const configOption = ['-c, --config <path>', 'configuration file', DEFAULT_CONFIG] as const;
const socketOption = ['--socket <path>', 'control socket of the daemon (default: [daemon] socket)'] as const;
const bansModule = () => import('./commands/bans-command.js');
const clientModule = () => import('./commands/client-commands.js');
type Common = { config: string; socket?: string; json?: boolean };
/** The config, read once for this run, and the output streams every verb writes to. */
const verb = async (opts: Common) => {
  const { loadOnce } = await import('./commands/open-channel.js');
  return { loaded: loadOnce(opts.config), ...(opts.socket ? { socket: opts.socket } : {}), out: process.stdout, err: process.stderr };
};

// Every verb talks to the daemon when one answers on the socket, else to the same service run in
// this process (those that describe a running engine say that none runs).
program.command('status').description('jails with failure and ban counts, backend, uptime; one jail in fail2ban-client\'s shape (needs the daemon)')
  .argument('[jail]', 'one jail: failed and banned counts, its files, the banned addresses')
  .option(...configOption).option(...socketOption).option('--json', 'print one JSON object')
  .action(async (jailName: string | undefined, opts: Common) => {
    process.exitCode = jailName === undefined
      ? await (await clientModule()).statusCommand(await verb(opts), opts.json ?? false)
      : await (await f2bClientModule()).jailStatusCommand(await verb(opts), jailName, opts.json ?? false);
  });
const f2bClientModule = () => import('./commands/fail2ban-client-commands.js');
const setVerb = program.command('set').description('fail2ban-client\'s set: set JAIL banip IP..., set JAIL unbanip IP...')
  .argument('<jail>', 'jail name').argument('<action>', 'banip or unbanip').argument('<ip...>', 'IPs or CIDRs')
  .option(...configOption).option(...socketOption)
  .action(async (jailName: string, action: string, ips: string[], opts: Common) => {
    if (action !== 'banip' && action !== 'unbanip') setVerb.error(`portcullis: set: "${action}" is not supported; use banip or unbanip`);
    process.exitCode = await (await f2bClientModule()).setCommand(await verb(opts), jailName, action as 'banip' | 'unbanip', ips);
  });
program.command('jails').description('the jails and their counts (needs the daemon)')
  .option(...configOption).option(...socketOption).option('--json', 'print a JSON array')
  .action(async (opts: Common) => {
    process.exitCode = await (await clientModule()).jailsCommand(await verb(opts), opts.json ?? false);
  });
const jail = program.command('jail').description('turn a jail on or off: jail enable NAME, or jail NAME on (saved to config.d/console.toml)')
  .argument('[name]', 'jail name').argument('[state]', 'on or off').option(...configOption).option(...socketOption)
  .action(async (name: string | undefined, state: string | undefined, opts: Common) => {
    if (!name || (state !== 'on' && state !== 'off')) {
      jail.error(`usage: portcullis jail enable|disable NAME, or portcullis jail NAME on|off${state ? ` (not "${state}")` : ''}`);
    }
    process.exitCode = await (await clientModule()).jailCommand(await verb(opts), name!, state === 'on');
  });
for (const action of ['enable', 'disable'] as const) {
  jail.command(action).argument('<name>', 'jail name').option(...configOption).option(...socketOption)
    .action(async (name: string, opts: Common) => {
      process.exitCode = await (await clientModule()).jailCommand(await verb(opts), name, action === 'enable');
    });
}
program.command('reload').description('make the daemon read its config again').option(...configOption).option(...socketOption)
  .action(async (opts: Common) => {
    process.exitCode = await (await clientModule()).reloadCommand(await verb(opts));
  });
program.command('logs').description("the daemon's engine log").option(...configOption).option(...socketOption)
  .option('-f, --follow', 'keep printing new lines').option('--json', 'one JSON object per line')
  .action(async (opts: Common & { follow?: boolean }) => {
    process.exitCode = await (await clientModule()).logsCommand(await verb(opts), opts.follow ?? false, opts.json ?? false);
  });
program.command('check').description('load the config and compile every filter; print each problem with file, line and key (like fail2ban-client -t)')
  .option(...configOption)
  .action(async (opts: { config: string }) => {
    const { checkCommand } = await import('./commands/check-command.js');
    process.exitCode = checkCommand(opts.config, process.stdout, process.stderr);
  });
program.command('import-fail2ban').description("write a portcullis config from fail2ban's jail files; print what was not carried over, with file and line")
  .argument('[dir]', "fail2ban's configuration folder", '/etc/fail2ban')
  .option('--out <file>', 'write the config here instead of to stdout').option('--force', 'replace --out if it exists')
  .action(async (dir: string, opts: { out?: string; force?: boolean }) => {
    const { importCommand } = await import('./commands/import-command.js');
    process.exitCode = importCommand(dir, opts, process.stdout, process.stderr);
  });
program.command('bans').description('the bans in force').option(...configOption).option(...socketOption).option('--json', 'print a JSON array')
  .action(async (opts: Common) => {
    process.exitCode = await (await bansModule()).listBans(await verb(opts), opts.json ?? false);
  });
program.command('ban').description('ban an address or range by hand').argument('<ip>', 'IP or CIDR')
  .option(...configOption).option(...socketOption).option('--jail <name>', 'ban in this jail, with its bantime and escalation')
  .option('--time <duration>', 'how long (default: the bantime; "permanent")', banDuration)
  .action(async (ip: string, opts: Common & { jail?: string; time?: number }) => {
    const options = { ...(opts.jail ? { jail: opts.jail } : {}), ...(opts.time !== undefined ? { seconds: opts.time } : {}) };
    process.exitCode = await (await bansModule()).banCommand(await verb(opts), ip, options);
  });
program.command('unban').description('lift bans (several addresses at once), or every ban with --all').argument('[ip...]', 'IPs or CIDRs')
  .option(...configOption).option(...socketOption).option('--all', 'lift every ban')
  .action(async (ips: string[], opts: Common & { all?: boolean }) => {
    process.exitCode = await (await bansModule()).unbanCommand(await verb(opts), ips, opts.all ?? false);
  });
const trust = program.command('trust').description('trusted ranges: never banned');
for (const action of ['add', 'rm'] as const) {
  trust.command(action).description(action === 'add' ? 'trust an IP or CIDR (unbans what it covers)' : 'stop trusting a range added at run time')
    .argument('<range>', 'IP or CIDR').option(...configOption).option(...socketOption)
    .action(async (range: string, opts: Common) => {
      process.exitCode = await (await bansModule()).trustCommand(await verb(opts), action, range, false);
    });
}
trust.command('list').description('every trusted range and where it comes from').option(...configOption).option(...socketOption)
  .option('--json', 'print a JSON array')
  .action(async (opts: Common) => {
    process.exitCode = await (await bansModule()).trustCommand(await verb(opts), 'list', undefined, opts.json ?? false);
  });

const blocklistModule = () => import('./commands/blocklist-command.js');
const blocklist = program.command('blocklist').description('lists of hostile networks dropped in the kernel ([blocklists.NAME])');
blocklist.command('list').description('each list: source, entries, last refresh, last error, packets dropped')
  .option(...configOption).option(...socketOption).option('--json', 'print a JSON array')
  .action(async (opts: Common) => {
    process.exitCode = await (await blocklistModule()).blocklistListCommand(await verb(opts), opts.json ?? false);
  });
blocklist.command('update').description('download one list (or all) now and load it if it is good').argument('[name]', 'list name (default: all)')
  .option(...configOption).option(...socketOption)
  .action(async (name: string | undefined, opts: Common) => {
    process.exitCode = await (await blocklistModule()).blocklistUpdateCommand(await verb(opts), name);
  });

const firewall = program.command('firewall').description('managed firewall rules: show, apply, confirm, roll back');
const firewallAction =
  (name: 'show' | 'apply' | 'confirm' | 'rollback') =>
  async (opts: Common & { force?: boolean; whenDue?: boolean }): Promise<void> => {
    const commands = await import('./commands/firewall-command.js');
    process.exitCode = opts.whenDue
      ? await commands.rollbackWhenDue(await verb(opts))
      : await commands.firewallCommand(await verb(opts), name, { ...(opts.json ? { json: true } : {}), ...(opts.force ? { force: true } : {}) });
  };
firewall.command('show').description('what is live, the confirmed rules, the config draft and any pending apply')
  .option(...configOption).option(...socketOption).option('--json', 'print one JSON object').action(firewallAction('show'));
firewall.command('apply').description("make the config's rules live; rolled back unless confirmed in time")
  .option(...configOption).option(...socketOption).option('--force', 'apply even when the draft would lock out your SSH session or a trusted range')
  .option('--json', 'print one JSON object').action(firewallAction('apply'));
firewall.command('confirm').description('keep the rules of the pending apply').option(...configOption).option(...socketOption)
  .action(firewallAction('confirm'));
firewall.command('rollback').description('restore the rules that were live before the pending apply')
  .option(...configOption).option(...socketOption).option('--when-due', 'wait for the deadline and roll back only if still unconfirmed')
  .action(firewallAction('rollback'));

program.command('completion').description('print the shell completion script').argument('<shell>', COMPLETION_SHELLS.join(' or '))
  .action((name: string) => {
    if (!(COMPLETION_SHELLS as readonly string[]).includes(name)) program.error(`portcullis: completion: no such shell ${JSON.stringify(name)} (${COMPLETION_SHELLS.join(' or ')})`);
    process.stdout.write(completionScript(name as CompletionShell, program));
  });

program.parseAsync(process.argv).catch((err: unknown) => {
  const known = err instanceof FilterError || err instanceof ConfigError || (err instanceof Error && ['CommandError', 'BackendUnavailable', 'LockHeld', 'StoreError', 'ControlConnectError', 'NoDaemon'].includes(err.name));
  const plain = known || (err instanceof Error && 'code' in err && (err.code === 'ENOENT' || err.code === 'EACCES'));
  const text = `portcullis: ${err instanceof Error ? (plain ? err.message : (err.stack ?? err.message)) : String(err)}`;
  // Under systemd, the journal files each line as an error (`<3>`), not at the stream's default.
  process.stderr.write(`${isJournalStream() ? text.split('\n').map((l) => `<3>${l}`).join('\n') : text}\n`);
  // A daemon with a broken config would fail the same way on every restart: the unit does not restart on 78.
  process.exitCode = program.opts()['daemon'] && (err instanceof ConfigError || err instanceof FilterError) ? EXIT_CONFIG : 1;
});
