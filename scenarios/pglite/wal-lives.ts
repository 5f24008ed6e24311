/**
 * B11, B12 and B13 where real WAL can check the model's claims. A writer loads about 20 MB after
 * its first commit, paced so that several commits ship WAL ranges cut from pg_wal (compaction is
 * set high), crossing 16 MB segment files; it dies, a fresh process restores and the history is
 * checked; a second life boots from the bucket, writes again, dies, and is checked again.
 *
 * - B12: a WAL range that starts a segment file the snapshot did not have leaves that file
 *   short after restore unless the restorer extends it; Postgres's replay then stops at the
 *   short page and drops the last commit (run with --variant B12 to see it on real WAL).
 * - B11: the booting life's cluster must not sit behind the bucket's resume LSN; if it does
 *   (under B12 it does: the metric life1.lifeBaseMinusResumeBytes goes negative), the engine
 *   logs a continuity violation and snapshots (trace: wal.continuity-violation).
 * - B13: the model claims a dead writer's last flush LSN overshoots its last replayable record
 *   by one record header. On real Postgres the metrics report where recovery ended (the redo
 *   point of the end-of-recovery checkpoint) relative to the resume LSN the bucket holds.
 */
import type { Row } from "../../engine/db/database.ts";
import type { PgliteDatabase } from "../../engine/db/pglite/pglite-database.ts";
import { parseLsn } from "../../engine/db/pglite/lsn.ts";
import { noFaults } from "../../engine/runtime.ts";
import { encodeRowValue } from "../../invariants/durability.ts";
import { resolveBlobStoreOptions } from "../../sim/blobstore/options.ts";
import { SimBlobStore } from "../../sim/blob-store.ts";
import type { Scenario, ScenarioContext, ScenarioResult } from "../scenario.ts";
import { createLifeContext, unlessDead, verifyReopen } from "../wal/lives.ts";
import { bootWriter, DEFAULT_WAL_CONFIG, type WalConfig } from "../wal/writer-node.ts";
import { DEFAULT_WORKLOAD, Workload } from "../wal/workload.ts";
import { pgliteDriverFor, withPgliteVirtualized } from "./pglite-world.ts";

const MB = 1024 * 1024;
const ROW_BYTES = 8 * 1024;
const ROWS_PER_WRITE = 32;

function bulkRows(first: number, count: number, salt: number): (writeId: number) => Row[] {
  return (writeId) =>
    Array.from({ length: count }, (_, index) => {
      const key = `w${String(first + index).padStart(7, "0")}`;
      const bytes = new Uint8Array(((ROW_BYTES - 80) * 3) / 4);
      let state = (salt ^ Math.imul(first + index + 1, 2654435761)) | 1;
      for (let at = 0; at < bytes.length; at++) {
        state ^= state << 13;
        state ^= state >>> 17;
        state ^= state << 5;
        bytes[at] = state & 0xff;
      }
      return { key, value: encodeRowValue(writeId, key, Buffer.from(bytes).toString("base64")) };
    });
}

async function runWalLives(ctx: ScenarioContext): Promise<ScenarioResult> {
  const { world, seams } = ctx;
  const drawn = world.draw("pglite-lives", (rng) => ({
    loadMb: rng.pick([18, 22]),
    commitIntervalMs: rng.pick([200, 1_000]),
    writeGapMs: rng.pick([50, 300]),
  }));
  const config: WalConfig = {
    ...DEFAULT_WAL_CONFIG,
    compactAtBytes: 256 * MB,
    commitIntervalMs: drawn.commitIntervalMs,
    driver: (_process, s) => pgliteDriverFor(world, s),
  };
  const store = new SimBlobStore(world, resolveBlobStoreOptions({ name: "blobstore" }));
  const workload = new Workload(DEFAULT_WORKLOAD);
  const context = createLifeContext(
    { world, store, config, seams },
    {
      workload,
    },
  );
  const metrics: Record<string, number> = {};
  void context.supervisor.start(async (supervisor) => {
    for (let life = 0; life < 2; life++) {
      const writer = world.spawn(`writer.${life}`);
      const node = await unlessDead(supervisor, writer, bootWriter(writer, store, noFaults, config, seams));
      if (!node) throw new Error(`writer.${life} died while booting`);
      const db = node.durable.db as PgliteDatabase;
      const manifest = node.durable.shipper.currentManifest;
      const redo = await writer.guard(
        db.pg.query<{ redo: string }>("SELECT redo_lsn::text AS redo FROM pg_control_checkpoint()"),
      );
      const recoveryEndLsn = parseLsn(redo.rows[0]!.redo);
      if (manifest.snapshot !== null) {
        metrics[`life${life}.recoveryEndMinusResumeBytes`] = recoveryEndLsn - manifest.resumeLsn;
        metrics[`life${life}.lifeBaseMinusResumeBytes`] =
          node.durable.shipper.lifeBaseLsn - manifest.resumeLsn;
      }
      await workload.send(context.clients, node, life);
      const loadRows = Math.round(((life === 0 ? drawn.loadMb : 2) * MB) / ROW_BYTES);
      for (let first = 0; first < loadRows; first += ROWS_PER_WRITE) {
        await context.clients.sleep(drawn.writeGapMs);
        const salt = context.clients.rng.int(0, 0x7fff_ffff);
        await workload.send(
          context.clients,
          node,
          life,
          bulkRows(life * 1_000_000 + first, ROWS_PER_WRITE, salt),
        );
      }
      for (let n = 0; n < 3; n++) await workload.send(context.clients, node, life);
      metrics[`life${life}.walRanges`] = node.durable.shipper.currentManifest.segments.length;
      metrics[`life${life}.resumeLsn`] = node.durable.shipper.currentManifest.resumeLsn;
      writer.kill("end of life");
      // Carry on after a violation: the next life then boots on whatever the restore gave
      // (under B12, a cluster behind the resume LSN: the B11 condition, on real WAL).
      await verifyReopen(context, `verify.${life}`);
    }
  });
  await world.run();
  return { metrics: { ...metrics, ...workload.counts() } };
}

export const pgliteWalLives: Scenario = {
  id: "pglite.wal-lives",
  title: "WAL ranges across 16 MB segment files and two writer lives on real Postgres (B11, B12, B13 claims)",
  criteria: ["E2C-1", "DUR-1", "DUR-3"],
  lane: "pglite",
  defaultSeeds: 1,
  run: (ctx) => withPgliteVirtualized(ctx.world, () => runWalLives(ctx)),
};
