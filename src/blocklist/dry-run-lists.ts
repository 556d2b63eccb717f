/** Blocklists held in memory for the dry-run backend: what the kernel would hold, never applied. */
export class DryRunLists {
  readonly sets = new Map<string, { v4: readonly string[]; v6: readonly string[] }>();

  async start(names: readonly string[]): Promise<void> {
    for (const name of names) if (!this.sets.has(name)) this.sets.set(name, { v4: [], v6: [] });
  }

  async replace(name: string, v4: readonly string[], v6: readonly string[]): Promise<void> {
    this.sets.set(name, { v4, v6 });
  }

  /** Nothing is dropped in a dry run. */
  async dropped(): Promise<Map<string, number>> {
    return new Map([...this.sets.keys()].map((name) => [name, 0]));
  }

  async stop(names: readonly string[]): Promise<void> {
    for (const name of names) this.sets.delete(name);
  }
}
