/**
 * The engine's seams as one typed record: the strategies, options and replaceable functions a
 * scenario hands to the engine modules it builds. A scenario starts from `defaultSeams()` (the
 * real engine) and a forensic variant (fixtures/forensic) replaces one part of it to put a bug
 * back. Engine code never learns whether it runs with a variant.
 *
 * Each engine area adds its own optional field here; a scenario reads the field it needs and
 * falls back to the engine's defaults when it is absent.
 */
import type { LeaseSeams } from "../engine/lease/lease.ts";
import type { EngineBinding } from "../engine/node/roles.ts";
import type { RetentionSeams } from "../engine/retention/seams.ts";
import type { BlobOpsLogSeams } from "../engine/retention/blob-storage.ts";
import type { ReplicationStrategies as ReplicationSeams } from "../engine/replication/strategies.ts";
import type { PgliteSeams } from "../engine/db/pglite/pglite-database.ts";
import type { RegisterSeams } from "./builtin/durable-register.ts";
import type { WalSeams, DbSeams, RestoreSeams } from "./wal/seams.ts";
import type { ReplicaStrategy as ReadReplicaSeams } from "../engine/read-replica/strategy.ts";
import type { BlobStoreSeams } from "./store/seams.ts";
import type { GcsAdapterSeams } from "../adapters/gcs/gcs-blob-store.ts";
import type { BackupSeams } from "../engine/backup/archiver.ts";
import type { PlatformSeams } from "./platform/seams.ts";
import type { PlacementSeams } from "./experiments/placement.ts";
import type { ReplicaFence } from "../sim/replica.ts";
import type { RecoveryLog } from "../engine/replication/recovery-log.ts";
import type { Clock } from "../engine/runtime.ts";

export interface Seams {
  /** The blob store clients a scenario builds (a variant may wrap them with a broken store). */
  blobstore?: Partial<BlobStoreSeams>;
  /** The GCS adapter in the loop (`--store adapter`): its error classification and mutation resend. */
  gcsAdapter?: Partial<GcsAdapterSeams>;
  /** The writer lease: acquire timeout, takeover fence stamp, which manifest a new holder adopts. */
  lease?: Partial<LeaseSeams>;
  /** The toy durable register of the kernel self-test scenario. */
  register?: Partial<RegisterSeams>;
  /** The replication engine's strategies (registry key, budgets, recoverability, pins, ...). */
  replication?: Partial<ReplicationSeams>;
  /** The replication engine's recovery log (a variant may hand it one that loses entries). */
  replicationLog?: (clock: Clock) => RecoveryLog;
  /** The simulated replicas of the replication scenarios: how they fence stale traffic. */
  replicationReplica?: { fence?: ReplicaFence };
  /** The retention floor: peer filter, cursor plausibility, gap eligibility, persist, snapshot. */
  retention?: Partial<RetentionSeams>;
  /** The ops log kept in an object store: how one prune batch orders watermark and deletes. */
  retentionBlobLog?: Partial<BlobOpsLogSeams>;
  /** WAL shipping: where the WAL ends, what a commit ships, data object keys (engine/wal). */
  wal?: WalSeams;
  /** The model database's options (engine/db/model). */
  db?: DbSeams;
  /** Restore: how objects are read, how WAL files are finished (engine/restore). */
  restore?: RestoreSeams;
  /** Read replicas: how new state is discovered (the manifest), when a read is fresh enough. */
  readReplica?: Partial<ReadReplicaSeams>;
  /** The PGlite database: how a write commits (pglite#1065), WAL settings (engine/db/pglite). */
  pglite?: Partial<PgliteSeams>;
  /** Cold backups: how an existing backup object is adopted after a refused create (B14). */
  backup?: Partial<BackupSeams>;
  /** The platform service program: idle-flush backstop (B05), probe restart exit code (B06). */
  platform?: Partial<PlatformSeams>;
  /** Tool placement: the decision rule over the experiments' figures (R-03). */
  placement?: Partial<PlacementSeams>;
  /**
   * The engine under test for the lease scenarios (engine/node/roles.ts): blobsim's own engine
   * (with the `lease` seams above) when absent; a config's binding, or a variant's buggy one.
   */
  binding?: EngineBinding;
}

export function defaultSeams(): Seams {
  return {};
}
