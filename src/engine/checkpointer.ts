import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import { workerScript } from './worker-script.js';

/** What the checkpointer thread is started with. */
export interface CheckpointerSetup {
  file: string;
  busyTimeoutMs: number;
  synchronous: 'FULL' | 'NORMAL';
  /** How long after a commit the thread checkpoints (ms): the commits of a flood share one. */
  delayMs: number;
  /** An Int32Array's memory: CLOSED_SLOT and PENDING_SLOT. */
  control: SharedArrayBuffer;
}

/** Set to 1 by the thread once it closed its connection. */
export const CLOSED_SLOT = 0;
/**
 * 1 from the engine's first commit after a checkpoint began until the next one begins: later
 * commits then send the thread nothing (a flood commits every few ms, reads call too).
 */
export const PENDING_SLOT = 1;

/**
 * Write-ahead log pages the engine's own connection lets pile up before it checkpoints them
 * itself: a backstop, reached only when the checkpointer thread does not keep up or is gone
 * (SQLite's default, 1,000, is where the engine's commits checkpointed before).
 */
export const BACKSTOP_PAGES = 16_000;

/**
 * How long `close` waits for the thread to close its connection (ms): a thread gone without its
 * exit event heard yet never answers, and the wait only lets the engine's close remove the log.
 */
const CLOSE_WAIT_MS = 2000;

/**
 * A thread of its own that copies the write-ahead log into the database file (a checkpoint) a
 * moment after the engine commits. SQLite otherwise runs the checkpoint inside the commit that
 * takes the log past 1,000 pages: 16 MiB of pages copied and the file synced while a ban waits
 * for its commit (5.5-7.2 ms, the slowest of 400 small commits after a flood, in every run of
 * `npm run bench:commit`; with the thread, none over 5 ms in four runs of seven). A passive
 * checkpoint on another connection never blocks the engine's writes, and runs on the other core.
 */
export class Checkpointer {
  private readonly worker: Worker;
  private readonly port: MessagePort;
  private readonly control: Int32Array;
  private gone = false;

  constructor(setup: Omit<CheckpointerSetup, 'control'>) {
    const control = new SharedArrayBuffer(8);
    this.control = new Int32Array(control);
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    const { script, eval: isCode } = workerScript(import.meta.url, 'checkpoint-worker');
    this.worker = new Worker(script, {
      eval: isCode,
      workerData: { ...setup, control, port: port2 },
      transferList: [port2],
      // It holds no data: a small young generation.
      resourceLimits: { maxYoungGenerationSizeMb: 1 },
    });
    this.worker.unref();
    this.port.unref();
    // Should it fail, the engine's connection checkpoints on its own at BACKSTOP_PAGES.
    this.worker.on('error', () => (this.gone = true));
    this.worker.on('exit', () => (this.gone = true));
  }

  /** The engine committed: a checkpoint follows shortly. */
  committed(): void {
    if (!this.gone && Atomics.compareExchange(this.control, PENDING_SLOT, 0, 1) === 0) this.port.postMessage('commit');
  }

  /** Closes the thread's connection (waiting for it, so the engine's close can remove the log). */
  close(): void {
    if (this.gone) return;
    this.gone = true;
    this.port.postMessage('close');
    Atomics.wait(this.control, CLOSED_SLOT, 0, CLOSE_WAIT_MS);
    this.port.close();
    void this.worker.terminate();
  }
}
