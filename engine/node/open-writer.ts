/**
 * openWriter: the one place the engine is assembled into a writer of one database. From a small
 * options object it takes the database over (the lease, or a bare fence stamp), restores the
 * manifest it adopted onto the local disk, opens the WAL shipper on it and wraps both in the
 * durable database that acks writes. The platform's service, the WAL and backup scenarios and any
 * real deployment call it, so the order of the steps (stamp before restore, restore the state as
 * of AFTER the stamp: B09) is written down once.
 *
 * Keys derive from `prefix`: the manifest at manifestKey(prefix), the lease at leaseKey(prefix).
 */
import type { BlobStore } from "../blobstore/blob-store.ts";
import type { DatabaseDriver } from "../db/database.ts";
import type { LocalDisk } from "../db/local-disk.ts";
import type { WriterLease } from "../lease/writer-lease.ts";
import { fenceStamp, readManifest, type VersionedManifest } from "../manifest/cas.ts";
import { FencedError } from "../manifest/errors.ts";
import { manifestKey } from "../manifest/manifest.ts";
import { restoreDatabase, type Restorer, type RestoreOptions } from "../restore/restore.ts";
import {
  assert,
  BUGGIFY_DELAY_MS,
  buggify,
  type Clock,
  type FaultPoints,
  type Logger,
  noFaults,
} from "../runtime.ts";
import { DurableDatabase, type DurableDatabaseOptions } from "../wal/durable-database.ts";
import { WalShipper, type WalShipperOptions } from "../wal/shipper.ts";
import { type LeaseTuning, openLease } from "./open-lease.ts";

/** The production takeover: wait for the lease, which fence-stamps the manifest. */
export interface LeaseTakeover {
  kind: "lease";
  /** Read the manifest before waiting for the lease, as the source's service did to restore early. */
  readManifestEarly?: boolean;
  /** Lease tuning (TTL, margins, seams, its kill points); keys, identity, clock, logger come from above. */
  options?: LeaseTuning;
}

/**
 * A bare fence stamp with the next token, without a lease object: for studies of the WAL alone.
 * Safety still holds (a superseded writer's CAS fails); only the wait for a live holder is gone.
 */
export interface StampTakeover {
  kind: "fence-stamp";
  /** Stamps tried when a rival stamps a higher token first. */
  attemptsMax: number;
}

export type WriterPhase = "taken" | "restored" | "opened";

export interface OpenWriterOptions {
  store: BlobStore;
  /** Key prefix of the database's objects. */
  prefix: string;
  dbId: string;
  /** This writer's identity, unique per process life. */
  writerId: string;
  clock: Clock;
  logger?: Logger;
  /** Named kill points of the shipper and the durable database (the lease's: takeover.options). */
  faults?: FaultPoints;
  /** The database under the engine, its local disk and data directory. */
  database: { driver: DatabaseDriver; disk: LocalDisk; dir: string };
  takeover: LeaseTakeover | StampTakeover;
  restore?: Pick<RestoreOptions, "chunkBytes" | "parallelism" | "strategy">;
  /** How the adopted manifest is restored; the engine's streaming restore unless replaced. */
  restorer?: Restorer;
  wal?: Pick<
    WalShipperOptions,
    "compactAtBytes" | "commitIntervalMs" | "strategy" | "onCommitted" | "storeRetry"
  >;
  durability: Pick<DurableDatabaseOptions, "mode" | "idleFlushMs">;
  /** Awaited as each phase ends: cold-start breakdowns, a modelled database-open time. */
  onPhase?: (phase: WriterPhase) => void | Promise<void>;
}

export interface OpenedWriter {
  durable: DurableDatabase;
  fencingToken: number;
  /** The manifest the writer adopted and restored. */
  base: VersionedManifest;
  /** The held lease (renew, release, heartbeat); null for a fence-stamp takeover. */
  lease: WriterLease | null;
  peakBufferedBytes: number;
  bufferBoundBytes: number;
}

interface Taken {
  fencingToken: number;
  base: VersionedManifest;
  lease: WriterLease | null;
}

async function takeWithLease(options: OpenWriterOptions, takeover: LeaseTakeover): Promise<Taken> {
  const key = manifestKey(options.prefix);
  const early = takeover.readManifestEarly
    ? await readManifest(options.store, key, { clock: options.clock })
    : null;
  const lease = openLease({
    ...takeover.options,
    store: options.store,
    prefix: options.prefix,
    dbId: options.dbId,
    holder: options.writerId,
    clock: options.clock,
    ...(options.logger ? { logger: options.logger } : {}),
  });
  const acquired = await lease.acquire(early);
  return { fencingToken: acquired.fencingToken, base: acquired.manifest, lease };
}

async function takeWithStamp(options: OpenWriterOptions, takeover: StampTakeover): Promise<Taken> {
  assert(takeover.attemptsMax >= 1, "fence-stamp takeover needs attemptsMax >= 1");
  const key = manifestKey(options.prefix);
  const retry = { clock: options.clock };
  for (let attempt = 1; ; attempt++) {
    const current = await readManifest(options.store, key, retry);
    const fencingToken = (current?.manifest.fencingToken ?? 0) + 1;
    try {
      const stamped = await fenceStamp(options.store, key, {
        fencingToken,
        writerId: options.writerId,
        dbId: options.dbId,
        retry,
      });
      return { fencingToken: stamped.manifest.fencingToken, base: stamped, lease: null };
    } catch (error) {
      // A rival stamped a higher token between our read and our stamp: read again.
      if (!(error instanceof FencedError) || attempt >= takeover.attemptsMax) throw error;
    }
  }
}

export async function openWriter(options: OpenWriterOptions): Promise<OpenedWriter> {
  const { store, clock, logger, database } = options;
  const faults = options.faults ?? noFaults;
  const taken =
    options.takeover.kind === "lease"
      ? await takeWithLease(options, options.takeover)
      : await takeWithStamp(options, options.takeover);
  await options.onPhase?.("taken");
  if (buggify(faults, "open.slow-after-take")) await clock.sleepMs(BUGGIFY_DELAY_MS);
  const restorer = options.restorer ?? restoreDatabase;
  const restored = await restorer({
    ...options.restore,
    store,
    manifest: taken.base.manifest,
    driver: database.driver,
    disk: database.disk,
    dir: database.dir,
    clock,
    ...(logger ? { logger } : {}),
  });
  await options.onPhase?.("restored");
  if (buggify(faults, "open.slow-after-restore")) await clock.sleepMs(BUGGIFY_DELAY_MS);
  const shipper = await WalShipper.open({
    ...options.wal,
    store,
    prefix: options.prefix,
    manifestKey: manifestKey(options.prefix),
    writerId: options.writerId,
    fencingToken: taken.fencingToken,
    base: taken.base,
    db: restored.db,
    disk: database.disk,
    dir: database.dir,
    clock,
    faults,
    ...(logger ? { logger } : {}),
  });
  if (buggify(faults, "open.slow-after-shipper")) await clock.sleepMs(BUGGIFY_DELAY_MS);
  const durable = new DurableDatabase(restored.db, shipper, {
    ...options.durability,
    clock,
    faults,
    ...(logger ? { logger } : {}),
  });
  await options.onPhase?.("opened");
  return {
    durable,
    fencingToken: taken.fencingToken,
    base: taken.base,
    lease: taken.lease,
    peakBufferedBytes: restored.peakBufferedBytes,
    bufferBoundBytes: restored.bufferBoundBytes,
  };
}
