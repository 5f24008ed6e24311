/**
 * B01 on real Postgres, as a size bound: a snapshot carries the data files and at most two WAL
 * segments (the one holding the checkpoint, and one Postgres preallocates when that one is
 * nearly full), never the old segments Postgres recycles for reuse. In production a 500 MB
 * database once made a 969 MB snapshot that way.
 *
 * A writer loads about 24 MB of rows (more than one 16 MB WAL segment of WAL) in concurrent
 * writes that share its first commit, a snapshot; a verifier reads that snapshot back from the
 * bucket and counts the WAL it holds. The engine writes its WAL settings into the data directory
 * (wal_recycle=off, max_wal_size 64 MB), so they travel inside every snapshot; forensic variant
 * B01 leaves Postgres's defaults (recycling on, max_wal_size 1 GB).
 */
import { gunzipSync } from "fflate";
import type { Row } from "../../engine/db/database.ts";
import { readTar } from "../../engine/db/pglite/tar.ts";
import { WAL_SEGMENT_BYTES } from "../../engine/db/pglite/lsn.ts";
import { readManifest } from "../../engine/manifest/cas.ts";
import { manifestKey } from "../../engine/manifest/manifest.ts";
import { noFaults } from "../../engine/runtime.ts";
import { encodeRowValue } from "../../invariants/durability.ts";
import { resolveBlobStoreOptions } from "../../sim/blobstore/options.ts";
import { SimBlobStore } from "../../sim/blob-store.ts";
import type { Scenario, ScenarioContext, ScenarioResult } from "../scenario.ts";
import { unlessDead } from "../wal/lives.ts";
import { bootWriter, DB_PREFIX, DEFAULT_WAL_CONFIG, type WalConfig } from "../wal/writer-node.ts";
import { DEFAULT_WORKLOAD, Workload } from "../wal/workload.ts";
import { pgliteDriverFor, withPgliteVirtualized } from "./pglite-world.ts";

const MB = 1024 * 1024;
const ROW_BYTES = 8 * 1024;
const ROWS_PER_WRITE = 64;
/** The bound: the segment holding the checkpoint plus one preallocated. */
export const SNAPSHOT_WAL_SEGMENTS_MAX = 2;

async function runSnapshotSize(ctx: ScenarioContext): Promise<ScenarioResult> {
  const { world, seams } = ctx;
  const drawn = world.draw("pglite-b01", (rng) => ({ dataMb: rng.pick([20, 24, 28]) }));
  const config: WalConfig = { ...DEFAULT_WAL_CONFIG, driver: (_process, s) => pgliteDriverFor(world, s) };
  const store = new SimBlobStore(world, resolveBlobStoreOptions({ name: "blobstore" }));
  const workload = new Workload(DEFAULT_WORKLOAD);
  const supervisor = world.spawn("supervisor");
  const clients = world.spawn("clients");
  const metrics: Record<string, number> = { dataBytes: drawn.dataMb * MB };
  void supervisor.start(async () => {
    const writer = world.spawn("writer.0");
    const node = await unlessDead(supervisor, writer, bootWriter(writer, store, noFaults, config, seams));
    if (!node) throw new Error("writer died while booting");
    const rowsTotal = (drawn.dataMb * MB) / ROW_BYTES;
    const loads: Array<Promise<unknown>> = [];
    for (let first = 0; first < rowsTotal; first += ROWS_PER_WRITE) {
      // Seeded, incompressible values: recycled WAL full of them cannot hide in the gzip.
      const salt = clients.rng.int(0, 0x7fff_ffff);
      const rows = (writeId: number): Row[] =>
        Array.from({ length: ROWS_PER_WRITE }, (_, index) => {
          const key = `r${String(first + index).padStart(7, "0")}`;
          const bytes = new Uint8Array(((ROW_BYTES - 80) * 3) / 4);
          let state = (salt ^ Math.imul(first + index + 1, 2654435761)) | 1;
          for (let at = 0; at < bytes.length; at++) {
            state ^= state << 13;
            state ^= state >>> 17;
            state ^= state << 5;
            bytes[at] = state & 0xff;
          }
          const filler = Buffer.from(bytes).toString("base64");
          return { key, value: encodeRowValue(writeId, key, filler) };
        });
      loads.push(workload.send(clients, node, 0, rows));
    }
    await Promise.all(loads);
    writer.kill("end of life");
    const verifier = world.spawn("verify.0");
    const reader = store.client(verifier);
    const current = await readManifest(reader, manifestKey(DB_PREFIX), { clock: verifier.clock });
    const snapshot = current?.manifest.snapshot;
    if (!snapshot) throw new Error("nothing was committed");
    const object = await reader.get(snapshot.key);
    if (!object) throw new Error(`snapshot ${snapshot.key} missing`);
    let walFiles = 0;
    let walBytes = 0;
    let otherBytes = 0;
    for (const entry of readTar(gunzipSync(object.bytes))) {
      if (entry.kind !== "file") continue;
      if (/^\/pg_wal\/[0-9A-F]{24}$/.test(entry.path)) {
        walFiles++;
        walBytes += entry.data.length;
      } else otherBytes += entry.data.length;
    }
    Object.assign(metrics, { snapshotBytes: snapshot.bytes, walFiles, walBytes, otherBytes });
    verifier.log("snapshot.contents", { walFiles, walBytes, otherBytes, snapshotBytes: snapshot.bytes });
    if (walBytes > SNAPSHOT_WAL_SEGMENTS_MAX * WAL_SEGMENT_BYTES)
      world.violate(
        "snapshot-size-bound",
        `snapshot of ${otherBytes} bytes of data files carries ${walFiles} WAL segments (${walBytes} bytes), bound ${SNAPSHOT_WAL_SEGMENTS_MAX}`,
      );
    verifier.kill("verified");
  });
  await world.run();
  return { metrics };
}

export const pgliteSnapshotSize: Scenario = {
  id: "pglite.b01-snapshot-size",
  title: "B01 on real Postgres: a snapshot carries the data files and at most two WAL segments",
  criteria: ["E2-2"],
  lane: "pglite",
  defaultSeeds: 1,
  run: (ctx) => withPgliteVirtualized(ctx.world, () => runSnapshotSize(ctx)),
};
