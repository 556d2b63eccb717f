/** Exit status of every command: done. */
export const EXIT_OK = 0;
/** Any failure not listed below (a bad command line too). */
export const EXIT_FAILURE = 1;
/** The console was asked for without a terminal, or --read-only found no daemon to attach to. */
export const EXIT_USAGE = 2;
/** EX_CONFIG (sysexits.h): the daemon's configuration or one of its filters is invalid. */
export const EXIT_CONFIG = 78;

/**
 * The text after `--help`, and so the man page's EXIT STATUS, ENVIRONMENT and FILES sections:
 * written once, here.
 */
export function helpFooter(defaultConfig: string): string {
  return [
    '',
    'Exit status:',
    `  ${EXIT_OK}   success`,
    `  ${EXIT_FAILURE}   failure: a command that could not be done, a daemon that stopped on an error, a bad command line`,
    `  ${EXIT_USAGE}   the console needs a terminal, or --read-only found no daemon to attach to`,
    `  ${EXIT_CONFIG}  --daemon: the configuration or a filter is invalid (EX_CONFIG; systemd does not restart it)`,
    '',
    'Environment:',
    '  PORTCULLIS_CONFIG  configuration file when --config is not given',
    '  NOTIFY_SOCKET      set by systemd (Type=notify): the daemon reports READY=1 once the stored bans are',
    '                     back in the firewall and the logs are followed, then STATUS= with the ban count',
    '  JOURNAL_STREAM     set by systemd: when stderr is the journal, lines carry <N> priorities and no timestamp',
    '',
    'Files:',
    `  ${defaultConfig}  the configuration (config.d/*.toml next to it is merged over it)`,
    '  /var/lib/portcullis  state: bans, read positions, the state lock',
    '  /run/portcullis      control socket and pid file',
    '  /var/log/portcullis  the engine log, when the config puts it there',
  ].join('\n');
}
