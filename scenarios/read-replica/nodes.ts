/**
 * The nodes of the read-replica scenarios: writers (as in scenarios/wal, but booted with the
 * harness's recorders around their database and store client) and read replicas, each a
 * process with its own local disk and, for replicas, its own (possibly skewed) clock.
 */
import type { FaultPoints } from "../../engine/runtime.ts";
import { manifestKey } from "../../engine/manifest/manifest.ts";
import { ReadReplica } from "../../engine/read-replica/read-replica.ts";
import type { SimBlobStore } from "../../sim/blob-store.ts";
import { localDiskFor } from "../../sim/local-disk.ts";
import type { SimProcess } from "../../sim/process.ts";
import type { World } from "../../sim/world.ts";
import type { Seams } from "../seams.ts";
import { bootWriter, DB_PREFIX, driverFor, type WalConfig, type WriterNode } from "../wal/writer-node.ts";
import {
  manifestCapture,
  type Outage,
  recordingDriver,
  replicaClient,
  type ReplicaHistory,
} from "./recorder.ts";

export const MANIFEST_KEY = manifestKey(DB_PREFIX);

/** A strict writer (scenarios/wal's) with the history's recorders around its store client and database. */
export function bootRecordedWriter(
  process: SimProcess,
  store: SimBlobStore,
  faults: FaultPoints,
  config: WalConfig,
  seams: Seams,
  history: ReplicaHistory,
): Promise<WriterNode> {
  return bootWriter(process, store, faults, { ...config, mode: "strict" }, seams, {
    client: (client) => manifestCapture(client, MANIFEST_KEY, history),
    driver: (driver) => recordingDriver(driver, process.name, history),
  });
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
