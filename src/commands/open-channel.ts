import { loadConfig, type Config } from '../config/index.js';
import type { ControlChannel } from '../control/channel.js';
import { connectIfListening } from '../control/client.js';
import type { InProcessControl } from '../control/in-process.js';
import { sshSession } from '../net/index.js';
import type { LoadedConfig, StackMode } from './engine-stack.js';

/** What a front end asks of {@link openChannel}. */
export interface ChannelOptions {
  /** The daemon's socket (default: the config's `[daemon] socket`). */
  socket?: string;
  /**
   * Without a daemon: `engine` runs the whole engine here, logs followed, as the daemon would (the
   * console); `change` runs the service with the state lock and the firewall (no logs read);
   * `read` only reads the store (commands that change state are refused); `none` refuses to run
   * without a daemon (status, logs: they describe a running engine).
   */
  without: 'engine' | 'change' | 'read' | 'none';
  /** False: do not look for a daemon, run here (`portcullis --no-attach`, the demo). */
  connect?: boolean;
  /** `read` only: look at the configured firewall too (`firewall show`). */
  readFirewall?: boolean;
  /** Ask the daemon for a read-only connection. */
  readOnly?: boolean;
}

/** A channel to the engine service and where it leads. */
export interface OpenChannel {
  channel: ControlChannel;
  /** True when a daemon answered. */
  attached: boolean;
  /** The socket, or the config file the service runs on here. */
  where: string;
  /** Why the firewall is a dry run when it is one without being asked for (in-process only). */
  notice?: string;
  close(): Promise<void>;
}

/** Raised when a command needs the daemon and none answers. */
export class NoDaemon extends Error {
  override name = 'NoDaemon';
}

/**
 * A config read once for the whole process, and only when needed: a verb given `--socket` that
 * the daemon answers never reads it (a config being edited must not stop `reload`).
 */
export function loadOnce(path: string): LoadedConfig {
  let config: Config | undefined;
  return {
    path,
    get config(): Config {
      return (config ??= loadConfig(path));
    },
  };
}

/**
 * The one way a front end reaches the engine: the daemon's client when one answers on the
 * socket, else an in-process service over the same handlers (no logs followed), so that every
 * command-line verb and the console are written once, against the channel.
 */
export async function openChannel(loaded: LoadedConfig, options: ChannelOptions): Promise<OpenChannel> {
  const socket = options.socket ?? loaded.config.daemon.socket;
  const client = options.connect === false ? null : await connectIfListening(socket, 1000, { readOnly: options.readOnly ?? false });
  if (client) return { channel: client, attached: true, where: socket, close: async () => client.close() };
  if (options.without === 'none') throw new NoDaemon(`no portcullis daemon is listening on ${socket} (start it with: portcullis --daemon)`);
  const mode: StackMode = options.without === 'engine' ? 'engine' : options.without === 'change' ? 'service' : 'view';
  // Loaded only here: a client of the daemon (most verbs) starts without the engine's modules
  // (`portcullis trust list` against a daemon: 0.32 s with them, 0.27 without).
  const [{ openEngineStack }, { InProcessControl }] = await Promise.all([import('./engine-stack.js'), import('../control/in-process.js')]);
  let control: InProcessControl | null = null;
  const stack = await openEngineStack(loaded, {
    mode,
    ...(options.readFirewall ? { readFirewall: true } : {}),
    // The engine run here guards the operator's own SSH session as the daemon does.
    ...(mode === 'engine' ? { operatorSession: sshSession() } : {}),
    onEvent: ({ event, data }) => control?.broadcast(event, data),
  });
  try {
    await stack.start();
  } catch (err) {
    await stack.stop();
    throw err;
  }
  // The console shows the engine log: why the firewall is a dry run belongs there.
  if (mode === 'engine' && stack.notice) stack.log.warning(null, stack.notice);
  const local = new InProcessControl(stack.handlers, { readOnly: mode === 'view' || (options.readOnly ?? false) });
  control = local;
  return {
    channel: local,
    attached: false,
    where: loaded.path,
    ...(stack.notice ? { notice: stack.notice } : {}),
    close: async () => {
      await local.close();
      await stack.stop();
    },
  };
}
