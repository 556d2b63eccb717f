import { render } from 'ink';
import { loadOnce, NoDaemon, openChannel, type OpenChannel } from './open-channel.js';
import { connectIfListening, type ControlClient } from '../control/client.js';
import { DemoGenerator, prepareDemo, type DemoSetup } from '../demo/index.js';
import { CONSOLE_MAX_FPS, ConsoleApp, ConsoleModel, enterConsoleScreen, leaveConsoleScreen, PANES } from '../tui/index.js';

/** How the console was asked to run. */
export interface ConsoleOptions {
  config: string;
  /** A throw-away config, temporary logs filled by the traffic generator, dry-run firewall. */
  demo?: boolean;
  readOnly?: boolean;
  /** The daemon's socket (default: the config's `[daemon] socket`). */
  socket?: string;
  /** Run the engine here even when a daemon answers (it would refuse: the state is locked). */
  attach?: boolean;
}

/**
 * `portcullis` with no command: the console. It attaches to the daemon when one answers on the
 * socket, and otherwise runs the engine itself; `--demo` always runs its own engine on a
 * throw-away config. Resolves with the exit code once the operator quits.
 */
export async function runConsole(options: ConsoleOptions): Promise<number> {
  if (!process.stdin.isTTY || !process.stdout.isTTY) {
    process.stderr.write(
      'portcullis: the console needs a terminal. Run `portcullis --daemon` to run headless, or a client command (`portcullis status`, `portcullis bans`).\n',
    );
    return 2;
  }
  let demo: DemoSetup | null = null;
  let generator: DemoGenerator | null = null;
  let backing: OpenChannel;
  let reconnect: (() => Promise<ControlClient | null>) | undefined;
  try {
    if (options.demo) {
      demo = await prepareDemo(options.config);
      backing = await openChannel(loadOnce(demo.configPath), { without: 'engine', connect: false });
      generator = new DemoGenerator(demo);
      generator.start();
    } else {
      // Read only when needed: attached to a daemon given by --socket, the console never parses it.
      const loaded = loadOnce(options.config);
      const socket = options.socket ?? loaded.config.daemon.socket;
      const readOnly = options.readOnly ?? false;
      try {
        // A viewer must not start an engine that bans and drives the firewall: it only attaches.
        backing = await openChannel(loaded, { without: readOnly ? 'none' : 'engine', connect: options.attach !== false, readOnly, socket });
      } catch (err) {
        if (!(err instanceof NoDaemon)) throw err;
        process.stderr.write(`portcullis: --read-only attaches to a running daemon, and none answers on ${socket}. Start it (portcullis --daemon), or add --demo.\n`);
        return 2;
      }
      if (backing.attached) reconnect = () => connectIfListening(socket, 1000, { readOnly });
    }
  } catch (err) {
    demo?.cleanup();
    throw err;
  }
  // Once the daemon is gone the model says so in the header and reattaches when it is back.
  const model = new ConsoleModel(
    backing.channel,
    { attached: backing.attached, demo: demo !== null, readOnly: options.readOnly ?? false, where: backing.where },
    { reconnect },
  );
  // A closed terminal (SIGHUP) or a kill ends the console like q: the engine run here stops,
  // rolling back rules applied but not confirmed, and the demo folder goes.
  let app: ReturnType<typeof render> | null = null;
  const stop = (): void => app?.unmount();
  const signals = ['SIGHUP', 'SIGTERM', 'SIGINT'] as const;
  for (const signal of signals) process.on(signal, stop);
  try {
    await model.start();
    enterConsoleScreen(process.stdout);
    app = render(<ConsoleApp model={model} panes={PANES} readOnly={options.readOnly ?? false} />, { exitOnCtrlC: true, maxFps: CONSOLE_MAX_FPS });
    await app.waitUntilExit();
    return 0;
  } finally {
    for (const signal of signals) process.off(signal, stop);
    if (app) leaveConsoleScreen(process.stdout);
    generator?.stop();
    await model.stop();
    await backing.close();
    demo?.cleanup();
  }
}
