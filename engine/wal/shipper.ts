/**
 * The WAL shipper: makes a database's local WAL durable in the object store, one commit at a
 * time. A commit uploads one data object, a WAL range [resumeLsn, flushLsn) or a full snapshot,
 * under a key that embeds the writer's fencing token (write-once, B08), then CASes the manifest
 * to reference it. Only when the CAS has landed is the commit durable; `sync()` resolves then.
 *
 * Group commit: callers of `sync()` that arrive while no commit is being prepared share the next
 * one. Each commit waits until `commitIntervalMs` after the previous manifest CAS, so the
 * manifest's mutation rate stays under the store's per-object cap (GCS: about 1/s); writes made
 * during that wait ride along in the same LSN range. 429s are retried with backoff.
 *
 * The rules of what to ship (zero delta, writer lives, continuity, compaction) are in plan.ts.
 * A manifest conflict means another writer owns the database now: the shipper is fenced and
 * refuses every later commit (FencedError).
 */
import { collectBytes } from "../bytes.ts";
import type { BlobStore } from "../blobstore/blob-store.ts";
import type { Database, Lsn } from "../db/database.ts";
import { WalUnavailableError } from "../db/database.ts";
import type { LocalDisk } from "../db/local-disk.ts";
import { casManifest, readManifest, type VersionedManifest } from "../manifest/cas.ts";
import { FencedError, ManifestConflictError } from "../manifest/errors.ts";
import type { Manifest, SegmentRef, SnapshotRef } from "../manifest/manifest.ts";
import {
  assert,
  BUGGIFY_DELAY_MS,
  buggify,
  type Clock,
  type FaultPoints,
  type Logger,
  noFaults,
  reach,
  silentLogger,
} from "../runtime.ts";
import { DEFAULT_STORE_RETRY, putDataObject, type StoreRetryOptions, sha256Hex } from "./data-objects.ts";
import { type CommitPlan, continuityViolated, type PlanInput } from "./plan.ts";
import { realWalStrategy, type WalStrategy } from "./strategy.ts";

/** Compaction threshold: the WAL tail since the snapshot rolls into a new one past this (E2C-2). */
export const COMPACT_AT_BYTES_DEFAULT = 16 * 1024 * 1024;
/** Spacing of manifest CASes: GCS sustains about one mutation per second per object. */
export const COMMIT_INTERVAL_MS_DEFAULT = 1_000;

export interface WalShipperOptions {
  store: BlobStore;
  /** Key prefix of this database's objects. */
  prefix: string;
  manifestKey: string;
  writerId: string;
  fencingToken: number;
  /** The manifest as this writer stamped it after acquiring the lease (read after acquire, B09). */
  base: VersionedManifest;
  db: Database;
  disk: LocalDisk;
  dir: string;
  clock: Clock;
  faults?: FaultPoints;
  logger?: Logger;
  compactAtBytes?: number;
  commitIntervalMs?: number;
  storeRetry?: Partial<Omit<StoreRetryOptions, "clock">>;
  strategy?: Partial<WalStrategy>;
  /** Called with every manifest a commit of this writer landed (auto-backup hooks in here). */
  onCommitted?: (manifest: Manifest) => void;
}

export interface CommitOutcome {
  kind: CommitPlan["kind"];
  reason: string | null;
  /** The manifest's commitSeq after this commit (unchanged for "nothing"). */
  commitSeq: number;
  /** Bytes uploaded by this commit. */
  uploadedBytes: number;
  key: string | null;
}

export class WalShipper {
  private manifest: Manifest;
  private version: string;
  private readonly strategy: WalStrategy;
  private readonly faults: FaultPoints;
  private readonly logger: Logger;
  private readonly retry: StoreRetryOptions;
  private readonly compactAtBytes: number;
  private readonly commitIntervalMs: number;
  private firstCommitOfLife = true;
  private snapshotDemanded = false;
  private fencedBy: FencedError | null = null;
  private chain: Promise<unknown> = Promise.resolve();
  private pending: Promise<CommitOutcome> | null = null;
  private lastCasAtMs = Number.NEGATIVE_INFINITY;

  private constructor(
    private readonly options: WalShipperOptions,
    readonly lifeBaseLsn: Lsn,
  ) {
    this.manifest = options.base.manifest;
    this.version = options.base.version;
    this.strategy = { ...realWalStrategy, ...options.strategy };
    this.faults = options.faults ?? noFaults;
    this.logger = options.logger ?? silentLogger;
    this.retry = { clock: options.clock, ...DEFAULT_STORE_RETRY, ...options.storeRetry };
    this.compactAtBytes = options.compactAtBytes ?? COMPACT_AT_BYTES_DEFAULT;
    this.commitIntervalMs = options.commitIntervalMs ?? COMMIT_INTERVAL_MS_DEFAULT;
    assert(
      this.manifest.fencingToken === options.fencingToken,
      `shipper built on a manifest stamped ${this.manifest.fencingToken}, not ${options.fencingToken}`,
    );
  }

  /** A shipper for a database this life just opened (restored from `options.base`). */
  static async open(options: WalShipperOptions): Promise<WalShipper> {
    const lifeBaseLsn = await options.db.flushLsn();
    const shipper = new WalShipper(options, lifeBaseLsn);
    const resumeLsn = shipper.manifest.resumeLsn;
    shipper.logger.log("wal.open", { lifeBaseLsn, resumeLsn, token: options.fencingToken });
    if (shipper.manifest.snapshot !== null && lifeBaseLsn < resumeLsn) {
      // The recovered cluster ends before what the bucket claims was shipped (B11): never
      // compute deltas against that resume point; the next commit snapshots the actual state.
      shipper.logger.log("wal.continuity-violation", { at: "boot", clusterLsn: lifeBaseLsn, resumeLsn });
      shipper.snapshotDemanded = true;
    }
    return shipper;
  }

  get currentManifest(): Manifest {
    return this.manifest;
  }

  /**
   * Resolves once everything the database held when this was called is durable in the store
   * (or rejects if that could not be made so). Concurrent callers share one commit.
   */
  sync(): Promise<CommitOutcome> {
    if (this.fencedBy) return Promise.reject(this.fencedBy);
    if (this.pending) return this.pending;
    const next = this.chain.then(
      () => this.pacedCommit(),
      () => this.pacedCommit(),
    );
    this.pending = next;
    this.chain = next.catch(() => undefined);
    return next;
  }

  private async pacedCommit(): Promise<CommitOutcome> {
    const waitMs = Math.max(0, this.lastCasAtMs + this.commitIntervalMs - this.options.clock.nowMs());
    // Always yield once: writes issued at the same instant join this commit.
    await this.options.clock.sleepMs(waitMs);
    this.pending = null; // callers from here on need the next commit
    if (this.fencedBy) throw this.fencedBy;
    return this.commitOnce();
  }

  private planInput(walEndLsn: Lsn): PlanInput {
    const tailBytes = this.manifest.segments.reduce((sum, segment) => sum + segment.bytes, 0);
    return {
      walEndLsn,
      resumeLsn: this.manifest.resumeLsn,
      lifeBaseLsn: this.lifeBaseLsn,
      firstCommitOfLife: this.firstCommitOfLife,
      tailBytes,
      compactAtBytes: this.compactAtBytes,
      snapshotDemanded: this.snapshotDemanded,
      hasSnapshot: this.manifest.snapshot !== null,
    };
  }

  private async commitOnce(): Promise<CommitOutcome> {
    const { db, disk, dir } = this.options;
    const walEndLsn = await this.strategy.walEnd({
      db,
      disk,
      dir,
      lifeBaseLsn: this.lifeBaseLsn,
      resumeLsn: this.manifest.resumeLsn,
    });
    const input = this.planInput(walEndLsn);
    if (continuityViolated(input))
      this.logger.log("wal.continuity-violation", {
        at: "commit",
        clusterLsn: walEndLsn,
        resumeLsn: input.resumeLsn,
      });
    let plan = this.strategy.plan(input);
    if (plan.kind === "nothing") {
      this.logger.log("wal.commit", { kind: "nothing", reason: plan.reason, walEndLsn });
      return {
        kind: "nothing",
        reason: plan.reason,
        commitSeq: this.manifest.commitSeq,
        uploadedBytes: 0,
        key: null,
      };
    }
    let bytes: Uint8Array | null = null;
    if (plan.kind === "segment") {
      try {
        bytes = await db.readWal(plan.startLsn, plan.endLsn);
      } catch (error) {
        if (!(error instanceof WalUnavailableError)) throw error;
        this.logger.log("wal.range-unavailable", { startLsn: plan.startLsn, endLsn: plan.endLsn });
        reach(this.faults, "commit.range-unavailable");
        plan = { kind: "snapshot", reason: "demanded" };
      }
    }
    let startLsn: Lsn;
    let endLsn: Lsn;
    if (plan.kind === "segment") {
      startLsn = plan.startLsn;
      endLsn = plan.endLsn;
    } else {
      reach(this.faults, "commit.snapshot");
      endLsn = await db.checkpoint();
      startLsn = endLsn;
      bytes = await collectBytes(db.snapshot());
    }
    assert(bytes !== null, "commit has bytes to upload");
    return this.upload(plan, startLsn, endLsn, bytes);
  }

  private async upload(
    plan: CommitPlan,
    startLsn: Lsn,
    endLsn: Lsn,
    bytes: Uint8Array,
  ): Promise<CommitOutcome> {
    const { store, fencingToken } = this.options;
    const kind = plan.kind === "segment" ? "segment" : "snapshot";
    const dataSeq = (this.manifest.dataSeq ?? 0) + 1;
    const name = this.strategy.dataObject({
      prefix: this.options.prefix,
      kind,
      dataSeq,
      fencingToken,
      startLsn,
      endLsn,
    });
    const sha256 = sha256Hex(bytes);
    await this.faults.hit("commit.before-segment-put");
    if (buggify(this.faults, "commit.slow-before-data-put"))
      await this.options.clock.sleepMs(BUGGIFY_DELAY_MS);
    await putDataObject(store, name.key, bytes, name.putOptions, this.retry);
    await this.faults.hit("commit.after-segment-put");

    const base = this.manifest;
    const common = {
      ...base,
      fencingToken,
      writerId: this.options.writerId,
      commitSeq: base.commitSeq + 1,
      dataSeq,
      lifeBaseLsn: this.lifeBaseLsn,
    };
    let next: Manifest;
    if (kind === "segment") {
      const segment: SegmentRef = {
        key: name.key,
        startLsn,
        endLsn,
        bytes: bytes.length,
        sha256,
        fencingToken,
      };
      next = { ...common, segments: [...base.segments, segment], resumeLsn: endLsn };
    } else {
      const snapshot: SnapshotRef = { key: name.key, bytes: bytes.length, sha256, lsn: endLsn, fencingToken };
      next = {
        ...common,
        snapshot,
        // The compacted-away snapshot stays as a one-back backup (E2C-2).
        previousSnapshot: base.snapshot ?? base.previousSnapshot,
        segments: [],
        resumeLsn: endLsn,
      };
    }
    if (buggify(this.faults, "commit.slow-before-cas")) await this.options.clock.sleepMs(BUGGIFY_DELAY_MS);
    await this.faults.hit("commit.before-manifest-cas");
    await this.casOrFence(next);
    this.firstCommitOfLife = false;
    if (kind === "snapshot") this.snapshotDemanded = false;
    const reason = plan.kind === "snapshot" ? plan.reason : null;
    this.logger.log("wal.commit", {
      kind,
      reason,
      commitSeq: next.commitSeq,
      startLsn,
      endLsn,
      bytes: bytes.length,
      key: name.key,
    });
    if (buggify(this.faults, "commit.slow-before-ack")) await this.options.clock.sleepMs(BUGGIFY_DELAY_MS);
    await this.faults.hit("commit.after-cas-before-ack");
    return { kind, reason, commitSeq: next.commitSeq, uploadedBytes: bytes.length, key: name.key };
  }

  private async casOrFence(next: Manifest): Promise<void> {
    const { store, manifestKey, fencingToken } = this.options;
    try {
      this.version = await casManifest(store, manifestKey, this.version, next, {
        clock: this.options.clock,
        attemptsMax: this.retry.attemptsMax,
        backoffBaseMs: this.retry.backoffBaseMs,
        backoffMaxMs: this.retry.backoffMaxMs,
      });
      this.manifest = next;
      this.lastCasAtMs = this.options.clock.nowMs();
      this.options.onCommitted?.(next);
    } catch (error) {
      if (!(error instanceof ManifestConflictError)) throw error;
      // Someone else moved the manifest: a newer holder. Whatever we uploaded is garbage nobody
      // references (its key embeds our token, so it overwrote nothing).
      const current = await readManifest(store, manifestKey).catch(() => null);
      const holder = current?.manifest ?? null;
      this.fencedBy = new FencedError(
        fencingToken,
        "manifest CAS refused at commit",
        holder ? { holder: holder.writerId, fencingToken: holder.fencingToken } : null,
      );
      this.logger.log("wal.fenced", { token: fencingToken, by: holder?.fencingToken ?? null });
      reach(this.faults, "commit.fenced-at-cas");
      throw this.fencedBy;
    }
  }
}
