#!/usr/bin/env -S node --max-semi-space-size=4
// A small young generation: log lines are short-lived garbage, and a long run (a million-line
// `regex`, a daemon following busy logs) then keeps a resident size well under 100 MB.
import { Command, InvalidArgumentError } from 'commander';
// Only what parsing the command line needs is loaded up front; each command loads its own
// modules, so `regex` on a big log does not carry the config schema's weight in memory.
import { parseDuration } from './config/duration.js';
import { defaultConfigPath, programVersion } from './config/default-path.js';
import { ConfigError } from './config/errors.js';
import { EXIT_CONFIG, helpFooter } from './domain/exit-codes.js';
import { COMPLETION_SHELLS, completionScript, type CompletionShell } from './domain/shell-completion.js';
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
  .action(async (opts: { config: string; demo?: boolean; daemon?: boolean; socket?: string; pidFile?: string; readOnly?: boolean; attach: boolean }) => {
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
  .argument('<logfile>', 'log file to read')
  .argument('<filter>', 'filter name (shipped or in --filter-dir) or path to a filter file')
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
const socketOf = async (opts: Common): Promise<string> => (await clientModule()).socketPath(opts.config, opts.socket);

// Each of these talks to the daemon when one answers on the socket, else (where that makes
// sense) acts on the state directly.
program.command('status').description('jails with failure and ban counts, backend, uptime (needs the daemon)')
  .option(...configOption).option(...socketOption).option('--json', 'print one JSON object')
  .action(async (opts: Common) => {
    process.exitCode = await (await clientModule()).statusCommand(await socketOf(opts), opts.json ?? false, process.stdout, process.stderr);
  });
program.command('jails').description('the jails and their counts (needs the daemon)')
  .option(...configOption).option(...socketOption).option('--json', 'print a JSON array')
  .action(async (opts: Common) => {
    process.exitCode = await (await clientModule()).jailsCommand(await socketOf(opts), opts.json ?? false, process.stdout, process.stderr);
  });
const jail = program.command('jail').description('turn a jail on or off (saved to config.d/console.toml)');
for (const action of ['enable', 'disable'] as const) {
  jail.command(action).argument('<name>', 'jail name').option(...configOption).option(...socketOption)
    .action(async (name: string, opts: Common) => {
      process.exitCode = await (await clientModule()).jailCommand(await socketOf(opts), name, action === 'enable', process.stdout, process.stderr);
    });
}
program.command('reload').description('make the daemon read its config again').option(...configOption).option(...socketOption)
  .action(async (opts: Common) => {
    process.exitCode = await (await clientModule()).reloadCommand(await socketOf(opts), process.stdout, process.stderr);
  });
program.command('logs').description("the daemon's engine log").option(...configOption).option(...socketOption)
  .option('-f, --follow', 'keep printing new lines').option('--json', 'one JSON object per line')
  .action(async (opts: Common & { follow?: boolean }) => {
    process.exitCode = await (await clientModule()).logsCommand(await socketOf(opts), opts.follow ?? false, opts.json ?? false, process.stdout, process.stderr);
  });
program.command('bans').description('the bans in force').option(...configOption).option(...socketOption).option('--json', 'print a JSON array')
  .action(async (opts: Common) => {
    process.exitCode = await (await bansModule()).listBans(opts.config, opts.json ?? false, process.stdout, opts.socket);
  });
program.command('ban').description('ban an address or range by hand').argument('<ip>', 'IP or CIDR')
  .option(...configOption).option(...socketOption).option('--jail <name>', 'note which jail it is for')
  .option('--time <duration>', 'how long (default: bantime; "permanent")', banDuration)
  .action(async (ip: string, opts: Common & { jail?: string; time?: number }) => {
    const options = {
      ...(opts.jail ? { jail: opts.jail } : {}),
      ...(opts.time !== undefined ? { seconds: opts.time } : {}),
      ...(opts.socket ? { socket: opts.socket } : {}),
    };
    process.exitCode = await (await bansModule()).banCommand(opts.config, ip, options, process.stdout, process.stderr);
  });
program.command('unban').description('lift a ban, or every ban with --all').argument('[ip]', 'IP or CIDR')
  .option(...configOption).option(...socketOption).option('--all', 'lift every ban')
  .action(async (ip: string | undefined, opts: Common & { all?: boolean }) => {
    process.exitCode = await (await bansModule()).unbanCommand(opts.config, ip, opts.all ?? false, process.stdout, process.stderr, opts.socket);
  });
const trust = program.command('trust').description('trusted ranges: never banned');
for (const action of ['add', 'rm'] as const) {
  trust.command(action).description(action === 'add' ? 'trust an IP or CIDR (unbans what it covers)' : 'stop trusting a range added at run time')
    .argument('<range>', 'IP or CIDR').option(...configOption).option(...socketOption)
    .action(async (range: string, opts: Common) => {
      process.exitCode = await (await bansModule()).trustCommand(opts.config, action, range, false, process.stdout, process.stderr, opts.socket);
    });
}
trust.command('list').description('every trusted range and where it comes from').option(...configOption).option(...socketOption)
  .option('--json', 'print a JSON array')
  .action(async (opts: Common) => {
    process.exitCode = await (await bansModule()).trustCommand(opts.config, 'list', undefined, opts.json ?? false, process.stdout, process.stderr, opts.socket);
  });

const firewall = program.command('firewall').description('managed firewall rules: show, apply, confirm, roll back');
const firewallAction =
  (name: 'show' | 'apply' | 'confirm' | 'rollback') =>
  async (opts: { config: string; json?: boolean; force?: boolean; whenDue?: boolean; socket?: string }): Promise<void> => {
    const out = process.stdout;
    const err = process.stderr;
    // With a daemon running, it owns the rules and their rollback timer.
    if (!opts.whenDue) {
      const client = await clientModule();
      const channel = await client.connectIfRunning(client.socketPath(opts.config, opts.socket));
      if (channel) {
        // The lock-out check needs this shell's SSH session, which the daemon cannot see.
        if (name === 'apply' && !opts.force) {
          const warnings = await client.localGuardWarnings(opts.config);
          if (warnings.length) {
            channel.close();
            err.write(`${warnings.map((w) => `warning: ${w}`).join('\n')}\nnot applied: add --force to apply anyway\n`);
            process.exitCode = 1;
            return;
          }
        }
        // The daemon checks the trusted ranges it knows (run-time ones too); --force skips both.
        process.exitCode = await client.firewallOverSocket(channel, name, opts.force ?? false, opts.json ?? false, out, err);
        return;
      }
    }
    const commands = await import('./commands/firewall-command.js');
    process.exitCode = name === 'show'
      ? await commands.firewallShow(opts, out)
      : name === 'apply'
        ? await commands.firewallApply(opts, out, err)
        : name === 'confirm'
          ? await commands.firewallConfirm(opts, out, err)
          : await commands.firewallRollback(opts, out, err);
  };
firewall.command('show').description('what is live, the confirmed rules, the config draft and any pending apply')
  .option(...configOption).option(...socketOption).option('--json', 'print one JSON object').action(firewallAction('show'));
firewall.command('apply').description("make the config's rules live; rolled back unless confirmed in time")
  .option(...configOption).option(...socketOption).option('--force', 'apply even when the draft would lock out your SSH session or a trusted range')
  .action(firewallAction('apply'));
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
  const known = err instanceof FilterError || err instanceof ConfigError || (err instanceof Error && ['CommandError', 'BackendUnavailable', 'LockHeld', 'StoreError', 'ControlConnectError'].includes(err.name));
  const plain = known || (err instanceof Error && 'code' in err && (err.code === 'ENOENT' || err.code === 'EACCES'));
  const text = `portcullis: ${err instanceof Error ? (plain ? err.message : (err.stack ?? err.message)) : String(err)}`;
  // Under systemd, the journal files each line as an error (`<3>`), not at the stream's default.
  process.stderr.write(`${isJournalStream() ? text.split('\n').map((l) => `<3>${l}`).join('\n') : text}\n`);
  // A daemon with a broken config would fail the same way on every restart: the unit does not restart on 78.
  process.exitCode = program.opts()['daemon'] && (err instanceof ConfigError || err instanceof FilterError) ? EXIT_CONFIG : 1;
});
