/** What a bench returns: key=value figures (`blobsim bench` prints one per line). Not timed tests. */
export type BenchFigures = Record<string, number | string>;

/** What the command line hands a bench: the count a bench of many runs should use, if given. */
export interface BenchOptions {
  /** `--schedules N`: kill schedules for crash-peer (each side runs this many). */
  schedules?: number;
}

export interface Bench {
  name: string;
  /** Runs only when named: too slow for the default set (crash-peer spawns processes for a minute). */
  onlyWhenNamed?: boolean;
  run(options: BenchOptions): Promise<BenchFigures>;
}
