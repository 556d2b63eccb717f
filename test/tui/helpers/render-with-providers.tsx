import { appendFileSync } from 'node:fs';
import path from 'node:path';
import { render } from 'ink-testing-library';
import { openEngineStack, type EngineStack } from '../../../src/commands/engine-stack.js';
import { InProcessControl } from '../../../src/control/in-process.js';
import { ConsoleApp, ConsoleModel, PANES, setNoColor, type PaneId } from '../../../src/tui/index.js';
import { makeTempDir, type TempDir } from '../../helpers/temp-dir.js';
import { sleep } from '../../helpers/wait.js';
import { writeConsoleConfig, type ConsoleConfigOptions } from './console-config.js';
import { keyBytes } from './keys.js';

export { sshFailure } from './log-lines.js';

/** A console on a real engine (SQLite in a temp folder, dry-run firewall), driven by key presses. */
export interface ConsoleHarness {
  model: ConsoleModel;
  stack: EngineStack;
  dir: TempDir;
  configPath: string;
  /** The sshd jail's log. */
  logFile: string;
  /** The latest frame, without colours. */
  frame(): string;
  /** Presses keys one after the other (names: `down`, `enter`, `esc`, `S-tab`, or a character), each its own write. */
  press(...keys: string[]): Promise<void>;
  /** Types text into the focused field, all of it in one write (as a fast typist over SSH sends it). */
  type(text: string): Promise<void>;
  /** Writes bytes as they are, in one write. */
  write(bytes: string): Promise<void>;
  /** Waits until the frame satisfies `check` (a substring or a predicate); returns it. */
  waitForFrame(check: string | ((frame: string) => boolean), ms?: number): Promise<string>;
  appendLog(...lines: string[]): void;
  close(): Promise<void>;
}

export interface HarnessOptions extends ConsoleConfigOptions {
  pane?: PaneId;
  readOnly?: boolean;
  size?: { columns: number; rows: number };
  /** fail2ban's stock filter folder the add form offers (default: `fail2ban/filter.d` in the temp folder, absent until a test writes it). */
  stockFilterDir?: string;
}

/** Starts the console over a fresh engine; call `close()` in `finally`/`afterEach`. */
export async function renderWithProviders(options: HarnessOptions = {}): Promise<ConsoleHarness> {
  // Frames compare as plain text (ink-testing-library's output is not a terminal anyway).
  setNoColor(true);
  const dir = makeTempDir('portcullis-tui-');
  const { configPath, logFile } = writeConsoleConfig(dir, options);
  let control: InProcessControl | null = null;
  const stack = await openEngineStack(configPath, {
    onEvent: ({ event, data }) => control?.broadcast(event, data),
    stockFilterDir: options.stockFilterDir ?? path.join(dir.dir, 'fail2ban', 'filter.d'),
  });
  control = new InProcessControl(stack.handlers);
  await stack.start();
  const model = new ConsoleModel(control, { attached: false, demo: false, readOnly: options.readOnly ?? false, where: configPath });
  await model.start();
  const app = render(
    <ConsoleApp model={model} panes={PANES} readOnly={options.readOnly ?? false} initialPane={options.pane} size={options.size ?? { columns: 100, rows: 30 }} />,
  );
  const frame = (): string => app.lastFrame() ?? '';
  const harness: ConsoleHarness = {
    model,
    stack,
    dir,
    configPath,
    logFile,
    frame,
    async press(...keys) {
      for (const key of keys) await harness.write(keyBytes(key));
    },
    async type(text) {
      await harness.write(text);
    },
    async write(bytes) {
      // The console takes keys in the order written, however fast they come. Only a lone Esc
      // needs the turn in which Ink decides it is not the start of a longer sequence.
      app.stdin.write(bytes);
      if (bytes.endsWith('\x1b')) await new Promise((resolve) => setImmediate(resolve));
    },
    async waitForFrame(check, ms = 5000) {
      const test = typeof check === 'string' ? (f: string) => f.includes(check) : check;
      const deadline = Date.now() + ms;
      while (Date.now() < deadline) {
        if (test(frame())) return frame();
        await sleep(20);
      }
      throw new Error(`the frame never showed ${typeof check === 'string' ? JSON.stringify(check) : 'what was expected'}; last frame:\n${frame()}`);
    },
    appendLog(...lines) {
      appendFileSync(logFile, lines.map((l) => `${l}\n`).join(''));
    },
    async close() {
      app.unmount();
      app.cleanup();
      await model.stop();
      await control?.close();
      await stack.stop();
      dir.remove();
    },
  };
  return harness;
}
