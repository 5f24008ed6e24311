/**
 * The decision boundary applied (PLC-1, EXP-3, R-03): every workload profile is measured (Exp 1
 * at its write size, Exp 2 with its writers per database, Exp 3 when some of its writes hit
 * shared rows) and placed by the placement rule from the seams (placement.ts unless a forensic
 * variant replaced it).
 *
 * Invariants, checked against the measured figures, not against what the rule says about them:
 * - red-quadrant-routing: a profile whose contended writes Exp 3 puts in the red quadrant is
 *   routed to coupled Postgres;
 * - placement-evidence: no profile is placed without Exp 1 and Exp 2 figures, nor without Exp 3
 *   when contention is plausible.
 */
import type { Metrics, Scenario } from "../scenario.ts";
import { inRedQuadrant, type Placement, type PlacementFigures, placeProfile } from "./placement.ts";
import { contentionPlausible, loadProfiles, perDatabase, type WorkloadProfile } from "./profiles.ts";
import {
  bootRig,
  endRig,
  measureClosedLoop,
  measureSingleCommits,
  type Rig,
  type RigContext,
  runInSupervisor,
} from "./rig.ts";

/** Exp 1 commits per profile here: p99 is then the nearest rank of 15 (the slowest), a conservative figure. */
export const PLACEMENT_EXP1_SAMPLES = 15;

/**
 * One database of the profile's shape, measured by Exp 1, 2 and (if needed) 3 on the rig's
 * writer. The profiles share one writer, one after another: every run uses rows of its own, and
 * booting a writer per profile would cost more wall time than measuring it.
 */
async function measureProfile(
  context: RigContext,
  rig: Rig,
  profile: WorkloadProfile,
): Promise<{ figures: PlacementFigures; underLoadP99Ms: number }> {
  const lane = perDatabase(profile);
  const exp1 = await measureSingleCommits(context, rig, profile.writeBytes, PLACEMENT_EXP1_SAMPLES);
  const loop = (writers: number, shape: "independent" | "contended") =>
    measureClosedLoop(context, rig, {
      writers,
      shape,
      writeBytes: profile.writeBytes,
    });
  const atWriters = await loop(lane.writers, "independent");
  const sequential = lane.writers === 1 ? atWriters : await loop(1, "independent");
  const exp3 = contentionPlausible(profile) ? await loop(lane.writers, "contended") : null;
  const figures: PlacementFigures = {
    exp1: { p50Ms: exp1.p50Ms, p99Ms: exp1.p99Ms, p999Ms: exp1.p999Ms },
    exp2: {
      writers: atWriters.writers,
      commitsPerS: atWriters.commitsPerS,
      sequentialCommitsPerS: sequential.commitsPerS,
    },
    exp3: exp3 && { writers: exp3.writers, contendedCommitsPerS: exp3.commitsPerS },
  };
  // Not read by the rule (Exp 1 is its latency figure), but what a busy database's writes see:
  // each waits for the next paced CAS.
  return { figures, underLoadP99Ms: atWriters.p99Ms };
}

export const experimentsPlacement: Scenario = {
  id: "experiments.placement",
  title: "Decision boundary: every profile measured (Exp 1-3) and placed; red goes to coupled Postgres",
  criteria: ["PLC-1", "EXP-3"],
  lane: "sim",
  defaultSeeds: 5,
  async run(ctx) {
    const { world } = ctx;
    const place = ctx.seams.placement?.place ?? placeProfile;
    const profiles = loadProfiles();
    const measured = await runInSupervisor(world, async () => {
      const all: Array<{ profile: WorkloadProfile; figures: PlacementFigures; underLoadP99Ms: number }> = [];
      const rig = await bootRig(ctx, "placement");
      for (const profile of profiles) all.push({ profile, ...(await measureProfile(ctx, rig, profile)) });
      endRig(rig);
      return all;
    });
    const metrics: Metrics = {};
    const placed: Array<{
      profile: WorkloadProfile;
      figures: PlacementFigures;
      placement: Placement | null;
    }> = [];
    for (const { profile, figures, underLoadP99Ms } of measured) {
      let placement: Placement | null = null;
      try {
        placement = place(profile, figures);
      } catch (error) {
        world.violate(
          "placement-evidence",
          `${profile.id}: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
      placed.push({ profile, figures, placement });
      world.log("placement", "placed", {
        profile: profile.id,
        quadrant: placement?.quadrant ?? null,
        backend: placement?.backend ?? null,
        reason: placement?.reason ?? null,
      });
      metrics[`${profile.id}.p50Ms`] = figures.exp1?.p50Ms ?? Number.NaN;
      metrics[`${profile.id}.p99Ms`] = figures.exp1?.p99Ms ?? Number.NaN;
      metrics[`${profile.id}.p999Ms`] = figures.exp1?.p999Ms ?? Number.NaN;
      metrics[`${profile.id}.commitsPerS`] = figures.exp2?.commitsPerS ?? Number.NaN;
      metrics[`${profile.id}.underLoadP99Ms`] = underLoadP99Ms;
      if (figures.exp3) metrics[`${profile.id}.contendedPerS`] = figures.exp3.contendedCommitsPerS;
      metrics[`${profile.id}.quadrant`] = placement?.quadrant ?? "unplaced";
      metrics[`${profile.id}.backend`] = placement?.backend ?? "unplaced";
    }
    // Routing first: it is the harm; missing evidence is how it usually comes about.
    for (const { profile, figures, placement } of placed)
      if (placement && inRedQuadrant(profile, figures) && placement.backend !== "coupled-postgres")
        world.violate(
          "red-quadrant-routing",
          `${profile.id} is in the red quadrant (Exp 3: ${figures.exp3?.contendedCommitsPerS}/s on one row, ${profile.sameRowShare * 100}% of ${profile.writesPerS} writes/s same-row${profile.latencyCritical ? ", latency-critical" : ""}) but was placed ${placement.quadrant} on ${placement.backend}`,
        );
    for (const { profile, placement } of placed) {
      if (!placement) continue;
      const needed = contentionPlausible(profile) ? ["exp1", "exp2", "exp3"] : ["exp1", "exp2"];
      const missing = needed.filter((experiment) => !placement.evidence.includes(experiment as never));
      if (missing.length > 0)
        world.violate(
          "placement-evidence",
          `${profile.id} placed ${placement.quadrant} without ${missing.join(", ")}`,
        );
    }
    metrics.redProfiles = placed.filter((p) => p.placement?.quadrant === "red").length;
    return { metrics };
  },
};
