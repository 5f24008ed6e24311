/**
 * Writers die and are replaced while clients write; after every life a fresh process restores
 * the database from the store and the history checks it. Two scenarios share the runner:
 *
 * - wal.crash-restart (DUR-1..DUR-3): per-seed swarm of store faults (429, 503, timeouts,
 *   ambiguous writes), random kills at commit points and at the store boundary, WAL file sizes,
 *   compaction thresholds, dangling WAL headers at end of life;
 * - wal.e2b-kill-points (E2B-1): each seed pins a kill at one commit fault point (seed mod 5,
 *   on a seeded visit), so 100 seeds kill at every point 20 times; the scenario demands that its
 *   pinned kill fired. Every reopen must be a clean pre- or post-commit state.
 *
 * After the lives: a clean shutdown must restore byte-identically, and a read-only life must
 * upload nothing. Progress beside safety (invariants/progress.ts): the writes of every life that
 * lived to a clean terminate (the flush answered) were acked within the bound, but for a share
 * the seed's store fault rate allows.
 */
import {
  type BlobStoreOptions,
  drawBlobStoreOptions,
  resolveBlobStoreOptions,
} from "../../sim/blobstore/options.ts";
import { SimBlobStore } from "../../sim/blob-store.ts";
import { ackBoundMs, checkProgress } from "../../invariants/progress.ts";
import { drawKillPlanOptions, KillPlan, type KillRule, killAtPoint } from "../../sim/kill-plan.ts";
import { COMMIT_KILL_POINTS } from "../../engine/wal/fault-points.ts";
import type { Scenario, ScenarioContext, ScenarioResult } from "../scenario.ts";
import { closingChecks, createLifeContext, runLife, verifyReopen } from "./lives.ts";
import { DEFAULT_WAL_CONFIG, type WalConfig } from "./writer-node.ts";
import { DEFAULT_WORKLOAD, Workload } from "./workload.ts";

export interface CrashOptions {
  pinned: boolean;
  storeFaults: boolean;
  lives: number;
  livesMax: number;
  writesPerLife: number;
  /** Explicit choices instead of the swarm's (the fast-check property draws these itself). */
  overrides?: {
    killRules?: readonly KillRule[];
    store?: Partial<BlobStoreOptions>;
    config?: Partial<WalConfig>;
  };
}

export async function runCrashRestart(ctx: ScenarioContext, options: CrashOptions): Promise<ScenarioResult> {
  const { world, seed, seams } = ctx;
  const drawn = world.draw("wal", (rng) => ({
    segmentBytes: rng.pick([16 * 1024, 64 * 1024, 256 * 1024]),
    compactAtBytes: rng.pick([48 * 1024, 256 * 1024, 16 * 1024 * 1024]),
    danglingHeaderProbability: rng.pick([0, 0.3, 0.8]),
    commitIntervalMs: rng.pick([200, 1_000]),
    clientCount: rng.pick([1, 3, 6]),
    writeIntervalMeanMs: rng.pick([50, 200, 600]),
  }));
  const config: WalConfig = {
    ...DEFAULT_WAL_CONFIG,
    segmentBytes: drawn.segmentBytes,
    compactAtBytes: drawn.compactAtBytes,
    danglingHeaderProbability: drawn.danglingHeaderProbability,
    commitIntervalMs: drawn.commitIntervalMs,
    ...options.overrides?.config,
  };
  const storeOptions = options.overrides?.store
    ? resolveBlobStoreOptions({ name: "blobstore", ...options.overrides.store })
    : options.storeFaults
      ? drawBlobStoreOptions(world)
      : resolveBlobStoreOptions({ name: "blobstore" });
  const store = new SimBlobStore(world, storeOptions);
  const pinnedPoint = COMMIT_KILL_POINTS[seed % COMMIT_KILL_POINTS.length]!;
  const pinnedVisit = 1 + world.rng.fork("wal:pin").int(0, 3);
  const rules = options.pinned ? [killAtPoint(pinnedPoint, pinnedVisit, "writer.*")] : [];
  const killOptions = options.overrides?.killRules
    ? {
        rules: options.overrides.killRules,
        randomPointKillProbability: 0,
        randomStoreKillProbability: 0,
        randomKillsMax: 0,
      }
    : options.pinned
      ? { rules, randomPointKillProbability: 0, randomStoreKillProbability: 0, randomKillsMax: 0 }
      : drawKillPlanOptions(world, rules);
  const killPlan = new KillPlan(world, { ...killOptions, randomKillProcess: "writer.*" }).watch(store);
  const workload = new Workload(DEFAULT_WORKLOAD);
  const context = createLifeContext(
    { world, store, config, seams },
    {
      workload,
      faultsFor: (process) => killPlan.faultsFor(process),
      clientCount: drawn.clientCount,
      writeIntervalMeanMs: drawn.writeIntervalMeanMs,
    },
  );
  const pinnedFired = () =>
    killPlan.kills.some((kill) => kill.cause === "rule" && kill.point === pinnedPoint);
  let peakBufferedBytes = 0;
  let lives = 0;
  const cleanLives = new Set<number>();
  let progressJudged = 0;
  void context.supervisor.start(async (supervisor) => {
    for (let life = 0; life < options.livesMax; life++) {
      if (life >= options.lives && (!options.pinned || pinnedFired())) break;
      const result = await runLife(context, `writer.${life}`, life, options.writesPerLife);
      lives++;
      if (result.node && result.node.process.alive) {
        // Ended by the supervisor: half the time a hard kill, else a clean terminate.
        if (supervisor.rng.chance(0.5)) result.node.process.kill("supervisor");
        else {
          const process = result.node.process;
          const flushed = await result.node.durable.terminate().then(
            () => true,
            () => false,
          );
          if (flushed && process.alive) cleanLives.add(life);
          process.kill("terminated");
        }
      }
      const view = await verifyReopen(context, `verify.${life}`);
      if (view) peakBufferedBytes = Math.max(peakBufferedBytes, view.peakBufferedBytes);
      if (world.violations.length > 0) return;
    }
    if (options.pinned && !pinnedFired())
      world.violate("kill-point-unreached", `pinned kill at ${pinnedPoint} visit ${pinnedVisit} never fired`);
    if (world.violations.length > 0) return;
    const judged = workload.writes.filter((write) => cleanLives.has(write.life) && write.issue >= 0);
    progressJudged = judged.length;
    const progress = checkProgress(judged, {
      // A timed-out request is retried: allow a few of its deadlines on top of the commit bound.
      ackBoundMs:
        ackBoundMs(config.commitIntervalMs) +
        (storeOptions.timeoutProbability > 0 ? 3 * storeOptions.requestTimeoutMs : 0),
      faultRate:
        storeOptions.transientErrorProbability +
        storeOptions.timeoutProbability +
        storeOptions.ambiguousBeforeApplyProbability +
        storeOptions.ambiguousAfterApplyProbability,
      // One failed commit fails every write it carried (up to a commit interval of six clients).
      faultAllowance: 20,
    });
    for (const problem of progress.slice(0, 2)) world.violate(problem.invariant, problem.message);
    if (world.violations.length === 0) await closingChecks(context, lives);
  });
  await world.run();
  return {
    metrics: {
      lives,
      ...workload.counts(),
      peakBufferedBytes,
      progressJudged,
      ...killPlan.coverageMetrics(COMMIT_KILL_POINTS),
      ...(options.pinned ? { [`pinned.${pinnedPoint}`]: pinnedFired() ? 1 : 0 } : {}),
    },
  };
}

export const walCrashRestart: Scenario = {
  id: "wal.crash-restart",
  title:
    "Writers killed at commit points and store boundaries under store faults: acked writes survive every restore",
  criteria: ["DUR-1", "DUR-2", "DUR-3", "DUR-4", "E2C-1"],
  lane: "sim",
  defaultSeeds: 90,
  killPoints: COMMIT_KILL_POINTS,
  run: (ctx) =>
    runCrashRestart(ctx, { pinned: false, storeFaults: true, lives: 4, livesMax: 4, writesPerLife: 25 }),
};

export const walE2bKillPoints: Scenario = {
  id: "wal.e2b-kill-points",
  title:
    "E2b: a kill pinned at each commit fault point (seed mod 5): every reopen is a clean pre- or post-commit state",
  criteria: ["E2B-1", "DUR-2", "DUR-3"],
  lane: "sim",
  defaultSeeds: 100,
  killPoints: COMMIT_KILL_POINTS,
  run: (ctx) =>
    runCrashRestart(ctx, { pinned: true, storeFaults: false, lives: 2, livesMax: 8, writesPerLife: 20 }),
};
