/**
 * E2-1 / E2-2 / E3-2 on real Postgres at 1, 10 and 100 MB of row data. A writer boots through
 * the engine (fence stamp, fresh database from the prebuilt empty data dir, WAL shipper in strict
 * mode), loads the rows as concurrent writes (they share the life's first commit: a snapshot),
 * adds a few small writes (shipped as WAL ranges cut from pg_wal), and dies. A fresh process then
 * restores from the bucket with the streaming restore and Postgres recovers it:
 *
 * - rows byte-identical to the writer's, the md5 Postgres stored for every row equal to the
 *   writer's and still matching the value, nothing acked lost (E2-1, DUR-1);
 * - the snapshot's data directory, unpacked on another disk and re-archived canonically, hashes
 *   the same as the archive the writer shipped (md5 of the dumped data dir);
 * - the restore's peak buffered bytes stay under parallelism × chunk size at every size (E3-2).
 *
 * E2-2's timings table goes into the metrics: dump (checkpoint + archive) wall time, raw and
 * compressed sizes, upload simulated and wall time, restore simulated and wall time. Wall times
 * are measured with the harness's own clock and never enter the trace.
 */
import { createHash } from "node:crypto";
import { performance } from "node:perf_hooks";
import { gunzipSync } from "fflate";
import type { Row } from "../../engine/db/database.ts";
import { type PgliteDatabase, pgliteWalLayout } from "../../engine/db/pglite/pglite-database.ts";
import { listDataDir } from "../../engine/db/pglite/disk-backend.ts";
import { packDataDir } from "../../engine/db/pglite/tar-stream.ts";
import { readManifest } from "../../engine/manifest/cas.ts";
import { manifestKey } from "../../engine/manifest/manifest.ts";
import { BufferMeter, restoreDatabase, streamObject } from "../../engine/restore/restore.ts";
import { noFaults } from "../../engine/runtime.ts";
import { checkRestoredRows, encodeRowValue, firstDifference } from "../../invariants/durability.ts";
import { resolveBlobStoreOptions } from "../../sim/blobstore/options.ts";
import { SimBlobStore } from "../../sim/blob-store.ts";
import { localDiskFor } from "../../sim/local-disk.ts";
import type { Rng } from "../../sim/rng.ts";
import type { Scenario, ScenarioContext, ScenarioResult } from "../scenario.ts";
import { unlessDead } from "../wal/lives.ts";
import { bootWriter, DATA_DIR, DB_PREFIX, DEFAULT_WAL_CONFIG, type WalConfig } from "../wal/writer-node.ts";
import { DEFAULT_WORKLOAD, Workload } from "../wal/workload.ts";
import { pgliteDriverFor, withPgliteVirtualized } from "./pglite-world.ts";

const MB = 1024 * 1024;
const ROW_BYTES = 8 * 1024;
const ROWS_PER_WRITE = 32;
const POOL_BYTES = 4 * MB;
// The harness's own wall clock (captured before any sanitizer patches it): metrics only.
const wallNow = performance.now.bind(performance);

/** Incompressible-ish filler (base64 of seeded random bytes), sliced per row. */
function fillerPool(rng: Rng): string {
  const bytes = new Uint8Array(POOL_BYTES);
  for (let at = 0; at < bytes.length; at += 4) {
    const word = Math.floor(rng.next() * 0x1_0000_0000);
    bytes[at] = word & 0xff;
    bytes[at + 1] = (word >>> 8) & 0xff;
    bytes[at + 2] = (word >>> 16) & 0xff;
    bytes[at + 3] = word >>> 24;
  }
  return Buffer.from(bytes).toString("base64");
}

async function collect(chunks: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const chunk of chunks) parts.push(chunk);
  return Buffer.concat(parts);
}

const md5 = (bytes: Uint8Array) => createHash("md5").update(bytes).digest("hex");

async function runRoundtrip(ctx: ScenarioContext, sizeBytes: number): Promise<ScenarioResult> {
  const { world, seams } = ctx;
  const config: WalConfig = { ...DEFAULT_WAL_CONFIG, driver: (_process, s) => pgliteDriverFor(world, s) };
  const store = new SimBlobStore(world, resolveBlobStoreOptions({ name: "blobstore" }));
  const workload = new Workload(DEFAULT_WORKLOAD);
  const supervisor = world.spawn("supervisor");
  const clients = world.spawn("clients");
  const metrics: Record<string, number> = { sizeBytes };
  void supervisor.start(async () => {
    const writer = world.spawn("writer.0");
    const node = await unlessDead(supervisor, writer, bootWriter(writer, store, noFaults, config, seams));
    if (!node) throw new Error("writer died while booting");
    const db = node.durable.db as PgliteDatabase;
    const pool = fillerPool(clients.rng.fork("filler"));
    const fillerChars = ROW_BYTES - 80;
    const rowsTotal = Math.ceil(sizeBytes / ROW_BYTES);
    const loads: Array<Promise<unknown>> = [];
    for (let first = 0; first < rowsTotal; first += ROWS_PER_WRITE) {
      const offsets: number[] = [];
      for (let n = first; n < Math.min(rowsTotal, first + ROWS_PER_WRITE); n++)
        offsets.push(clients.rng.int(0, pool.length - fillerChars));
      const rows = (writeId: number): Row[] =>
        offsets.map((offset, index) => {
          const key = `bulk${String(first + index).padStart(7, "0")}`;
          return { key, value: encodeRowValue(writeId, key, pool.slice(offset, offset + fillerChars)) };
        });
      loads.push(workload.send(clients, node, 0, rows));
    }
    await Promise.all(loads);
    for (let n = 0; n < 5; n++) await workload.send(clients, node, 0);
    const writerRows = await writer.guard(db.readRows());
    const writerChecksums = await writer.guard(db.rowChecksums());

    // E2-2: dump (checkpoint + canonical gzipped archive) and upload, measured on the writer.
    let wallStarted = wallNow();
    await writer.guard(db.checkpoint());
    const usage = await writer.guard(db.diskUsage());
    const dump = await writer.guard(collect(db.snapshot()));
    metrics.dumpWallMs = Math.round(wallNow() - wallStarted);
    metrics.dataDirBytes = usage.walBytes + usage.otherBytes;
    metrics.walFiles = usage.walFiles;
    metrics.dumpGzipBytes = dump.length;
    const client = store.client(writer);
    let simStarted = world.nowMs;
    wallStarted = wallNow();
    await client.put(`${DB_PREFIX}/timing/dump.tar.gz`, dump, { ifNoneMatch: true });
    metrics.uploadSimMs = world.nowMs - simStarted;
    metrics.uploadWallMs = Math.round(wallNow() - wallStarted);
    writer.kill("end of life");

    const verifier = world.spawn("verify.0");
    const reader = store.client(verifier);
    const current = await readManifest(reader, manifestKey(DB_PREFIX), { clock: verifier.clock });
    if (!current?.manifest.snapshot) throw new Error("nothing was committed");
    simStarted = world.nowMs;
    wallStarted = wallNow();
    const disk = localDiskFor(verifier);
    const restored = await restoreDatabase({
      store: reader,
      manifest: current.manifest,
      driver: pgliteDriverFor(world, seams),
      disk,
      dir: DATA_DIR,
      clock: verifier.clock,
      logger: verifier,
      chunkBytes: config.chunkBytes,
      parallelism: config.parallelism,
      strategy: seams.restore ?? {},
    });
    metrics.restoreSimMs = world.nowMs - simStarted;
    metrics.restoreWallMs = Math.round(wallNow() - wallStarted);
    metrics.restorePeakBufferedBytes = restored.peakBufferedBytes;
    metrics.restoreBufferBoundBytes = restored.bufferBoundBytes;
    metrics.snapshotBytes = current.manifest.snapshot.bytes;
    metrics.walRanges = current.manifest.segments.length;
    if (restored.peakBufferedBytes > restored.bufferBoundBytes)
      world.violate(
        "restore-buffer-bound",
        `restore buffered ${restored.peakBufferedBytes} bytes at peak, bound ${restored.bufferBoundBytes}`,
      );
    const back = restored.db as PgliteDatabase;
    const rows = await verifier.guard(back.readRows());
    metrics.rows = rows.length;
    const difference = firstDifference(writerRows, rows);
    if (difference) world.violate("byte-identical-reopen", `restore differs from the writer: ${difference}`);
    for (const problem of checkRestoredRows(workload.writes, rows).slice(0, 1))
      world.violate(problem.invariant, problem.message);
    const checksums = await verifier.guard(back.rowChecksums());
    const broken = checksums.filter((row) => !row.intact).length;
    const checksumDiff = JSON.stringify(checksums) !== JSON.stringify(writerChecksums);
    if (broken > 0 || checksumDiff)
      world.violate(
        "row-checksum",
        `md5 per row: ${broken} rows no longer match, lists differ: ${checksumDiff}`,
      );
    await verifier.guard(back.close());

    // The snapshot's data directory, unpacked on another disk and re-archived, hashes the same.
    const snapshot = current.manifest.snapshot;
    const shipped = await collect(
      streamObject({
        store: reader,
        key: snapshot.key,
        bytes: snapshot.bytes,
        sha256: snapshot.sha256,
        chunkBytes: config.chunkBytes,
        parallelism: config.parallelism,
        meter: new BufferMeter(),
        clock: verifier.clock,
      }),
    );
    const shippedMd5 = md5(gunzipSync(shipped));
    const side = "/unpacked";
    await pgliteDriverFor(world, seams).unpackSnapshot(
      (async function* () {
        yield shipped;
      })(),
      disk,
      side,
    );
    const listed = await listDataDir(disk, side);
    const entries = [
      ...listed.dirs.map((path) => ({ kind: "dir" as const, path })),
      ...listed.files.map((path) => ({ kind: "file" as const, path })),
    ];
    const repackedMd5 = md5(gunzipSync(await collect(packDataDir(disk, side, entries, 0))));
    if (repackedMd5 !== shippedMd5)
      world.violate(
        "byte-identical-reopen",
        `data dir md5 ${repackedMd5} after unpack, shipped ${shippedMd5}`,
      );
    world.log("pglite", "roundtrip", {
      rows: rows.length,
      dataDirMd5: shippedMd5,
      snapshotBytes: snapshot.bytes,
      walRanges: current.manifest.segments.length,
      segmentBytes: pgliteWalLayout.segmentBytes,
    });
    verifier.kill("verified");
  });
  await world.run();
  return { metrics };
}

function roundtripScenario(sizeMb: number, defaultSeeds: number): Scenario {
  return {
    id: `pglite.e2-roundtrip-${sizeMb}mb`,
    title: `E2 on real Postgres at ${sizeMb} MB: byte-identical reopen (rows, md5 per row, data dir md5), timings, bounded restore`,
    criteria: ["E2-1", "E2-2", "E3-1", "E3-2", "DUR-1"],
    lane: "pglite",
    defaultSeeds,
    run: (ctx) => withPgliteVirtualized(ctx.world, () => runRoundtrip(ctx, sizeMb * MB)),
  };
}

export const pgliteRoundtrip1Mb = roundtripScenario(1, 2);
export const pgliteRoundtrip10Mb = roundtripScenario(10, 1);
export const pgliteRoundtrip100Mb = roundtripScenario(100, 1);
