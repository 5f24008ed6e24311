/**
 * E6-D: aggressive retention (keepLast, maxAgeDays, GFS, or nothing but the newest; drawn per
 * seed) applied after every backup over days of simulated time, with the GC killed at a pinned
 * delete point (before or after one delete, seed mod 2, on a seeded visit) and archivers killed
 * at random backup points. After every round: every indexed backup restores exactly, the
 * restorable set is never empty, the newest backup ever indexed is still indexed. At the end a
 * clean run sweeps what crashed runs left: no object of a retired backup remains.
 */
import { BACKUP_GC_KILL_POINTS, BACKUP_KILL_POINTS } from "../../engine/backup/fault-points.ts";
import { backupIdOfKey, readBackupIndex } from "../../engine/backup/backup-index.ts";
import type { RetentionPolicy } from "../../engine/backup/retention.ts";
import { killAtPoint } from "../../sim/kill-plan.ts";
import type { Scenario, ScenarioContext, ScenarioResult } from "../scenario.ts";
import { BACKUP_PREFIX, BackupWorld } from "./backup-world.ts";

const HOUR_MS = 3_600_000;

const POLICIES: ReadonlyArray<{ name: string; policy: RetentionPolicy }> = [
  { name: "newest-only", policy: {} },
  { name: "keepLast1", policy: { keepLast: 1 } },
  { name: "keepLast2", policy: { keepLast: 2 } },
  { name: "maxAge1d", policy: { maxAgeDays: 1 } },
  { name: "gfs-d2", policy: { gfs: { daily: 2 } } },
  { name: "gfs-d1w1m1", policy: { gfs: { daily: 1, weekly: 1, monthly: 1 } } },
  { name: "keepLast1+maxAge1d", policy: { keepLast: 1, maxAgeDays: 1 } },
];

async function run(ctx: ScenarioContext): Promise<ScenarioResult> {
  const { world, seed } = ctx;
  const pin = world.rng.fork("backup:pin");
  const chosen = pin.pick(POLICIES);
  const gcPoint = BACKUP_GC_KILL_POINTS[seed % BACKUP_GC_KILL_POINTS.length]!;
  const gcVisit = 1 + pin.int(0, 4);
  const bw = new BackupWorld(ctx, {
    coldFaults: true,
    killRules: [killAtPoint(gcPoint, gcVisit, "gc.*")],
    randomKills: { probability: pin.pick([0, 0.03, 0.1]), max: 3, process: "archiver.*" },
  });
  // Up to 7 × 20 h: inside the run's 7-day simulated-time bound.
  const gapsMs = [3 * HOUR_MS, 9 * HOUR_MS, 20 * HOUR_MS];
  let newestSeqSeen = -1;
  let gcKilled = 0;
  let retiredTotal = 0;
  bw.start(async (supervisor) => {
    for (let round = 0; round < 7 && world.violations.length === 0; round++) {
      await bw.writeLife(2 + pin.int(0, 5));
      await supervisor.sleep(pin.pick(gapsMs));
      const outcome = await bw.backup(`archiver.${round}`);
      if (outcome?.kind === "created") newestSeqSeen = Math.max(newestSeqSeen, outcome.entry.commitSeq);
      const gc = await bw.retention(`gc.${round}`, chosen.policy);
      if (gc === null) gcKilled++;
      else retiredTotal += gc.retired.length;
      await bw.checkBackups(`round.${round}`);
      // The newest backup is never retired: the index's newest commit never goes back.
      const probe = world.spawn(`probe.${round}`);
      const current = await readBackupIndex(bw.cold.client(probe), BACKUP_PREFIX, { clock: probe.clock });
      probe.kill("done");
      const newestSeq = Math.max(-1, ...(current?.index.backups.map((entry) => entry.commitSeq) ?? []));
      if (newestSeq < newestSeqSeen)
        world.violate(
          "retention-kept-newest",
          `round ${round}: the index's newest backup is commit ${newestSeq}, commit ${newestSeqSeen} was indexed before`,
        );
      newestSeqSeen = Math.max(newestSeqSeen, newestSeq);
    }
    if (world.violations.length > 0) return;
    const sweep = await bw.retention("sweeper", chosen.policy);
    if (sweep === null) return; // a failure is already a violation
    await bw.checkBackups("final");
    const probe = world.spawn("probe.final");
    const current = await readBackupIndex(bw.cold.client(probe), BACKUP_PREFIX, { clock: probe.clock });
    probe.kill("done");
    const live = new Set(current?.index.backups.map((entry) => entry.id));
    const retired = new Set(current?.index.retired);
    for (const key of bw.cold.objects().keys()) {
      const id = backupIdOfKey(BACKUP_PREFIX, key);
      if (id !== null && retired.has(id) && !live.has(id))
        world.violate(
          "retired-garbage-swept",
          `${key} of retired backup ${id} survived a clean retention run`,
        );
    }
  });
  await world.run();
  return {
    metrics: {
      policy: chosen.name,
      gcKilled,
      retiredTotal,
      ...bw.killPlan.coverageMetrics([...BACKUP_KILL_POINTS, ...BACKUP_GC_KILL_POINTS]),
    },
  };
}

export const backupRetention: Scenario = {
  id: "backup.retention",
  title: "E6-D: aggressive retention with kills during GC and backups never loses the last restorable backup",
  criteria: ["E6-D"],
  lane: "sim",
  defaultSeeds: 100,
  killPoints: [...BACKUP_GC_KILL_POINTS, ...BACKUP_KILL_POINTS],
  run,
};
