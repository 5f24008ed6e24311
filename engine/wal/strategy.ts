/**
 * The WAL shipper's replaceable parts. The engine runs with `realWalStrategy`; the simulation's
 * forensic variants replace one part to put a real bug back (fixtures/forensic), never through
 * flags in engine code.
 */
import type { PutOptions } from "../blobstore/blob-store.ts";
import type { Database, Lsn } from "../db/database.ts";
import type { LocalDisk } from "../db/local-disk.ts";
import { type CommitPlan, type PlanInput, planCommit } from "./plan.ts";

export type DataObjectKind = "snapshot" | "segment";

export interface DataObjectName {
  key: string;
  /** The precondition of its PUT. */
  putOptions: PutOptions;
}

export interface DataObjectRequest {
  prefix: string;
  kind: DataObjectKind;
  /** Names the object: the manifest's dataSeq + 1. */
  dataSeq: number;
  fencingToken: number;
  startLsn: Lsn;
  endLsn: Lsn;
}

export interface WalEndContext {
  db: Database;
  disk: LocalDisk;
  dir: string;
  lifeBaseLsn: Lsn;
  resumeLsn: Lsn;
}

export interface WalStrategy {
  /** Where the WAL to ship ends. Real: the database's flush LSN (never file sizes, B07). */
  walEnd(context: WalEndContext): Promise<Lsn>;
  /** What the commit ships (plan.ts). */
  plan(input: PlanInput): CommitPlan;
  /** The key and precondition of a data object. Real: embeds the fencing token, write-once (B08). */
  dataObject(request: DataObjectRequest): DataObjectName;
}

const pad = (value: number) => String(value).padStart(10, "0");

export function realDataObject(request: DataObjectRequest): DataObjectName {
  const base = request.prefix === "" ? "" : `${request.prefix}/`;
  const suffix = request.kind === "snapshot" ? "snap" : `${request.startLsn}-${request.endLsn}.wal`;
  return {
    key: `${base}data/${pad(request.dataSeq)}-t${request.fencingToken}.${suffix}`,
    putOptions: { ifNoneMatch: true },
  };
}

export const realWalStrategy: WalStrategy = {
  walEnd: (context) => context.db.flushLsn(),
  plan: planCommit,
  dataObject: realDataObject,
};
