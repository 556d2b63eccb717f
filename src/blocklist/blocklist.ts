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
    private readonly log: (line: string) => void,
    private readonly timeoutMs = 30_000,
  ) {
    this.current = loadList(stateDir, settings.name);
  }

  /** Puts the list saved on disk into the kernel (no download); false when there is none. */
  async loadSaved(): Promise<boolean> {
    if (!this.current) return false;
    await this.sink(this.settings.name, this.current.v4, this.current.v6);
    return true;
  }

  get entries(): number {
    return this.current ? this.current.v4.length + this.current.v6.length : 0;
  }

  status(): BlocklistStatus {
    const lastRefresh = this.current ? Math.max(this.current.refreshedAt, this.lastCheck ?? 0) : null;
    return { name: this.settings.name, source: this.settings.source, entries: this.entries, lastRefresh, lastError: this.lastError };
  }

  async refresh(now = Date.now()): Promise<RefreshOutcome> {
    const { name, source, format, minCount, maxEntries } = this.settings;
    const validators = this.current?.validators ?? { etag: null, lastModified: null };
    const result = await fetchList(source, validators, this.timeoutMs);
    if (result.kind === 'not-modified' && this.current) {
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
          await this.sink(name, next.v4, next.v6);
          saveList(this.stateDir, name, next);
          this.current = next;
          this.lastError = null;
          this.log(`blocklist ${name}: ${this.entries} entries loaded from ${source}`);
          return 'replaced';
        }
      }
    }
    if (result.kind === 'not-modified') reason = 'the server answered 304 but no list is saved';
    this.lastError = reason;
    const kept = this.current ? `keeping the previous ${this.entries} entries` : 'no previous list to keep';
    this.log(`blocklist ${name}: ${reason}; ${kept}`);
    return 'kept';
  }
}
