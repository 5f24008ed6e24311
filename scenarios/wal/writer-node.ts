/**
 * One writer life in the simulation: a process with its own local disk that takes the database
 * over (fence stamp with the next token: the manifest is re-read after the stamp, B09), restores
 * it from the store, and serves writes through the engine's DurableDatabase. Also the verifier:
 * a process that restores the current manifest on its own disk and reads the rows.
 */
import type { BlobStore } from "../../engine/blobstore/blob-store.ts";
import type { DatabaseDriver, Row } from "../../engine/db/database.ts";
import { modelDatabaseDriver } from "../../engine/db/model/model-database.ts";
import { readManifest } from "../../engine/manifest/cas.ts";
import { manifestKey } from "../../engine/manifest/manifest.ts";
import { openWriter } from "../../engine/node/open-writer.ts";
import { restoreDatabase } from "../../engine/restore/restore.ts";
import type { FaultPoints } from "../../engine/runtime.ts";
import type { DurableDatabase, DurabilityMode } from "../../engine/wal/durable-database.ts";
import type { SimBlobStore } from "../../sim/blob-store.ts";
import { localDiskFor } from "../../sim/local-disk.ts";
import { withReach } from "../../sim/reach.ts";
import type { SimProcess } from "../../sim/process.ts";
import type { Seams } from "../seams.ts";

export const DB_PREFIX = "db";
export const DB_ID = "sim-db";
export const DATA_DIR = "/data";

export interface WalConfig {
  segmentBytes: number;
  compactAtBytes: number;
  commitIntervalMs: number;
  danglingHeaderProbability: number;
  chunkBytes: number;
  parallelism: number;
  mode: DurabilityMode;
  /** The database under the engine; absent: the model database (scenarios/pglite passes PGlite). */
  driver?: (process: SimProcess, seams: Seams) => DatabaseDriver;
}

export const DEFAULT_WAL_CONFIG: WalConfig = {
  segmentBytes: 64 * 1024,
  compactAtBytes: 16 * 1024 * 1024,
  commitIntervalMs: 1_000,
  danglingHeaderProbability: 0.3,
  chunkBytes: 64 * 1024,
  parallelism: 4,
  mode: "strict",
};

export function driverFor(process: SimProcess, config: WalConfig, seams: Seams): DatabaseDriver {
  if (config.driver) return config.driver(process, seams);
  return modelDatabaseDriver({
    segmentBytes: config.segmentBytes,
    danglingHeaderProbability: config.danglingHeaderProbability,
    random: process.rng.fork("db"),
    ...seams.db,
  });
}

export interface WriterNode {
  process: SimProcess;
  durable: DurableDatabase;
  fencingToken: number;
  peakBufferedBytes: number;
  bufferBoundBytes: number;
}

/** Recorders a scenario puts around a writer's store client and database (scenarios/read-replica). */
export interface WriterTaps {
  client?: (client: BlobStore) => BlobStore;
  driver?: (driver: DatabaseDriver) => DatabaseDriver;
}

/** Take the database over in `process` (a bare fence stamp, no lease) and open it for writes. */
export async function bootWriter(
  process: SimProcess,
  store: SimBlobStore,
  faults: FaultPoints,
  config: WalConfig,
  seams: Seams,
  taps: WriterTaps = {},
): Promise<WriterNode> {
  const plainClient = store.client(process);
  const plainDriver = driverFor(process, config, seams);
  const opened = await openWriter({
    store: taps.client ? taps.client(plainClient) : plainClient,
    prefix: DB_PREFIX,
    dbId: DB_ID,
    writerId: process.name,
    clock: process.clock,
    logger: process,
    faults: withReach(store.world, faults),
    database: {
      driver: taps.driver ? taps.driver(plainDriver) : plainDriver,
      disk: localDiskFor(process),
      dir: DATA_DIR,
    },
    takeover: { kind: "fence-stamp", attemptsMax: 6 },
    restore: {
      chunkBytes: config.chunkBytes,
      parallelism: config.parallelism,
      strategy: seams.restore ?? {},
    },
    wal: {
      compactAtBytes: config.compactAtBytes,
      commitIntervalMs: config.commitIntervalMs,
      strategy: seams.wal ?? {},
    },
    durability: { mode: config.mode },
  });
  return {
    process,
    durable: opened.durable,
    fencingToken: opened.fencingToken,
    peakBufferedBytes: opened.peakBufferedBytes,
    bufferBoundBytes: opened.bufferBoundBytes,
  };
}

export interface RestoredView {
  rows: Row[];
  peakBufferedBytes: number;
  bufferBoundBytes: number;
  commitSeq: number;
}

/** Restore the current manifest in `process` (read-only: no stamp) and read every row. */
export async function restoreView(
  process: SimProcess,
  store: BlobStore,
  config: WalConfig,
  seams: Seams,
): Promise<RestoredView> {
  const current = await readManifest(store, manifestKey(DB_PREFIX), { clock: process.clock });
  if (current === null) return { rows: [], peakBufferedBytes: 0, bufferBoundBytes: 0, commitSeq: 0 };
  const restored = await restoreDatabase({
    store,
    manifest: current.manifest,
    driver: driverFor(process, config, seams),
    disk: localDiskFor(process),
    dir: DATA_DIR,
    clock: process.clock,
    logger: process,
    chunkBytes: config.chunkBytes,
    parallelism: config.parallelism,
    strategy: seams.restore ?? {},
  });
  return {
    rows: await restored.db.readRows(),
    peakBufferedBytes: restored.peakBufferedBytes,
    bufferBoundBytes: restored.bufferBoundBytes,
    commitSeq: current.manifest.commitSeq,
  };
}
