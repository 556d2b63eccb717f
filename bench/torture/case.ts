/** One row of the torture table: what was tried, what should happen, what did. */
export interface TortureResult {
  /** What happened, in a few words ("20000/20000 banned, 0 single-failure banned"). */
  observed: string;
  pass: boolean;
  /** Measurements worth quoting (times, sizes), in a few words. */
  figures?: string;
  /** Set when the machine cannot run the case (no tmpfs mount allowed, say): reported as skipped, with why. */
  skipped?: string;
}

/** What a case is given: `bounded` is the short form `.ci/run` runs. */
export interface TortureContext {
  bounded: boolean;
}

/** A hostile or faulty situation and the behaviour portcullis promises in it. */
export interface TortureCase {
  name: string;
  expected: string;
  /** Cases that need root (namespaces, tmpfs mounts) are reported as skipped without it. */
  needsRoot?: boolean;
  run(context: TortureContext): Promise<TortureResult>;
}
