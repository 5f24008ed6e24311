/**
 * Experiment 3, the contention wall (EXP-3, R-03): N writers doing read-modify-write on ONE row,
 * each keeping the row lock until its write is acked (rig.ts says why), against the same N
 * writers on independent rows. Contended commits/s stay at about 1 / (sequential commit
 * latency) whatever N is; independent ones scale with N. Records the contended ceiling and the
 * independent/contended ratio; the rig checks that no contended increment was lost.
 */
import type { Metrics, Scenario } from "../scenario.ts";
import { bootRig, endRig, measureClosedLoop, type Rig, round2, runInSupervisor } from "./rig.ts";

export const WALL_WRITERS: readonly number[] = [2, 8, 32];
/** How far the contended rate may stray from 1 / sequential commit latency. */
const CEILING_TOLERANCE = 0.2;

export const exp3ContentionWall: Scenario = {
  id: "experiments.exp3-contention-wall",
  title: "Exp 3: same-row contended writes stay at 1/commit latency while independent rows scale",
  criteria: ["EXP-3"],
  lane: "sim",
  defaultSeeds: 5,
  async run(ctx) {
    const { world } = ctx;
    const metrics: Metrics = {};
    const loop = (rig: Rig, writers: number, shape: "independent" | "contended") =>
      measureClosedLoop(ctx, rig, {
        writers,
        shape,
        writeBytes: 128,
      });
    await runInSupervisor(world, async () => {
      const rig = await bootRig(ctx, "exp3");
      // One writer: the sequential commit latency the wall should equal.
      const sequential = await loop(rig, 1, "contended");
      const expectedPerS = 1000 / sequential.p50Ms;
      metrics.sequentialCommitMs = sequential.p50Ms;
      let ceiling = Number.POSITIVE_INFINITY;
      for (const writers of WALL_WRITERS) {
        const contended = await loop(rig, writers, "contended");
        const independent = await loop(rig, writers, "independent");
        const ratio = contended.commitsPerS > 0 ? round2(independent.commitsPerS / contended.commitsPerS) : 0;
        ceiling = Math.min(ceiling, contended.commitsPerS);
        metrics[`w${writers}.contendedPerS`] = contended.commitsPerS;
        metrics[`w${writers}.independentPerS`] = independent.commitsPerS;
        metrics[`w${writers}.ratio`] = ratio;
        if (Math.abs(contended.commitsPerS - expectedPerS) > CEILING_TOLERANCE * expectedPerS)
          world.violate(
            "contention-wall",
            `${writers} writers on one row: ${contended.commitsPerS} commits/s, expected about ${round2(expectedPerS)}/s (1 / ${sequential.p50Ms} ms)`,
          );
        if (ratio < 0.7 * writers)
          world.violate(
            "contention-wall",
            `${writers} writers: independent rows reach only ${ratio}x the contended rate`,
          );
      }
      endRig(rig);
      metrics.contendedCeilingPerS = ceiling;
      metrics.ratioAtMaxWriters = metrics[`w${WALL_WRITERS[WALL_WRITERS.length - 1]}.ratio`] ?? 0;
    });
    return { metrics };
  },
};
