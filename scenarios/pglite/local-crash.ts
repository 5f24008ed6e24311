/**
 * A crash that keeps the instance's volume (a VM, or a container restarted on a persistent
 * disk), on real Postgres. The Database contract says a write resolves only once its WAL is in
 * the local files (engine/db/database.ts): the shipper reads WAL from those files, and a
 * restart that reopens them must find every write that resolved.
 *
 * A client writes rows one transaction at a time and, between writes, sometimes reads (any
 * statement makes PGlite flush what is pending). At a seeded moment the process dies: its disk
 * freezes as it is (no call of the dead process lands) and survives. A new process opens
 * Postgres on that disk (crash recovery) and every resolved write must be there.
 *
 * This is where pglite#1065 bites: `transaction()` does not sync after COMMIT, so an engine
 * that resolves when `transaction()` does (forensic variant PG1065) loses the last write when
 * the crash falls before the next statement. The engine syncs after COMMIT and passes.
 */
import type { LocalDisk } from "../../engine/db/local-disk.ts";
import { checkRestoredRows, encodeRowValue, type WriteRecord } from "../../invariants/durability.ts";
import { violateDurability } from "../../invariants/durability-evidence.ts";
import { memoryDisk } from "../../sim/local-disk.ts";
import type { SimProcess } from "../../sim/process.ts";
import type { Scenario, ScenarioContext, ScenarioResult } from "../scenario.ts";
import { pgliteDriverFor, withPgliteVirtualized } from "./pglite-world.ts";

const DATA_DIR = "/data";

/** `disk` as seen by `process`: calls settle only while it lives; the bytes outlive it. */
function volumeOf(process: SimProcess, disk: LocalDisk): LocalDisk {
  const guarded = {} as LocalDisk;
  for (const name of Object.keys(disk) as Array<keyof LocalDisk>) {
    const method = disk[name] as (...args: unknown[]) => Promise<unknown>;
    (guarded as unknown as Record<string, unknown>)[name] = (...args: unknown[]) =>
      // A dead process's writes never reach the disk: it is frozen at the crash.
      process.alive ? process.guard(method(...args)) : new Promise(() => undefined);
  }
  return guarded;
}

async function runLocalCrash(ctx: ScenarioContext): Promise<ScenarioResult> {
  const { world, seams } = ctx;
  const drawn = world.draw("pglite-local", (rng) => ({
    writes: rng.pick([6, 12]),
    readProbability: rng.pick([0, 0.3, 0.7]),
    writeIntervalMeanMs: rng.pick([20, 100]),
    crashAtMs: rng.int(10, 800),
  }));
  const volume = memoryDisk().disk;
  const driver = pgliteDriverFor(world, seams);
  const writes: WriteRecord[] = [];
  const first = world.spawn("db.0");
  const supervisor = world.spawn("supervisor");
  let reopenedRows = -1;
  void first.start(async (self) => {
    const db = await driver.create(volumeOf(self, volume), DATA_DIR);
    for (let id = 1; id <= drawn.writes; id++) {
      await self.sleep(Math.round(self.rng.exponential(drawn.writeIntervalMeanMs)));
      const key = `k${String(self.rng.int(0, 9)).padStart(2, "0")}`;
      const record: WriteRecord = {
        id,
        issue: id - 1,
        rows: [{ key, value: encodeRowValue(id, key, "x".repeat(self.rng.int(10, 400))) }],
        status: "attempted",
        life: 0,
      };
      writes.push(record);
      self.log("write.sent", { id, key });
      await self.guard(db.writeRows(record.rows));
      record.status = "acked";
      self.log("write.acked", { id });
      if (self.rng.chance(drawn.readProbability)) {
        const flushLsn = await self.guard(db.flushLsn());
        self.log("read", { flushLsn });
      }
    }
  });
  void supervisor.start(async (self) => {
    await self.sleep(drawn.crashAtMs);
    first.kill("crash (volume survives)");
    const second = world.spawn("db.1");
    const reopened = await second.guard(driver.open(volumeOf(second, volume), DATA_DIR));
    const rows = await second.guard(reopened.readRows());
    reopenedRows = rows.length;
    self.log("reopened", { rows: rows.length, flushLsn: await second.guard(reopened.flushLsn()) });
    for (const problem of checkRestoredRows(writes, rows).slice(0, 3))
      violateDurability(world, problem, `reopen after crash: ${problem.message}`);
    await second.guard(reopened.close());
  });
  await world.run();
  return {
    metrics: {
      writes: writes.length,
      acked: writes.filter((write) => write.status === "acked").length,
      reopenedRows,
    },
  };
}

export const pgliteLocalCrash: Scenario = {
  id: "pglite.local-crash",
  title: "A crash that keeps the volume, on real Postgres: every write that resolved survives (pglite#1065)",
  criteria: ["DUR-1"],
  lane: "pglite",
  defaultSeeds: 3,
  run: (ctx) => withPgliteVirtualized(ctx.world, () => runLocalCrash(ctx)),
};
