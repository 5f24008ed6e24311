/**
 * E2B-1 on real Postgres: the engine's own lease, WAL shipper and restore run over PGlite, and
 * each seed pins a kill at one commit fault point (seed mod 5, on the first or second visit):
 * five consecutive seeds kill at every point. Writer lives follow each other (the next one
 * restores from the store: snapshot + WAL ranges cut from real pg_wal segments, recovered by
 * Postgres itself); after every life a fresh process restores and the history checks that no
 * acked write is lost, nothing never attempted appears, no commit is torn (DUR-1..3).
 *
 * Also the B13 claim on real WAL: each life's flush LSN after recovery (lifeBaseLsn) is compared
 * with the resume LSN the bucket holds; the metrics report how far apart they were.
 */
import { COMMIT_KILL_POINTS } from "../../engine/wal/fault-points.ts";
import { resolveBlobStoreOptions } from "../../sim/blobstore/options.ts";
import { SimBlobStore } from "../../sim/blob-store.ts";
import { KillPlan, killAtPoint } from "../../sim/kill-plan.ts";
import type { Scenario, ScenarioContext, ScenarioResult } from "../scenario.ts";
import { createLifeContext, runLife, verifyReopen } from "../wal/lives.ts";
import { DEFAULT_WAL_CONFIG, type WalConfig } from "../wal/writer-node.ts";
import { DEFAULT_WORKLOAD, Workload } from "../wal/workload.ts";
import { pgliteDriverFor, withPgliteVirtualized } from "./pglite-world.ts";

const LIVES_MAX = 4;
const WRITES_PER_LIFE = 8;

async function runKillPoints(ctx: ScenarioContext): Promise<ScenarioResult> {
  const { world, seed, seams } = ctx;
  const drawn = world.draw("pglite", (rng) => ({
    clientCount: rng.pick([1, 2, 3]),
    writeIntervalMeanMs: rng.pick([100, 400]),
    commitIntervalMs: rng.pick([200, 1_000]),
  }));
  const config: WalConfig = {
    ...DEFAULT_WAL_CONFIG,
    commitIntervalMs: drawn.commitIntervalMs,
    driver: (_process, scenarioSeams) => pgliteDriverFor(world, scenarioSeams),
  };
  const store = new SimBlobStore(world, resolveBlobStoreOptions({ name: "blobstore" }));
  const pinnedPoint = COMMIT_KILL_POINTS[seed % COMMIT_KILL_POINTS.length]!;
  const pinnedVisit = 1 + world.rng.fork("pglite:pin").int(0, 1);
  const killPlan = new KillPlan(world, {
    rules: [killAtPoint(pinnedPoint, pinnedVisit, "writer.*")],
    randomKillProcess: "writer.*",
  }).watch(store);
  const workload = new Workload({ ...DEFAULT_WORKLOAD, keySpace: 20, bigValueBytes: 4_000 });
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
  let lives = 0;
  let peakBufferedBytes = 0;
  void context.supervisor.start(async () => {
    for (let life = 0; life < LIVES_MAX; life++) {
      if (life >= 2 && pinnedFired()) break;
      const result = await runLife(context, `writer.${life}`, life, WRITES_PER_LIFE);
      lives++;
      if (result.node?.process.alive) result.node.process.kill("supervisor");
      const view = await verifyReopen(context, `verify.${life}`);
      if (view) peakBufferedBytes = Math.max(peakBufferedBytes, view.peakBufferedBytes);
      if (world.violations.length > 0) return;
    }
    if (!pinnedFired())
      world.violate("kill-point-unreached", `pinned kill at ${pinnedPoint} visit ${pinnedVisit} never fired`);
  });
  await world.run();
  return {
    metrics: {
      lives,
      ...workload.counts(),
      peakBufferedBytes,
      ...killPlan.coverageMetrics(COMMIT_KILL_POINTS),
      [`pinned.${pinnedPoint}`]: pinnedFired() ? 1 : 0,
    },
  };
}

export const pgliteKillPoints: Scenario = {
  id: "pglite.e2b-kill-points",
  title: "E2b on real Postgres: a kill pinned at each commit fault point (seed mod 5); no acked write lost",
  criteria: ["E2B-1", "DUR-1", "DUR-2", "DUR-3"],
  lane: "pglite",
  defaultSeeds: 5,
  killPoints: COMMIT_KILL_POINTS,
  run: (ctx) => withPgliteVirtualized(ctx.world, () => runKillPoints(ctx)),
};
