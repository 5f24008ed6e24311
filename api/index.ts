/**
 * blobsim's public API: what a team needs to put its own engine under blobsim's scenarios. The
 * role interfaces and the binding (engine/node/roles.ts), the blob store the engine is handed
 * (its interface and typed errors), the runtime seams (clock, fault points, logger), the config
 * (`defineConfig`, `bindingVariant`) and blobsim's own engine as the reference binding.
 * docs/your-engine.md walks through it.
 */
export type {
  AcquiredRole,
  BackupJobRole,
  CommitAck,
  DecodedLease,
  DecodedManifest,
  EngineBinding,
  RecordDecoders,
  ReplicaRole,
  RestorerRole,
  WriterContext,
  WriterEvents,
  WriterRole,
} from "../engine/node/roles.ts";
export { FencedError, LockedError } from "../engine/node/roles.ts";
export { blobsimBinding, blobsimDecoders } from "../engine/node/blobsim-binding.ts";
export type {
  BlobHead,
  BlobObject,
  BlobStore,
  PutOptions,
  VersionToken,
} from "../engine/blobstore/blob-store.ts";
export {
  AmbiguousWriteError,
  BlobStoreError,
  NotFoundError,
  PreconditionFailedError,
  RateLimitedError,
  TransientError,
} from "../engine/blobstore/errors.ts";
export type { Clock, FaultPoints, Logger } from "../engine/runtime.ts";
export {
  type BlobsimConfig,
  bindingVariant,
  ConfigError,
  type ConfigVariant,
  defineConfig,
} from "../harness/config.ts";
