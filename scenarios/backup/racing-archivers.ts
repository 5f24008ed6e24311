/**
 * E6-E: two archivers race the backup index, over a backup store with a per-seed fault mix
 * (429s, 503s, timeouts, ambiguous writes). Each round they back up the same commit point at
 * the same moment, or two commit points (a write lands between their starts). Both must end
 * indexed (created, or found by the other), the index must decode, lose no entry, and every
 * indexed backup must restore to the state at its point.
 */
import type { Scenario, ScenarioContext, ScenarioResult } from "../scenario.ts";
import { BackupWorld, describe, indexed } from "./backup-world.ts";

async function run(ctx: ScenarioContext): Promise<ScenarioResult> {
  const { world } = ctx;
  const pin = world.rng.fork("backup:pin");
  const bw = new BackupWorld(ctx, { coldFaults: true });
  let samePoint = 0;
  let created = 0;
  bw.start(async (supervisor) => {
    for (let round = 0; round < 3 && world.violations.length === 0; round++) {
      await bw.writeLife(3 + pin.int(0, 8));
      const shape = pin.pick(["same", "apart"] as const);
      if (shape === "same") samePoint++;
      const racers = [
        bw.backup(`archiver.${round}.a`),
        (async () => {
          if (shape === "apart") {
            await supervisor.sleep(pin.int(0, 40));
            await bw.sendWrites(1 + pin.int(0, 2));
            await bw.quiesce();
          }
          return bw.backup(`archiver.${round}.b`);
        })(),
      ];
      const outcomes = await Promise.all(
        racers.map((racer) => racer.catch((error: unknown) => describe(error))),
      );
      outcomes.forEach((outcome, n) => {
        if (typeof outcome === "string" || !indexed(outcome))
          world.violate("racing-archivers-indexed", `round ${round} racer ${n}: ${JSON.stringify(outcome)}`);
        else if (outcome?.kind === "created") created++;
      });
      await bw.checkBackups(`round.${round}`);
    }
  });
  await world.run();
  return { metrics: { samePoint, created, ...bw.workload.counts() } };
}

export const backupRacingArchivers: Scenario = {
  id: "backup.racing-archivers",
  title: "E6-E: two archivers race the CAS'd backup index: no corruption, no lost update, both restorable",
  criteria: ["E6-E"],
  lane: "sim",
  defaultSeeds: 100,
  run,
};
