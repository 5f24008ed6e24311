/** What a bench returns: key=value figures (`blobsim bench` prints one per line). Not timed tests. */
export type BenchFigures = Record<string, number | string>;

export interface Bench {
  name: string;
  run(): Promise<BenchFigures>;
}
