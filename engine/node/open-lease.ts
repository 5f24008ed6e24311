/**
 * openLease: the writer lease of the database under `prefix` (lease object at leaseKey(prefix),
 * fencing tokens sourced from the manifest at manifestKey(prefix)). openWriter takes the lease
 * through it; so do callers that exercise the lease protocol alone (the lease scenarios, the E1
 * probe against real GCS), which have no database to open.
 */
import type { BlobStore } from "../blobstore/blob-store.ts";
import { Lease, type LeaseOptions } from "../lease/lease.ts";
import { leaseKey } from "../lease/lease-record.ts";
import type { WriterLease } from "../lease/writer-lease.ts";
import { manifestKey } from "../manifest/manifest.ts";
import type { Clock, Logger } from "../runtime.ts";

/** Lease tuning: TTL, margins, poll interval, retries, kill points, seams. */
export type LeaseTuning = Omit<
  LeaseOptions,
  "store" | "key" | "manifestKey" | "dbId" | "holder" | "clock" | "logger"
>;

export interface OpenLeaseOptions extends LeaseTuning {
  store: BlobStore;
  /** Key prefix of the database's objects. */
  prefix: string;
  dbId: string;
  /** This writer's identity, unique per process life. */
  holder: string;
  clock: Clock;
  logger?: Logger;
}

export function openLease(options: OpenLeaseOptions): WriterLease {
  return new Lease({ ...options, key: leaseKey(options.prefix), manifestKey: manifestKey(options.prefix) });
}
