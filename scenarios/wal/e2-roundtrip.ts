/**
 * E2-1: byte-identical reopen from the bucket at 1 / 10 / 100 MB of model data (100 MB on one seed in five
 * hundred, 10 MB on one in ten, 1 MB otherwise: the big sizes stay cheap). A writer
 * loads the data as concurrent strict writes (they share commits), adds a few small writes
 * (shipped as WAL ranges), and dies; a fresh process restores and must match the writer's rows
 * byte for byte, with restore's peak buffered bytes under its bound whatever the size (E3-2).
 */
import { COMMIT_KILL_POINTS } from "../../engine/wal/fault-points.ts";
import { checkRestoredRows, encodeRowValue, firstDifference } from "../../invariants/durability.ts";
import { resolveBlobStoreOptions } from "../../sim/blobstore/options.ts";
import { SimBlobStore } from "../../sim/blob-store.ts";
import { DETECTION_SEEDS, type Scenario } from "../scenario.ts";
import { createLifeContext, unlessDead, verifyReopen } from "./lives.ts";
import { bootWriter, DEFAULT_WAL_CONFIG, type WalConfig } from "./writer-node.ts";
import { DEFAULT_WORKLOAD, Workload } from "./workload.ts";
import { noFaults } from "../../engine/runtime.ts";

const MB = 1024 * 1024;
const ROW_BYTES = 4096;
const ROWS_PER_WRITE = 64;

export function e2SizeBytes(seed: number): number {
  if (seed % 500 === 499) return 100 * MB;
  if (seed % 10 === 0) return 10 * MB;
  return MB;
}

export const walE2Roundtrip: Scenario = {
  id: "wal.e2-roundtrip",
  title: "E2: byte-identical reopen from the bucket at 1 / 10 / 100 MB, streaming restore bounded",
  criteria: ["E2-1", "E3-2", "DUR-1"],
  lane: "sim",
  defaultSeeds: DETECTION_SEEDS,
  killPoints: COMMIT_KILL_POINTS,
  async run({ world, seed, seams }) {
    const sizeBytes = e2SizeBytes(seed);
    const config: WalConfig = { ...DEFAULT_WAL_CONFIG, segmentBytes: MB, danglingHeaderProbability: 0 };
    const store = new SimBlobStore(world, resolveBlobStoreOptions({ name: "blobstore" }));
    const workload = new Workload(DEFAULT_WORKLOAD);
    const context = createLifeContext(
      { world, store, config, seams },
      {
        workload,
      },
    );
    let metrics: Record<string, number> = {};
    void context.supervisor.start(async (supervisor) => {
      const writer = world.spawn("writer.0");
      const node = await unlessDead(supervisor, writer, bootWriter(writer, store, noFaults, config, seams));
      if (!node) throw new Error("writer died while booting");
      const filler = "d".repeat(ROW_BYTES - 64);
      const loads: Array<Promise<unknown>> = [];
      const rowsTotal = Math.ceil(sizeBytes / ROW_BYTES);
      for (let first = 0; first < rowsTotal; first += ROWS_PER_WRITE) {
        const rows = (writeId: number) => {
          const made = [];
          for (let n = first; n < Math.min(rowsTotal, first + ROWS_PER_WRITE); n++) {
            const key = `bulk${String(n).padStart(7, "0")}`;
            made.push({ key, value: encodeRowValue(writeId, key, filler) });
          }
          return made;
        };
        loads.push(workload.send(context.clients, node, 0, rows));
      }
      await Promise.all(loads);
      for (let n = 0; n < 5; n++) await workload.send(context.clients, node, 0);
      const writerRows = await node.durable.readRows();
      writer.kill("end of life");
      const view = await verifyReopen(context, "verify.0");
      if (view) {
        const difference = firstDifference(writerRows, view.rows);
        if (difference)
          world.violate("byte-identical-reopen", `restore differs from the writer: ${difference}`);
        for (const problem of checkRestoredRows(workload.writes, view.rows).slice(0, 1))
          world.violate(problem.invariant, problem.message);
        metrics = { sizeBytes, rows: view.rows.length, peakBufferedBytes: view.peakBufferedBytes };
      }
    });
    await world.run();
    return { metrics };
  },
};
