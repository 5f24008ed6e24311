/**
 * E6-B and E6-F: the primary's CURRENT snapshot is deleted, so the primary cannot restore (a
 * typed RestoreObjectMissingError); the newest cold backup restores byte-identically to the
 * writer's state at its backup point. The first restorer is killed mid-restore (on a seeded
 * GET of a backup object, or not at all on one seed in four); the retry in a fresh process
 * must come out clean and byte-identical. Both restorers run on one restore host whose data
 * volume outlives the killed one (backup-world.ts), so the retry meets the half-restored
 * directory the crash left: a retry that reuses it instead of starting clean is caught (BK03).
 */
import { RestoreObjectMissingError } from "../../engine/restore/restore.ts";
import { firstDifference } from "../../invariants/durability.ts";
import { killAtStore } from "../../sim/kill-plan.ts";
import type { Scenario, ScenarioContext, ScenarioResult } from "../scenario.ts";
import { restoreView } from "../wal/writer-node.ts";
import { BACKUP_PREFIX, BackupWorld, describe, indexed } from "./backup-world.ts";

async function run(ctx: ScenarioContext): Promise<ScenarioResult> {
  const { world } = ctx;
  const pin = world.rng.fork("backup:pin");
  const killVisit = pin.chance(0.75) ? 1 + pin.int(0, 3) : 0;
  const bw = new BackupWorld(ctx, {
    coldFaults: true,
    killRules:
      killVisit > 0 ? [killAtStore("after", "get", `${BACKUP_PREFIX}/*`, killVisit, "restorer.0")] : [],
  });
  let restorerKilled = 0;
  bw.start(async () => {
    let last = { rows: [] as Awaited<ReturnType<BackupWorld["quiesce"]>>["rows"], commitSeq: 0 };
    for (let round = 0; round < 2; round++) {
      last = await bw.writeLife(6 + pin.int(0, 10));
      if (round === 1) await bw.sendWrites(pin.int(1, 6)).then(() => bw.quiesce().then((q) => (last = q)));
      const outcome = await bw.backup(`archiver.${round}`);
      if (!indexed(outcome))
        world.violate("backup-succeeds", `archiver.${round}: ${JSON.stringify(outcome)}`);
    }
    bw.writer?.process.kill("disaster");
    const snapshot = bw.writer?.durable.shipper.currentManifest.snapshot;
    if (!snapshot) throw new Error("no snapshot to delete");
    await bw.wipePrimary("vandal", (key) => key === snapshot.key);
    const probe = world.spawn("probe.primary");
    const primaryRestore = await restoreView(probe, bw.primary.client(probe), bw.config, bw.seams).then(
      () => "restored",
      (error: unknown) => (error instanceof RestoreObjectMissingError ? "missing" : describe(error)),
    );
    probe.kill("done");
    if (primaryRestore !== "missing")
      world.violate(
        "primary-damage-detected",
        `restoring the primary without its snapshot gave: ${primaryRestore}`,
      );
    const first = await bw.restoreNewest("restorer.0");
    if (first === null) restorerKilled++;
    const retry = first ?? (await bw.restoreNewest("restorer.1"));
    if (retry === null) return; // a failure is already a violation
    const difference = firstDifference(last.rows, retry.rows);
    if (difference)
      world.violate(
        "backup-state-at-point",
        `restore from cold (${retry.id}) differs from the writer: ${difference}`,
      );
    await bw.checkBackups("final");
  });
  await world.run();
  return { metrics: { restorerKilled, killVisit, ...bw.workload.counts() } };
}

export const backupRestoreFromCold: Scenario = {
  id: "backup.restore-from-cold",
  title:
    "E6-B/E6-F: primary snapshot deleted, restore from the cold backup (killed once mid-restore) is byte-identical",
  criteria: ["E6-B", "E6-F"],
  lane: "sim",
  defaultSeeds: 100,
  run,
};
