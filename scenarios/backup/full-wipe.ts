/**
 * E6-C and E6-F: every primary object is deleted (manifest included). The primary is rebuilt
 * from the newest cold backup alone — the rebuilder is killed mid-way on most seeds (after a
 * seeded PUT into the primary) and a fresh one retries cleanly —, then a new writer boots on it
 * and serves: its rows are exactly the state at the backup point, and new writes are durable.
 * Writes made after the last backup are lost with the primary: that is what a backup cadence
 * means, and the scenario drops them from the oracle.
 */
import { encodeRowValue, firstDifference } from "../../invariants/durability.ts";
import { killAtStore } from "../../sim/kill-plan.ts";
import type { Scenario, ScenarioContext, ScenarioResult } from "../scenario.ts";
import { unlessDead } from "../wal/lives.ts";
import { bootWriter, DB_PREFIX, restoreView } from "../wal/writer-node.ts";
import { noFaults } from "../../engine/runtime.ts";
import { BackupWorld, indexed } from "./backup-world.ts";

async function run(ctx: ScenarioContext): Promise<ScenarioResult> {
  const { world } = ctx;
  const pin = world.rng.fork("backup:pin");
  const killVisit = pin.chance(0.75) ? 1 + pin.int(0, 3) : 0;
  const bw = new BackupWorld(ctx, {
    coldFaults: true,
    killRules: killVisit > 0 ? [killAtStore("after", "put", `${DB_PREFIX}/*`, killVisit, "rebuilder.0")] : [],
  });
  let rebuilderKilled = 0;
  bw.start(async () => {
    let backedUp = { rows: [] as Awaited<ReturnType<BackupWorld["quiesce"]>>["rows"], commitSeq: 0 };
    for (let round = 0; round < 2; round++) {
      backedUp = await bw.writeLife(6 + pin.int(0, 10));
      const outcome = await bw.backup(`archiver.${round}`);
      if (!indexed(outcome))
        world.violate("backup-succeeds", `archiver.${round}: ${JSON.stringify(outcome)}`);
    }
    await bw.sendWrites(pin.int(0, 4)); // after the last backup: lost in the disaster
    bw.writer?.process.kill("disaster");
    await bw.wipePrimary("vandal", (key) => key.startsWith(`${DB_PREFIX}/`));
    const first = await bw.rebuild("rebuilder.0");
    if (first === null) rebuilderKilled++;
    const rebuilt = first ?? (await bw.rebuild("rebuilder.1"));
    if (rebuilt === null) return; // a failure is already a violation
    const writer = world.spawn("writer.after");
    const node = await unlessDead(
      bw.supervisor,
      writer,
      bootWriter(writer, bw.primary, noFaults, bw.config, bw.seams),
    );
    if (!node) throw new Error("writer.after died while booting");
    const difference = firstDifference(backedUp.rows, await node.durable.readRows());
    if (difference)
      world.violate(
        "backup-state-at-point",
        `the rebuilt primary differs from the backup point: ${difference}`,
      );
    // It serves: new acked writes survive a fresh restore of the rebuilt primary.
    const fresh = new Map<string, Uint8Array>();
    for (let n = 0; n < 3; n++) {
      const key = `after${n}`;
      const record = await bw.workload.send(bw.clients, node, 99, (id) => {
        const value = encodeRowValue(id, key, "rebuilt");
        fresh.set(key, value);
        return [{ key, value }];
      });
      if (record.status !== "acked")
        world.violate("rebuilt-primary-serves", `write ${record.id} was ${record.status}`);
    }
    writer.kill("end");
    const verifier = world.spawn("verify.after");
    const view = await restoreView(verifier, bw.primary.client(verifier), bw.config, bw.seams);
    verifier.kill("done");
    for (const [key, value] of fresh) {
      const row = view.rows.find((candidate) => candidate.key === key);
      if (!row || row.value === null || Buffer.compare(Buffer.from(row.value), Buffer.from(value)) !== 0)
        world.violate("rebuilt-primary-serves", `acked write to ${key} after the rebuild is lost`);
    }
    const old = view.rows.filter((row) => !row.key.startsWith("after"));
    const oldDifference = firstDifference(backedUp.rows, old);
    if (oldDifference)
      world.violate("backup-state-at-point", `after new writes, old rows differ: ${oldDifference}`);
    await bw.checkBackups("final");
  });
  await world.run();
  return { metrics: { rebuilderKilled, killVisit, ...bw.workload.counts() } };
}

export const backupFullWipe: Scenario = {
  id: "backup.full-wipe",
  title:
    "E6-C/E6-F: full primary wipe, rebuild from cold alone (killed once mid-rebuild), the database boots and serves",
  criteria: ["E6-C", "E6-F"],
  lane: "sim",
  defaultSeeds: 100,
  run,
};
