import { execFile } from 'node:child_process';
import { sleep } from '../../helpers/wait.js';

/** Runs tmux on its own server socket (never the operator's), with an argument array. */
function tmux(socket: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('tmux', ['-L', socket, ...args], { env, timeout: 10_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`tmux ${args[0]}: ${stderr || err.message}`));
      else resolve(stdout);
    });
  });
}

/** A program running in a real terminal (a detached tmux session), read with capture-pane. */
export class TmuxSession {
  private constructor(
    private readonly socket: string,
    readonly name: string,
  ) {}

  /** Starts `command` (program and arguments, no shell) in a `columns`x`rows` terminal. */
  static async start(command: string[], options: { columns?: number; rows?: number; env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<TmuxSession> {
    const socket = `portcullis-test-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
    const session = new TmuxSession(socket, 'console');
    const env = { ...process.env, TERM: 'xterm-256color', ...options.env };
    // The server starts with the pane kept after its program exits (to read what it printed last),
    // and the session's size fixed before the program runs.
    await tmux(
      socket,
      [
        'start-server', ';',
        'set-option', '-g', 'remain-on-exit', 'on', ';',
        'new-session', '-d', '-s', session.name, '-x', String(options.columns ?? 100), '-y', String(options.rows ?? 30),
        ...(options.cwd ? ['-c', options.cwd] : []),
        ...command,
      ],
      env,
    );
    return session;
  }

  /** The screen as text; with `escapes`, with its colour and attribute escapes. */
  capture(escapes = false): Promise<string> {
    return tmux(this.socket, ['capture-pane', '-p', ...(escapes ? ['-e'] : []), '-t', this.name]);
  }

  /** Presses tmux key names (`Enter`, `Escape`, `Tab`, `BTab`, `Down`) or single characters, one write each. */
  async press(...keys: string[]): Promise<void> {
    for (const key of keys) await tmux(this.socket, ['send-keys', '-t', this.name, key]);
  }

  /** Whether the program in the terminal has exited. */
  async exited(): Promise<boolean> {
    return (await tmux(this.socket, ['display-message', '-p', '-t', this.name, '#{pane_dead}'])).trim() === '1';
  }

  /** Waits until the program in the terminal has exited. */
  async waitForExit(ms = 15_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!(await this.exited())) {
      if (Date.now() > deadline) throw new Error('the program in the terminal never exited');
      await sleep(100);
    }
  }

  /** Resizes the terminal (the program gets SIGWINCH). */
  async resize(columns: number, rows: number): Promise<void> {
    await tmux(this.socket, ['resize-window', '-t', this.name, '-x', String(columns), '-y', String(rows)]);
  }

  /** Types text literally. */
  async type(text: string): Promise<void> {
    await tmux(this.socket, ['send-keys', '-t', this.name, '-l', text]);
  }

  /** Waits until the screen satisfies `check`; returns it. */
  async waitFor(check: string | ((screen: string) => boolean), ms = 15_000): Promise<string> {
    const test = typeof check === 'string' ? (s: string) => s.includes(check) : check;
    const deadline = Date.now() + ms;
    let screen = '';
    while (Date.now() < deadline) {
      screen = await this.capture().catch(() => screen);
      if (test(screen)) return screen;
      await sleep(100);
    }
    throw new Error(`the terminal never showed ${typeof check === 'string' ? JSON.stringify(check) : 'what was expected'}; screen:\n${screen}`);
  }

  /** Ends the session and its server. */
  async kill(): Promise<void> {
    await tmux(this.socket, ['kill-server']).catch(() => {});
  }
}
