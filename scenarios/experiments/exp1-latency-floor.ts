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
 * Commits per seed. A p999 means something only from a thousand samples on (nearest rank: the
 * 999th of 1000, not the slowest). Each seed measures one profile, seed mod the profile count,
 * so the default seeds cover every profile once. Every commit re-uploads the whole manifest and
 * its segment list grows until compaction, so the late commits of a run pay for a bigger CAS.
 */
export const EXP1_SAMPLES = 1_000;

const profiles = loadProfiles();

export const exp1LatencyFloor: Scenario = {
  id: "experiments.exp1-latency-floor",
  title: "Exp 1: single strict commit latency p50/p99/p999 per workload profile (one profile per seed)",
  criteria: ["EXP-1"],
  lane: "sim",
  defaultSeeds: profiles.length,
  async run(ctx) {
    const profile = profiles[ctx.seed % profiles.length]!;
    const metrics: Metrics = {};
    await runInSupervisor(ctx.world, async () => {
      const rig = await bootRig(ctx, "exp1");
      const figures = await measureSingleCommits(ctx, rig, profile.writeBytes, EXP1_SAMPLES);
      if (!(figures.p50Ms > 0 && figures.p50Ms <= figures.p99Ms && figures.p99Ms <= figures.p999Ms))
        ctx.world.violate(
          "latency-figures",
          `${profile.id}: inconsistent percentiles ${JSON.stringify(figures)}`,
        );
      metrics[`${profile.id}.p50Ms`] = figures.p50Ms;
      metrics[`${profile.id}.p99Ms`] = figures.p99Ms;
      metrics[`${profile.id}.p999Ms`] = figures.p999Ms;
      metrics.samples = figures.samples;
      endRig(rig);
    });
    return { metrics };
  },
};
