/**
 * A read replica of one database: it follows the manifest and serves reads from a local,
 * read-only copy of the state the manifest references, never from anything else.
 *
 * - Poll: every `pollIntervalMs` it reads the manifest (one GET; strategy.ts). Only what the
 *   manifest references is durable, so a data object in the bucket that no manifest names (an
 *   upload whose CAS has not landed, or a fenced zombie's) is never applied.
 * - Apply: a manifest that only appended WAL ranges to the one served is applied incrementally
 *   (the new ranges are written into the local image at their LSNs, every touched WAL file is
 *   extended to full size as restore does, B12). Anything else (a compaction, a new snapshot, a
 *   new writer's first commit) is a full restore (engine/restore) into the other of two image
 *   slots, so the state served is never touched while the next one is built. A manifest whose
 *   data is unchanged (a fence stamp) needs no apply. Each state is opened through an overlay
 *   (overlay-disk.ts): recovery's own writes never reach the image.
 * - Confirm: a poll that read the manifest and has the state it references applied confirms it,
 *   as of the moment the poll started (the manifest it read includes every commit durable by
 *   then). A failed poll (store faults, 429, timeouts, a missing or corrupt object) confirms
 *   nothing and keeps the previous state; the next poll tries again.
 * - Read: served from the state swapped in last, without waiting for a poll and without
 *   touching the writer. If the last confirmation is older than `maxLagMs` (on this replica's
 *   clock), the read fails with StaleReplicaError instead of serving a state that may be missing
 *   commits durable more than maxLagMs ago.
 *
 * Assertions: the served commitSeq never goes backwards, nor the served LSN (save for a snapshot
 * cut behind the previous resume point, the continuity snapshot of B11, which is logged), and a
 * confirmation is never older than the one before.
 */
import type { BlobStore, VersionToken } from "../blobstore/blob-store.ts";
import type { Database, DatabaseDriver, Row } from "../db/database.ts";
import { joinPath, type LocalDisk } from "../db/local-disk.ts";
import type { VersionedManifest } from "../manifest/cas.ts";
import type { Manifest, SegmentRef } from "../manifest/manifest.ts";
import {
  BufferMeter,
  RESTORE_CHUNK_BYTES_DEFAULT,
  RESTORE_PARALLELISM_DEFAULT,
  RestoreIntegrityError,
  realRestoreStrategy,
  restoreDatabase,
  type RestoreStrategy,
  writeWalRange,
} from "../restore/restore.ts";
import { assert, type Clock, EngineAssertionError, type Logger, silentLogger } from "../runtime.ts";
import {
  ManifestRegressedError,
  ReplicaOptionsError,
  ReplicaStoppedError,
  StaleReplicaError,
} from "./errors.ts";
import { OverlayDisk } from "./overlay-disk.ts";
import { realReplicaStrategy, type ReplicaStrategy } from "./strategy.ts";

export interface ReadReplicaOptions {
  store: BlobStore;
  /** Key prefix of the database's objects. */
  prefix: string;
  manifestKey: string;
  /** The database kind the writer runs (its snapshots and WAL are opened with it). */
  driver: DatabaseDriver;
  disk: LocalDisk;
  /** Local directory of the replica's two image slots. */
  dir: string;
  clock: Clock;
  logger?: Logger;
  /** Pause between the end of one poll and the start of the next. */
  pollIntervalMs: number;
  /** A read is refused once the last confirmation is older than this; must exceed pollIntervalMs. */
  maxLagMs: number;
  chunkBytes?: number;
  parallelism?: number;
  restoreStrategy?: Partial<RestoreStrategy>;
  strategy?: Partial<ReplicaStrategy>;
}

/** What the replica serves: the manifest version, and when it was last confirmed. */
export interface ReplicaPosition {
  /** The served manifest's commitSeq (0: no manifest yet, the empty database). */
  commitSeq: number;
  /** The LSN the served state ends at. */
  resumeLsn: number;
  fencingToken: number;
  /** The store's version token (GCS: generation) of the served manifest. */
  version: VersionToken | null;
  /** Start of the last poll that confirmed the manifest (this replica's clock), null if none. */
  confirmedAtMs: number | null;
}

export interface ReplicaRead {
  rows: Row[];
  position: ReplicaPosition;
}

export type PollOutcome =
  | { kind: "confirmed" | "incremental" | "full"; position: ReplicaPosition }
  | { kind: "failed"; error: Error };

interface ServedState {
  manifest: Manifest | null;
  version: VersionToken | null;
  /** The opened read-only view; null for the empty database. */
  view: Database | null;
  /** Image slot holding the view's files. */
  slot: "a" | "b" | null;
}

function sameData(served: Manifest | null, next: Manifest): boolean {
  if (served === null) return next.snapshot === null && next.segments.length === 0;
  if ((served.snapshot?.key ?? null) !== (next.snapshot?.key ?? null)) return false;
  if (served.segments.length !== next.segments.length) return false;
  return served.segments.every((segment, index) => next.segments[index]?.key === segment.key);
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

export class ReadReplica {
  private served: ServedState = { manifest: null, version: null, view: null, slot: null };
  private confirmedAtMs: number | null = null;
  private imageDirty = false;
  private stopped = false;
  private polling: Promise<PollOutcome> | null = null;
  private loop: Promise<void> | null = null;
  /** Aborts the sleep between polls on stop (one per sleep: listeners never pile up). */
  private sleeping: AbortController | null = null;
  private readonly strategy: ReplicaStrategy;
  private readonly restoreStrategy: RestoreStrategy;
  private readonly logger: Logger;
  private readonly viewDriver: DatabaseDriver;
  /** The error of the last poll, null after a poll that confirmed. */
  lastError: Error | null = null;
  /** Polls by outcome, for metrics. */
  readonly polls = { confirmed: 0, incremental: 0, full: 0, failed: 0 };

  constructor(private readonly options: ReadReplicaOptions) {
    const { pollIntervalMs, maxLagMs } = options;
    if (!(Number.isFinite(pollIntervalMs) && pollIntervalMs > 0))
      throw new ReplicaOptionsError(
        "pollIntervalMs",
        `must be a positive number of ms, got ${pollIntervalMs}`,
      );
    if (!(Number.isFinite(maxLagMs) && maxLagMs > pollIntervalMs))
      throw new ReplicaOptionsError(
        "maxLagMs",
        `must exceed pollIntervalMs (${pollIntervalMs} ms), or even a healthy replica refuses reads between polls; got ${maxLagMs}`,
      );
    this.strategy = { ...realReplicaStrategy, ...options.strategy };
    this.restoreStrategy = { ...realRestoreStrategy, ...options.restoreStrategy };
    this.logger = options.logger ?? silentLogger;
    const driver = options.driver;
    // Every state is opened through an overlay: recovery's writes stay out of the image.
    this.viewDriver = {
      kind: driver.kind,
      layout: driver.layout,
      create: (disk, dir) => driver.create(new OverlayDisk(disk), dir),
      unpackSnapshot: (chunks, disk, dir) => driver.unpackSnapshot(chunks, disk, dir),
      open: (disk, dir) => driver.open(new OverlayDisk(disk), dir),
    };
  }

  get position(): ReplicaPosition {
    const manifest = this.served.manifest;
    return {
      commitSeq: manifest?.commitSeq ?? 0,
      resumeLsn: manifest?.resumeLsn ?? 0,
      fencingToken: manifest?.fencingToken ?? 0,
      version: this.served.version,
      confirmedAtMs: this.confirmedAtMs,
    };
  }

  /** Starts polling until `stop()`. Resolves when the loop ends. */
  start(): Promise<void> {
    assert(this.loop === null, "read replica started twice");
    this.loop = this.run();
    return this.loop;
  }

  stop(): void {
    this.stopped = true;
    this.sleeping?.abort(new ReplicaStoppedError());
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      await this.pollOnce().catch((error: unknown) => {
        if (error instanceof EngineAssertionError) throw error;
      });
      if (this.stopped) return;
      this.sleeping = new AbortController();
      await this.options.clock
        .sleepMs(this.options.pollIntervalMs, this.sleeping.signal)
        .catch(() => undefined);
      this.sleeping = null;
    }
  }

  /** One poll (a poll already under way is shared). Never throws but for broken invariants. */
  pollOnce(): Promise<PollOutcome> {
    if (this.stopped) return Promise.reject(new ReplicaStoppedError());
    if (this.polling) return this.polling;
    const polling = this.poll().finally(() => {
      this.polling = null;
    });
    this.polling = polling;
    return polling;
  }

  private async poll(): Promise<PollOutcome> {
    const { store, manifestKey, prefix, clock } = this.options;
    const startedAtMs = clock.nowMs();
    try {
      const next = await this.strategy.discover({ store, manifestKey, prefix, served: this.served.manifest });
      const kind = await this.adopt(next);
      if (this.stopped) throw new ReplicaStoppedError();
      assert(
        this.confirmedAtMs === null || startedAtMs >= this.confirmedAtMs,
        `confirmation went backwards: ${startedAtMs} < ${this.confirmedAtMs}`,
      );
      this.confirmedAtMs = startedAtMs;
      this.lastError = null;
      this.polls[kind]++;
      if (kind !== "confirmed") this.logger.log("replica.applied", { kind, ...this.logPosition() });
      return { kind, position: this.position };
    } catch (error) {
      if (error instanceof EngineAssertionError) throw error;
      const failure = error instanceof Error ? error : new Error(String(error));
      this.lastError = failure;
      this.polls.failed++;
      this.logger.log("replica.poll-failed", { error: describe(error), commitSeq: this.position.commitSeq });
      return { kind: "failed", error: failure };
    }
  }

  private logPosition(): Record<string, number | string | null> {
    const position = this.position;
    return {
      commitSeq: position.commitSeq,
      resumeLsn: position.resumeLsn,
      fencingToken: position.fencingToken,
      version: position.version,
    };
  }

  /** Brings the served state to `next`; returns how. Throws (state unchanged) if it cannot. */
  private async adopt(next: VersionedManifest | null): Promise<"confirmed" | "incremental" | "full"> {
    const served = this.served.manifest;
    const { manifestKey } = this.options;
    if (next === null) {
      // No manifest: nothing was ever committed. Once one was served it cannot vanish.
      if (served !== null) throw new ManifestRegressedError(manifestKey, served.commitSeq, 0);
      return "confirmed";
    }
    const manifest = next.manifest;
    if (served !== null && manifest.commitSeq < served.commitSeq)
      throw new ManifestRegressedError(manifestKey, served.commitSeq, manifest.commitSeq);
    if (sameData(served, manifest)) {
      // A fence stamp, or nothing new: the same state under a newer manifest version.
      this.swap({ ...this.served, manifest, version: next.version });
      return "confirmed";
    }
    if (manifest.snapshot === null) {
      if (manifest.segments.length > 0)
        throw new RestoreIntegrityError(manifestKey, "WAL ranges without a snapshot to apply them to");
      this.swap({ manifest, version: next.version, view: null, slot: null });
      return "full";
    }
    if (this.appendsOnly(manifest)) {
      const view = await this.applyRanges(manifest);
      this.swap({ manifest, version: next.version, view, slot: this.served.slot });
      return "incremental";
    }
    const slot = this.served.slot === "a" ? "b" : "a";
    const restored = await restoreDatabase({
      store: this.options.store,
      manifest,
      driver: this.viewDriver,
      disk: this.options.disk,
      dir: joinPath(this.options.dir, slot),
      clock: this.options.clock,
      logger: this.logger,
      chunkBytes: this.options.chunkBytes ?? RESTORE_CHUNK_BYTES_DEFAULT,
      parallelism: this.options.parallelism ?? RESTORE_PARALLELISM_DEFAULT,
      strategy: this.restoreStrategy,
    });
    this.imageDirty = false;
    this.swap({ manifest, version: next.version, view: restored.db, slot });
    return "full";
  }

  /** The manifest is the served one plus WAL ranges appended by the same writer. */
  private appendsOnly(next: Manifest): boolean {
    const served = this.served.manifest;
    if (served === null || served.snapshot === null || next.snapshot === null) return false;
    if (this.imageDirty || this.served.slot === null) return false;
    if (served.snapshot.key !== next.snapshot.key || served.fencingToken !== next.fencingToken) return false;
    if (next.segments.length <= served.segments.length) return false;
    return served.segments.every((segment, index) => next.segments[index]?.key === segment.key);
  }

  /** Writes the appended WAL ranges into the served image and opens the result. */
  private async applyRanges(next: Manifest): Promise<Database> {
    const served = this.served.manifest;
    assert(served !== null && this.served.slot !== null, "incremental apply needs a served image");
    const { disk, driver } = this.options;
    const dir = joinPath(this.options.dir, this.served.slot);
    const touched = new Set<string>();
    // A range half written leaves WAL past the served end in the image: rebuild from scratch
    // next time rather than risk replaying it.
    this.imageDirty = true;
    for (const segment of next.segments.slice(served.segments.length))
      await this.writeRange(dir, segment, touched);
    await this.restoreStrategy.finishWalFiles(disk, dir, driver.layout, [...touched].sort());
    this.imageDirty = false;
    return this.viewDriver.open(disk, dir);
  }

  /** One WAL range, verified against the manifest, written at its LSN positions (as restore does). */
  private async writeRange(dir: string, segment: SegmentRef, touched: Set<string>): Promise<void> {
    const { store, disk, driver, clock } = this.options;
    const chunks = this.restoreStrategy.readObject({
      store,
      key: segment.key,
      bytes: segment.bytes,
      sha256: segment.sha256,
      chunkBytes: this.options.chunkBytes ?? RESTORE_CHUNK_BYTES_DEFAULT,
      parallelism: this.options.parallelism ?? RESTORE_PARALLELISM_DEFAULT,
      meter: new BufferMeter(),
      clock,
    });
    await writeWalRange(chunks, segment, { disk, dir, layout: driver.layout, touched });
  }

  private swap(next: ServedState): void {
    const previous = this.served;
    const before = previous.manifest;
    const after = next.manifest;
    if (before !== null) {
      assert(after !== null, "served manifest went back to none");
      assert(
        after.commitSeq >= before.commitSeq,
        `served commitSeq went backwards: ${before.commitSeq} -> ${after.commitSeq}`,
      );
      if (after.resumeLsn < before.resumeLsn) {
        // Only a new snapshot cut behind the previous resume point may do this (B11 continuity;
        // the replica may first see it with WAL ranges already appended to it).
        assert(
          after.snapshot !== null && after.snapshot.key !== before.snapshot?.key,
          `served LSN went backwards: ${before.resumeLsn} -> ${after.resumeLsn} without a new snapshot`,
        );
        this.logger.log("replica.lsn-rewound", { from: before.resumeLsn, to: after.resumeLsn });
      }
    }
    this.served = next;
    if (previous.view !== null && previous.view !== next.view)
      void previous.view.close().catch(() => undefined);
  }

  /** Throws StaleReplicaError unless the state served was confirmed within the lag bound. */
  private readable(): ServedState {
    if (this.stopped) throw new ReplicaStoppedError();
    const nowMs = this.options.clock.nowMs();
    const { maxLagMs } = this.options;
    if (!this.strategy.fresh({ nowMs, confirmedAtMs: this.confirmedAtMs, maxLagMs }))
      throw new StaleReplicaError(this.confirmedAtMs, nowMs, maxLagMs);
    return this.served;
  }

  /** Every row of the served state, sorted by key, with the position it is at. */
  async readRows(): Promise<ReplicaRead> {
    const state = this.readable();
    const position = this.position;
    const rows = state.view === null ? [] : await state.view.readRows();
    return { rows: rows.map((row) => ({ key: row.key, value: row.value?.slice() ?? null })), position };
  }

  /** One row's value (null: absent) with the position it is at. */
  async get(key: string): Promise<{ value: Uint8Array | null; position: ReplicaPosition }> {
    const { rows, position } = await this.readRows();
    return { value: rows.find((row) => row.key === key)?.value ?? null, position };
  }
}
