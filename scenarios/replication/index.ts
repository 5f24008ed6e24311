/**
 * Replication engine scenarios: the cluster of ./cluster.ts with different fault emphases.
 * Every one of them runs under network faults (delay, loss, duplication, reordering,
 * partitions) and control-plane epoch bumps that land mid-execution, and every one checks all
 * the replication invariants; the criteria list says what each gives evidence for.
 */
import { DETECTION_SEEDS, type Scenario } from "../scenario.ts";
import { REPLICATION_FAULT_POINTS } from "../../engine/replication/fault-points.ts";
import { baseKnobs, type KnobDraw, REPLICA_AFTER_APPLY, REPLICA_AFTER_BASE, runCluster } from "./cluster.ts";

function clusterScenario(
  id: string,
  title: string,
  criteria: string[],
  knobs: KnobDraw,
  extra: Partial<Scenario> = {},
): Scenario {
  return {
    id,
    title,
    criteria,
    lane: "sim",
    defaultSeeds: 200,
    ...extra,
    async run(ctx) {
      return { metrics: await runCluster(ctx, knobs) };
    },
  };
}

export const replicationScenarios: readonly Scenario[] = [
  clusterScenario(
    "replication.catch-up",
    "Short-gap catch-up proven from retained WAL (with holes), frozen targets, epoch bumps mid-step",
    ["A3", "A4", "A6", "REP-2", "REP-4", "REP-5"],
    (rng) => ({
      ...baseKnobs(rng),
      holeRate: rng.pick([0.02, 0.08]),
      retainEntries: rng.pick([15, 40, 120]),
      epochBumpMeanMs: rng.pick([60, 200]),
      boundaryReplicaRate: 0.4,
    }),
  ),
  clusterScenario(
    "replication.rebuild",
    "Rebuild from snapshot+tail or full base as history moves: untrusted checkpoints, recycled tails, short transfers",
    ["A5", "A7", "REP-1", "REP-2", "REP-3"],
    (rng) => ({
      ...baseKnobs(rng),
      retainEntries: rng.pick([3, 8, 20]),
      tailAdvanceMeanMs: rng.pick([5, 20]),
      checkpointMeanMs: rng.pick([5, 15, 60]),
      untrustedCheckpointRate: rng.pick([0.2, 0.5]),
      holeRate: rng.pick([0, 0.03]),
      writeMeanIntervalMs: rng.pick([1, 3]),
      baseChunkEntries: rng.pick([1, 2, 4]),
      retriesMax: rng.pick([0, 1, 2]),
    }),
  ),
  clusterScenario(
    "replication.promotion",
    "Promotion discards uncommitted WAL; replicas ahead of committed are truncated before completing",
    ["A1", "A2", "A3", "A8"],
    (rng) => ({
      ...baseKnobs(rng),
      replicaAheadRate: 0.7,
      promotionMeanMs: rng.pick([100, 300]),
      epochBumpMeanMs: rng.pick([0, 150]),
    }),
  ),
  clusterScenario(
    "replication.address-change",
    "Address changes keep the sender, invalidate its session and recover at the new address; re-assignments supersede",
    ["A3", "A10", "REP-5"],
    (rng) => ({
      ...baseKnobs(rng),
      addressChangeMeanMs: rng.pick([30, 80, 200]),
      reassignMeanMs: rng.pick([40, 120]),
    }),
  ),
  clusterScenario(
    "replication.budgets",
    "Catch-up budgets (entries, duration, stall) escalate to rebuild; a stalled replica is caught by the deadline",
    ["A5", "REP-4", "REP-2"],
    (rng) => ({
      ...baseKnobs(rng),
      initialEntries: rng.int(60, 200),
      retainEntries: rng.pick([80, 200]),
      budgetMaxEntries: rng.pick([0, 10, 30]),
      budgetProgressDeadlineMs: rng.pick([40, 100]),
      budgetMaxDurationMs: rng.pick([0, 60, 300]),
      stallMeanMs: rng.pick([60, 150]),
      stallDurationMs: rng.pick([50, 150, 300]),
    }),
  ),
  clusterScenario(
    "replication.pin-faults",
    "Pin failures (WAL, snapshot, full base) release what was taken and leave no live session",
    ["REP-2", "REP-5", "A5"],
    (rng) => ({
      ...baseKnobs(rng),
      pinFailureRate: rng.pick([0.1, 0.3, 0.6]),
      retainEntries: rng.pick([5, 20, 60]),
      untrustedCheckpointRate: rng.pick([0, 0.3]),
    }),
  ),
  clusterScenario(
    "replication.crash",
    "Replicas and the primary's engine die at named kill points mid catch-up and rebuild and restart; old-epoch packets are replayed at replicas",
    ["A3", "A5", "REP-2", "REP-5"],
    (rng) => ({
      ...baseKnobs(rng),
      epochBumpMeanMs: rng.pick([60, 150]),
      oldEpochReplayMeanMs: rng.pick([15, 50]),
      retainEntries: rng.pick([8, 30]),
      killRate: rng.pick([0.01, 0.04]),
      killsMax: rng.pick([2, 4]),
      restartDelayMs: rng.pick([5, 40]),
    }),
    {
      // Detection power sets the count: R02 fails 54 %, R03 100 %, R04 58 % of seeds, so 50
      // seeds find each with certainty for a quarter of the other scenarios' cost.
      defaultSeeds: DETECTION_SEEDS,
      killPoints: [
        ...REPLICATION_FAULT_POINTS.map((point) => point.name),
        REPLICA_AFTER_APPLY,
        REPLICA_AFTER_BASE,
      ],
    },
  ),
  clusterScenario(
    "replication.hostile",
    "A hostile driver calls complete / truncate / progress at random on live sessions; a link over-reports flushed positions",
    ["A3", "A5", "A8", "REP-4"],
    (rng) => ({
      ...baseKnobs(rng),
      hostileMeanMs: rng.pick([3, 10]),
      overReportRate: rng.pick([0.05, 0.2]),
      replicaAheadRate: 0.5,
    }),
    {
      // Detection power sets the count: R08 fails 90 %, R09 85 % of seeds, so 20 seeds find both.
      defaultSeeds: DETECTION_SEEDS,
    },
  ),
  clusterScenario(
    "replication.non-converging",
    "Replicas that ack catch-up batches without applying them: a catch-up that keeps failing escalates to rebuild",
    ["A5", "REP-4", "REP-2"],
    (rng) => ({
      ...baseKnobs(rng),
      stuckMeanMs: rng.pick([80, 200]),
      stuckDurationMs: rng.pick([150, 400]),
      executorStepsMax: rng.pick([8, 16]),
      writeMeanIntervalMs: rng.pick([2, 5]),
    }),
    // Detection power sets the count: R10 fails 40 % of seeds; 20 seeds miss it with p < 10⁻⁴.
    { defaultSeeds: DETECTION_SEEDS },
  ),
  clusterScenario(
    "replication.outpacing",
    "A writer that outpaces catch-up (bursts of committed writes mid catch-up): each session ends at its frozen target",
    ["A5", "REP-4"],
    (rng) => ({
      ...baseKnobs(rng),
      burstMeanMs: rng.pick([10, 30]),
      burstEntries: rng.pick([10, 40]),
      writeMeanIntervalMs: rng.pick([1, 2]),
      retainEntries: rng.pick([120, 400]),
    }),
    // Detection power sets the count: R11 fails 95 % of seeds, so 10 find it with certainty.
    { defaultSeeds: DETECTION_SEEDS },
  ),
  clusterScenario(
    "replication.bad-input",
    "Missing history, unknown replicas, out-of-range LSNs and stale session IDs get typed errors and change nothing",
    ["A3", "REP-5"],
    (rng) => ({
      ...baseKnobs(rng),
      historyUnavailableRate: rng.pick([0.1, 0.3]),
      badInputMeanMs: rng.pick([10, 40]),
    }),
  ),
];
