/**
 * The roles a scenario holds, and the binding that supplies them: the contract between blobsim's
 * scenarios and checkers and the engine under test. blobsim's own engine is one binding
 * (blobsim-binding.ts); a team's engine is another, plugged in through `blobsim.config.ts`. A
 * scenario never imports an engine: it asks the binding for a writer, and a checker reads the
 * store's history through the binding's decoders, so a foreign record format is judged, not
 * rejected as "undecodable".
 *
 * Everything here is an interface (structural), so a class with its own private fields
 * implements it without a cast (engine/node/roles.types.test.ts proves it with tsc).
 *
 * Errors: a writer reports a lost lease by throwing `FencedError`, a wait that timed out by
 * throwing `LockedError` (both exported here); scenarios tell outcomes apart by those classes.
 */
import type { BlobStore } from "../blobstore/blob-store.ts";
import type { Restorer } from "../restore/restore.ts";
import type { Clock, FaultPoints, Logger } from "../runtime.ts";

export { FencedError } from "../manifest/errors.ts";
export { LockedError } from "../lease/lease.ts";

/** What acquire returns: the token won and the state (opaque to scenarios) to commit on. */
export interface AcquiredRole {
  fencingToken: number;
  /** The adopted manifest state; scenarios only hand it back to `commit`. */
  manifest: unknown;
  tookOver?: boolean;
}

/** What a commit that returned (the ack) promises: `objectKey` is durable in the manifest. */
export interface CommitAck {
  /** The state after the commit, to commit on next. */
  manifest: unknown;
  /** The data object the commit made durable; the final manifest's `objects` must name it. */
  objectKey: string;
  /** The engine's commit counter, when it has one (traced with the ack). */
  commitSeq?: number;
}

/**
 * The writer role: one process life's claim on the database. Fault points it must hit (so kill
 * and pause plans reach it): `lease.before-commit-cas` just before the manifest write of a commit;
 * optionally `lease.after-acquire-before-stamp`, `lease.after-stamp`, `lease.before-renew`.
 */
export interface WriterRole {
  readonly holder: string;
  /** The token of the held lease; throws when not held. */
  readonly fencingToken: number;
  /** Waits for the lease (LockedError on timeout), fences older writers, adopts the manifest. */
  acquire(early?: unknown): Promise<AcquiredRole>;
  /** Extends the held lease (FencedError when it was lost). */
  renew(): Promise<void>;
  /** Gives the lease up so a successor need not wait for the TTL. Idempotent. */
  release(): Promise<void>;
  /** Commits `sizeBytes` of new WAL on `base`; resolves once durable (FencedError if fenced). */
  commit(base: unknown, sizeBytes: number, faults?: FaultPoints): Promise<CommitAck>;
  /** Stops background work (heartbeats) without releasing: a process that goes away. */
  close(): Promise<void>;
}

/** Typed events a binding emits for the checkers (never parsed from log lines). */
export interface WriterEvents {
  /** The writer now believes it holds the lease and may advance the manifest. */
  acquired(claim: { holder: string; fencingToken: number }): void;
}

/** What the harness hands a binding to build one writer. */
export interface WriterContext {
  store: BlobStore;
  /** Key prefix of the database's objects. */
  prefix: string;
  dbId: string;
  /** The writer's identity, unique per process life. */
  holder: string;
  clock: Clock;
  /** Traced log lines (free-form; checkers never read them). */
  logger: Logger;
  events: WriterEvents;
  leaseTtlMs: number;
  /** Added to a holder's expiry before a taker acts (clock skew). */
  takeoverGraceMs: number;
  /** How long acquire waits out a live holder before LockedError; the engine's default if absent. */
  acquireTimeoutMs?: number;
  faults?: FaultPoints;
}

/** A lease object as the checkers need it. `expiresAtMs` is epoch ms on the writer's clock. */
export interface DecodedLease {
  holder: string;
  token: number;
  expiresAtMs: number;
  released?: boolean;
  /** When the holder's window began on its clock, if the format records it (lease-window check). */
  acquiredAtMs?: number;
}

/**
 * A manifest as the checkers need it. `objects` are the durable data objects (an ack's objectKey
 * must be among them); `writer` and `commitSeq`, when the format has them, enable the checks
 * "token won by this writer" and "each write builds on the previous one".
 */
export interface DecodedManifest {
  token: number;
  durablePosition: number;
  objects: readonly string[];
  writer?: string | null;
  commitSeq?: number;
}

/** Decoders over the store's bytes; they throw on bytes they cannot read. */
export interface RecordDecoders {
  decodeLease(bytes: Uint8Array, key: string): DecodedLease;
  decodeManifest(bytes: Uint8Array, key: string): DecodedManifest;
}

/** An engine as scenarios and checkers see it. */
export interface EngineBinding extends RecordDecoders {
  readonly name: string;
  /**
   * The engine sleeps and paces on real timers and reads Date/performance.now: blobsim runs its
   * writers as virtual processes (sim/virtualize.ts), so those are served by the scheduler.
   */
  readonly realTimers?: boolean;
  /** The objects the single-writer checker watches. */
  keys(prefix: string): { lease: string; manifest: string };
  openWriter(context: WriterContext): WriterRole;
  /** The state a successor reads before waiting for the lease (to restore early); may be null. */
  readEarly(context: Pick<WriterContext, "store" | "prefix" | "clock">): Promise<unknown>;
}

/** The restorer role: the engine's Restorer signature (manifest in, opened database out). */
export type RestorerRole = Restorer;

/** The replica role (engine/read-replica's ReadReplica): follows the manifest, serves fresh reads. */
export interface ReplicaRole {
  start(): Promise<void>;
  stop(): void;
  /** Polls the manifest once and applies what it names. */
  pollOnce(): Promise<unknown>;
  /** A read no staler than the replica's bound (StaleReplicaError otherwise). */
  get(key: string): Promise<{ value: Uint8Array | null }>;
}

/** The backup job role (engine/backup's ColdArchiver): copies what the manifest names. */
export interface BackupJobRole {
  backupOnce(): Promise<unknown>;
}
