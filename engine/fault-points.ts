/**
 * The catalog of named fault points in engine code. Each module declares its points here so
 * `blobsim list` can show them and scenarios can demand that every one is reached.
 */
import { BACKUP_FAULT_POINTS } from "./backup/fault-points.ts";
import { FENCED_COMMIT_FAULT_POINTS } from "./lease/fenced-commit.ts";
import { LEASE_FAULT_POINTS } from "./lease/lease.ts";
import { WAL_FAULT_POINTS } from "./wal/fault-points.ts";
import { REPLICATION_FAULT_POINTS } from "./replication/fault-points.ts";

export interface FaultPointInfo {
  name: string;
  description: string;
}

export const ENGINE_FAULT_POINTS: readonly FaultPointInfo[] = [
  ...LEASE_FAULT_POINTS,
  ...FENCED_COMMIT_FAULT_POINTS,
  ...WAL_FAULT_POINTS,
  ...BACKUP_FAULT_POINTS,
  ...REPLICATION_FAULT_POINTS,
];
