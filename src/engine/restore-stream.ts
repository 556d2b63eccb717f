import type { BanEntry } from '../firewall/types.js';
import type { BanStore, BanSummary } from './types.js';

/** Bans read from the store at a time while the firewall takes their entries. */
const PAGE = 20_000;

/**
 * The stored bans read page by page as the firewall takes their kernel entries, so a restart's
 * store read and the kernel's load run side by side instead of one after the other. `keep`
 * takes each ban into memory (false: dropped, expired or trusted); `entry` gives its kernel
 * entry (null: another entry holds its place). `first` are entries known before the read (the
 * subnet bans), whose rows the pages skip. Whatever the firewall does not take (it failed
 * part-way, or did not run) is read by `finish`, so memory always ends holding every ban.
 */
export class RestoreStream implements Iterable<BanEntry> {
  /** Entries handed to the firewall so far. */
  count = 0;
  private from: number | null = 0;

  constructor(
    private readonly store: BanStore,
    private readonly skipJail: string,
    private readonly first: readonly BanEntry[],
    private readonly keep: (ban: BanSummary) => boolean,
    private readonly entry: (ban: BanSummary) => BanEntry | null,
  ) {}

  *[Symbol.iterator](): Generator<BanEntry> {
    for (const entry of this.first) {
      this.count++;
      yield entry;
    }
    while (this.from !== null) {
      for (const entry of this.readPage(true)) {
        this.count++;
        yield entry;
      }
    }
  }

  /** Reads the pages the firewall did not take into memory. */
  finish(): void {
    while (this.from !== null) this.readPage(false);
  }

  /** Takes the next page into memory; with `entries`, returns the kernel entries of its bans kept. */
  private readPage(entries: boolean): BanEntry[] {
    const page: BanEntry[] = [];
    this.from = this.store.banSummaryPage(this.from!, PAGE, (ban) => {
      if (ban.jail === this.skipJail || !this.keep(ban) || !entries) return;
      const entry = this.entry(ban);
      if (entry) page.push(entry);
    });
    return page;
  }
}
