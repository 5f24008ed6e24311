/**
 * Experiment 2, the group-commit throughput curve (EXP-2, R-01): closed-loop writers on
 * independent rows of one database, 1 to 64 of them. Records acked commits/s, manifest CASes/s
 * and writes per CAS at each point.
 *
 * Expected shape: the manifest CAS rate is pinned from the first point at about one per second
 * (the shipper paces CASes under the bucket's per-object mutation cap), so one-at-a-time commits
 * are capped near 1/s; batching then carries every waiting writer's write in the same CAS, so
 * acked commits/s rise with the writers while CASes/s stay flat.
 */
import { DEFAULT_BLOB_STORE_OPTIONS } from "../../sim/blob-store.ts";
import type { Metrics, Scenario } from "../scenario.ts";
import { bootRig, endRig, measureClosedLoop, runInSupervisor } from "./rig.ts";

export const CURVE_WRITERS: readonly number[] = [1, 2, 4, 8, 16, 32, 64];
export const CURVE_WRITE_BYTES = 1024;

export const exp2GroupCommitCurve: Scenario = {
  id: "experiments.exp2-group-commit-curve",
  title: "Exp 2: group-commit throughput curve, commits/s and writes per CAS at 1..64 writers",
  criteria: ["EXP-2"],
  lane: "sim",
  defaultSeeds: 5,
  async run(ctx) {
    const { world } = ctx;
    const metrics: Metrics = {};
    const points = await runInSupervisor(world, async () => {
      const rig = await bootRig(ctx, "exp2");
      const measured = [];
      for (const writers of CURVE_WRITERS)
        measured.push(
          await measureClosedLoop(ctx, rig, {
            writers,
            shape: "independent",
            writeBytes: CURVE_WRITE_BYTES,
          }),
        );
      endRig(rig);
      return measured;
    });
    const casCapPerS = DEFAULT_BLOB_STORE_OPTIONS.mutationsPerObjectPerS;
    for (const [index, point] of points.entries()) {
      const tag = `w${point.writers}`;
      metrics[`${tag}.commitsPerS`] = point.commitsPerS;
      metrics[`${tag}.casPerS`] = point.casPerS;
      metrics[`${tag}.writesPerCas`] = point.writesPerCas;
      metrics[`${tag}.p99Ms`] = point.p99Ms;
      // The flat part: the manifest never mutates faster than the bucket allows for one object.
      if (point.casPerS > casCapPerS)
        world.violate(
          "group-commit-curve",
          `${tag}: ${point.casPerS} manifest CAS/s, over the ${casCapPerS}/s cap`,
        );
      // The rising part: each CAS carries (nearly) every waiting writer's write.
      if (point.writesPerCas < 0.8 * point.writers)
        world.violate(
          "group-commit-curve",
          `${tag}: ${point.writesPerCas} writes per CAS with ${point.writers} writers waiting`,
        );
      const previous = points[index - 1];
      if (previous && point.commitsPerS <= previous.commitsPerS)
        world.violate(
          "group-commit-curve",
          `${tag}: ${point.commitsPerS} commits/s, not above ${previous.commitsPerS} with ${previous.writers} writers`,
        );
    }
    return { metrics };
  },
};
