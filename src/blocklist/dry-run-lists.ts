/** Blocklists held in memory for the dry-run backend: what the kernel would hold, never applied. */
export class DryRunLists {
  readonly sets = new Map<string, { v4: readonly string[]; v6: readonly string[] }>();

  /** Like the kernel holders: the named lists exist (kept when they did), any other goes. */
  async start(names: readonly string[]): Promise<void> {
    for (const name of [...this.sets.keys()]) if (!names.includes(name)) this.sets.delete(name);
    for (const name of names) if (!this.sets.has(name)) this.sets.set(name, { v4: [], v6: [] });
  }

  async replace(name: string, v4: readonly string[], v6: readonly string[]): Promise<void> {
    this.sets.set(name, { v4, v6 });
  }

  /** Nothing is dropped in a dry run. */
  async dropped(): Promise<Map<string, number>> {
    return new Map([...this.sets.keys()].map((name) => [name, 0]));
  }

  /** Every list goes, as `stop` takes every list object out of the kernel. */
  async stop(_names: readonly string[] = []): Promise<void> {
    this.sets.clear();
  }
}
