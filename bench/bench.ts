/** The benchmark registry: each bench returns key=value figures. Not timed tests. */
import { blobstoreBench } from "./blobstore.ts";
import { crashPeerBench } from "./crash-peer.ts";
import { exploreBench } from "./explore.ts";
import { kernelBench } from "./kernel.ts";
import { scenarioBench } from "./scenarios.ts";
import { walBench } from "./wal.ts";
import type { Bench } from "./figures.ts";
import { shrinkBench } from "./shrink.ts";
import { soakBench } from "./soak.ts";

export type { Bench, BenchFigures, BenchOptions } from "./figures.ts";
export { profileBench } from "./profile.ts";

export const allBenches: readonly Bench[] = [
  { name: "kernel", run: kernelBench },
  { name: "scenarios", run: scenarioBench },
  { name: "blobstore", run: blobstoreBench },
  { name: "wal", run: walBench },
  { name: "soak", run: soakBench },
  // Shrinks every variant's recorded seed (minutes): only when named, like crash-peer and explore.
  { name: "shrink", onlyWhenNamed: true, run: shrinkBench },
  { name: "crash-peer", onlyWhenNamed: true, run: (options) => crashPeerBench(options.schedules) },
  { name: "explore", onlyWhenNamed: true, run: () => exploreBench() },
];
