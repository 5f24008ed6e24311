/**
 * The nodes of the read-replica scenarios: writers (as in scenarios/wal, but booted with the
 * harness's recorders around their database and store client) and read replicas, each a
 * process with its own local disk and, for replicas, its own (possibly skewed) clock.
 */
import type { FaultPoints } from "../../engine/runtime.ts";
import { fenceStamp, readManifest, type VersionedManifest } from "../../engine/manifest/cas.ts";
import { FencedError } from "../../engine/manifest/errors.ts";
import { manifestKey } from "../../engine/manifest/manifest.ts";
import { ReadReplica } from "../../engine/read-replica/read-replica.ts";
import { restoreDatabase } from "../../engine/restore/restore.ts";
import { DurableDatabase } from "../../engine/wal/durable-database.ts";
import { WalShipper } from "../../engine/wal/shipper.ts";
import type { SimBlobStore } from "../../sim/blob-store.ts";
import { localDiskFor } from "../../sim/local-disk.ts";
import type { SimProcess } from "../../sim/process.ts";
import type { World } from "../../sim/world.ts";
import type { Seams } from "../seams.ts";
import {
  DATA_DIR,
  DB_ID,
  DB_PREFIX,
  driverFor,
  type WalConfig,
  type WriterNode,
} from "../wal/writer-node.ts";
import {
  manifestCapture,
  type Outage,
  recordingDriver,
  replicaClient,
  type ReplicaHistory,
} from "./recorder.ts";

export const MANIFEST_KEY = manifestKey(DB_PREFIX);

/** Take the database over in `process` (fence stamp with the next token) and open it for writes. */
export async function bootRecordedWriter(
  process: SimProcess,
  store: SimBlobStore,
  faults: FaultPoints,
  config: WalConfig,
  seams: Seams,
  history: ReplicaHistory,
): Promise<WriterNode> {
  const client = manifestCapture(store.client(process), MANIFEST_KEY, history);
  const retry = { clock: process.clock };
  let stamped: VersionedManifest | null = null;
  for (let attempt = 0; stamped === null; attempt++) {
    const current = await readManifest(client, MANIFEST_KEY, retry);
    const fencingToken = (current?.manifest.fencingToken ?? 0) + 1;
    try {
      stamped = await fenceStamp(client, MANIFEST_KEY, {
        fencingToken,
        writerId: process.name,
        dbId: DB_ID,
        retry,
      });
    } catch (error) {
      if (!(error instanceof FencedError) || attempt >= 5) throw error;
    }
  }
  const disk = localDiskFor(process);
  const restored = await restoreDatabase({
    store: client,
    manifest: stamped.manifest,
    driver: recordingDriver(driverFor(process, config, seams), process.name, history),
    disk,
    dir: DATA_DIR,
    clock: process.clock,
    logger: process,
    chunkBytes: config.chunkBytes,
    parallelism: config.parallelism,
  });
  const shipper = await WalShipper.open({
    store: client,
    prefix: DB_PREFIX,
    manifestKey: MANIFEST_KEY,
    writerId: process.name,
    fencingToken: stamped.manifest.fencingToken,
    base: stamped,
    db: restored.db,
    disk,
    dir: DATA_DIR,
    clock: process.clock,
    faults,
    logger: process,
    compactAtBytes: config.compactAtBytes,
    commitIntervalMs: config.commitIntervalMs,
    strategy: seams.wal ?? {},
  });
  const durable = new DurableDatabase(restored.db, shipper, {
    mode: "strict",
    clock: process.clock,
    faults,
    logger: process,
  });
  return {
    process,
    durable,
    fencingToken: stamped.manifest.fencingToken,
    peakBufferedBytes: restored.peakBufferedBytes,
    bufferBoundBytes: restored.bufferBoundBytes,
  };
}

export interface ReplicaPlan {
  pollIntervalMs: number;
  maxLagMs: number;
  clockOffsetMs: number;
  outages: Outage[];
  /** The replica process frozen at `atMs` for `forMs` (a GC pause): its reads wait for it. */
  pauses: Array<{ atMs: number; forMs: number }>;
}

export interface ReplicaNode {
  process: SimProcess;
  replica: ReadReplica;
  plan: ReplicaPlan;
}

/** A replica process polling the manifest from now on. */
export function startReplica(
  world: World,
  name: string,
  store: SimBlobStore,
  config: WalConfig,
  seams: Seams,
  plan: ReplicaPlan,
  history: ReplicaHistory,
): ReplicaNode {
  const process = world.spawn(name, { clockOffsetMs: plan.clockOffsetMs });
  const replica = new ReadReplica({
    store: replicaClient(world, process, store.client(process), plan.outages, history),
    prefix: DB_PREFIX,
    manifestKey: MANIFEST_KEY,
    driver: driverFor(process, config, seams),
    disk: localDiskFor(process),
    dir: "/replica",
    clock: process.clock,
    logger: process,
    pollIntervalMs: plan.pollIntervalMs,
    maxLagMs: plan.maxLagMs,
    chunkBytes: config.chunkBytes,
    parallelism: config.parallelism,
    ...(seams.restore ? { restoreStrategy: seams.restore } : {}),
    ...(seams.readReplica ? { strategy: seams.readReplica } : {}),
  });
  void process.start(() => replica.start());
  return { process, replica, plan };
}
