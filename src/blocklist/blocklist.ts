import { checkParsed, checkText } from './check.js';
import { fetchList } from './fetch.js';
import { parseList } from './parse.js';
import type { BlocklistSettings } from './settings.js';
import { loadList, saveList, type SavedList } from './store.js';

/** What `blocklist list` shows of one list. */
export interface BlocklistStatus {
  name: string;
  source: string;
  entries: number;
  /** Last successful download or check (ms), or null. */
  lastRefresh: number | null;
  lastError: string | null;
}

/** Receives a new list to put in the kernel; resolves once it is in. */
export type ListSink = (name: string, v4: readonly string[], v6: readonly string[]) => Promise<void>;

/** Where a list reports: what it loaded (info) and why it kept the previous list (warning). */
export type ListLog = (line: string, level: 'info' | 'warning') => void;

export type RefreshOutcome = 'replaced' | 'unchanged' | 'kept';

/**
 * One blocklist: its last good entries, refreshed from the source. A refresh that fails for any
 * reason keeps the last good list and records why.
 */
export class Blocklist {
  private current: SavedList | null;
  lastError: string | null = null;
  lastCheck: number | null = null;

  constructor(
    readonly settings: BlocklistSettings,
    private readonly stateDir: string,
    private readonly sink: ListSink,
    private readonly log: ListLog,
    private readonly timeoutMs = 30_000,
  ) {
    this.current = loadList(stateDir, settings.name);
  }

  private running: Promise<RefreshOutcome> | null = null;
  /** Whether the kernel holds `current`. */
  private inKernel = false;
  /** Aborted by `stop`: cuts short a download under way, and no refresh begins after it. */
  private readonly stopping = new AbortController();
  /** Whether `stop` cut a download short (its list was never loaded). */
  private cutShort = false;

  /** Puts the list saved on disk into the kernel (no download); false when there is none or the kernel refused it. */
  async loadSaved(): Promise<boolean> {
    if (!this.current) return false;
    try {
      await this.sink(this.settings.name, this.current.v4, this.current.v6);
    } catch (error) {
      this.lastError = `the kernel refused the saved list: ${(error as Error).message}`;
      this.log(`blocklist ${this.settings.name}: ${this.lastError}`, 'warning');
      return false;
    }
    this.inKernel = true;
    this.log(`blocklist ${this.settings.name}: ${this.entries} saved entries loaded`, 'info');
    return true;
  }

  get entries(): number {
    return this.current ? this.current.v4.length + this.current.v6.length : 0;
  }

  status(): BlocklistStatus {
    const lastRefresh = this.current ? Math.max(this.current.refreshedAt, this.lastCheck ?? 0) : null;
    return { name: this.settings.name, source: this.settings.source, entries: this.entries, lastRefresh, lastError: this.lastError };
  }

  /** Downloads the list and replaces it when the download is good; a refresh under way is joined, not repeated. */
  refresh(now = Date.now()): Promise<RefreshOutcome> {
    if (this.stopping.signal.aborted) return Promise.resolve('kept');
    this.running ??= this.download(now).finally(() => {
      this.running = null;
    });
    return this.running;
  }

  /**
   * No refresh after this: a download under way is cut short (a slow server is not waited for),
   * a kernel load under way is waited for, so nothing of this list reaches the kernel once it
   * resolves. Resolves with whether a download was cut short.
   */
  async stop(): Promise<boolean> {
    this.stopping.abort();
    await this.running?.catch(() => undefined);
    return this.cutShort;
  }

  /** The new list is in the kernel: kept, and saved for the next start. */
  private replaced(next: SavedList): RefreshOutcome {
    const { name, source } = this.settings;
    this.current = next;
    this.inKernel = true;
    this.lastError = null;
    this.log(`blocklist ${name}: ${this.entries} entries loaded from ${source}`, 'info');
    try {
      saveList(this.stateDir, name, next);
    } catch (error) {
      this.log(`blocklist ${name}: not saved for the next start: ${(error as Error).message}`, 'warning');
    }
    return 'replaced';
  }

  private async download(now: number): Promise<RefreshOutcome> {
    const { name, source, format, minCount, maxEntries } = this.settings;
    const validators = this.current?.validators ?? { etag: null, lastModified: null };
    const result = await fetchList(source, validators, this.timeoutMs, this.stopping.signal);
    // Stopped (a reload, the engine's stop): the answer is dropped, and nothing is logged as wrong.
    if (this.stopping.signal.aborted) {
      this.cutShort = true;
      return 'kept';
    }
    if (result.kind === 'not-modified' && this.current) {
      // Unchanged, but not in the kernel yet when the saved list could not be loaded at start.
      if (!this.inKernel && !(await this.loadSaved())) return 'kept';
      this.lastCheck = now;
      this.lastError = null;
      return 'unchanged';
    }
    let reason: string | null = result.kind === 'failed' ? result.reason : null;
    if (result.kind === 'body') {
      reason = checkText(result.facts);
      if (reason === null) {
        const parsed = parseList(result.facts.text, format, minCount);
        reason = checkParsed(parsed, this.current ? this.entries : null, maxEntries);
        if (reason === null) {
          const next: SavedList = { v4: parsed.v4, v6: parsed.v6, validators: result.validators, refreshedAt: now };
          try {
            await this.sink(name, next.v4, next.v6);
          } catch (error) {
            reason = `the kernel refused the new list: ${(error as Error).message}`;
          }
          if (reason === null) return this.replaced(next);
        }
      }
    }
    if (result.kind === 'not-modified') reason = 'the server answered 304 but no list is saved';
    this.lastError = reason;
    const kept = this.current ? `keeping the previous ${this.entries} entries` : 'no previous list to keep';
    this.log(`blocklist ${name}: ${reason}; ${kept}`, 'warning');
    return 'kept';
  }
}
