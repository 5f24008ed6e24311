/**
 * E6-A: an archiver killed at each backup fault point (seed mod 4: before an object, after an
 * object — the B14 window —, before and after the index CAS), on a seeded visit. Then: the
 * primary is intact (a fresh restore matches the history), the partial backup is ignorable
 * (every INDEXED backup still restores exactly), and the next backup of the same commit point
 * succeeds and is restorable (orphan-blocks-backup otherwise). A second round does it again at
 * another point after more writes, with backups of two commit points side by side.
 */
import { BACKUP_KILL_POINTS } from "../../engine/backup/fault-points.ts";
import { killAtPoint } from "../../sim/kill-plan.ts";
import type { Scenario, ScenarioContext, ScenarioResult } from "../scenario.ts";
import { type LifeContext, verifyReopen } from "../wal/lives.ts";
import { judgeBackupAfterKill } from "../../invariants/backup.ts";
import { BackupWorld } from "./backup-world.ts";

async function run(ctx: ScenarioContext): Promise<ScenarioResult> {
  const { world, seed } = ctx;
  const pin = world.rng.fork("backup:pin");
  const points = [BACKUP_KILL_POINTS[seed % BACKUP_KILL_POINTS.length]!, pin.pick(BACKUP_KILL_POINTS)];
  const objectPoint = (point: string) => point.endsWith("-object");
  const visits = points.map((point) => (objectPoint(point) ? 1 + pin.int(0, 1) : 1));
  const bw = new BackupWorld(ctx, {
    coldFaults: true,
    killRules: points.map((point, round) => killAtPoint(point, visits[round]!, `archiver.${round}.killed`)),
  });
  const lifeContext: LifeContext = {
    world,
    store: bw.primary,
    config: bw.config,
    seams: bw.seams,
    workload: bw.workload,
    supervisor: bw.supervisor,
    clients: bw.clients,
    faultsFor: () => bw.killPlan.faultsFor(bw.supervisor),
    clientCount: 1,
    writeIntervalMeanMs: 100,
  };
  let killed = 0;
  let adoptedOrphans = 0;
  bw.start(async () => {
    for (let round = 0; round < 2 && world.violations.length === 0; round++) {
      await bw.writeLife(8 + pin.int(0, 8));
      const first = await bw.backup(`archiver.${round}.killed`);
      if (first === null) killed++;
      await verifyReopen(lifeContext, `verify.primary.${round}`);
      await bw.checkBackups(`after-kill.${round}`);
      const retry = await bw
        .backup(`archiver.${round}.retry`)
        .catch((error: unknown) => (error instanceof Error ? error : new Error(String(error))));
      const what = `round ${round}, after a kill at ${points[round]}`;
      for (const problem of judgeBackupAfterKill(what, retry))
        world.violate(problem.invariant, problem.message);
      if (retry instanceof Error) return;
      if (retry?.kind === "created") adoptedOrphans += retry.adoptedOrphans;
      await bw.checkBackups(`after-retry.${round}`);
    }
  });
  await world.run();
  return {
    metrics: {
      killed,
      adoptedOrphans,
      ...bw.killPlan.coverageMetrics(BACKUP_KILL_POINTS),
      ...bw.workload.counts(),
    },
  };
}

export const backupKillMidBackup: Scenario = {
  id: "backup.kill-mid-backup",
  title:
    "E6-A: archiver killed at each backup fault point: primary intact, partial backup ignorable, retry restorable",
  criteria: ["E6-A"],
  lane: "sim",
  defaultSeeds: 100,
  killPoints: BACKUP_KILL_POINTS,
  run,
};
