/**
 * Experiment 1, the latency floor (EXP-1, R-01): for every workload profile, single strict
 * commits of the profile's write size, one at a time, each more than a pacing interval after
 * the previous ack. Records p50/p99/p999 in simulated ms per profile. The rig checks that every
 * ack followed the manifest CAS that made the write durable, so the figures are real commit
 * latencies (an engine acking early would report a floor near zero).
 */
import type { Metrics, Scenario } from "../scenario.ts";
import { loadProfiles } from "./profiles.ts";
import { bootRig, endRig, measureSingleCommits, runInSupervisor } from "./rig.ts";

/**
 * Commits per profile and seed. Percentiles are nearest-rank, so below 100 samples p99 and p999
 * are both the seed's slowest commit (a conservative figure); the report's max over seeds is the
 * slowest of seeds x 40. More samples cost wall time in every determinism check.
 */
export const EXP1_SAMPLES = 30;

export const exp1LatencyFloor: Scenario = {
  id: "experiments.exp1-latency-floor",
  title: "Exp 1: single strict commit latency p50/p99/p999 per workload profile",
  criteria: ["EXP-1"],
  lane: "sim",
  defaultSeeds: 5,
  async run(ctx) {
    const profiles = loadProfiles();
    const metrics: Metrics = {};
    await runInSupervisor(ctx.world, async () => {
      const rig = await bootRig(ctx, "exp1");
      for (const profile of profiles) {
        const figures = await measureSingleCommits(ctx, rig, profile.writeBytes, EXP1_SAMPLES);
        if (!(figures.p50Ms > 0 && figures.p50Ms <= figures.p99Ms && figures.p99Ms <= figures.p999Ms))
          ctx.world.violate(
            "latency-figures",
            `${profile.id}: inconsistent percentiles ${JSON.stringify(figures)}`,
          );
        metrics[`${profile.id}.p50Ms`] = figures.p50Ms;
        metrics[`${profile.id}.p99Ms`] = figures.p99Ms;
        metrics[`${profile.id}.p999Ms`] = figures.p999Ms;
      }
      endRig(rig);
    });
    return { metrics };
  },
};
