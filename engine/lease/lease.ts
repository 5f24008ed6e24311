/**
 * The writer lease: at most one writer per database, with no coordination service, built on the
 * object store's conditional writes alone.
 *
 * - acquire: create-if-absent; a live holder is waited out for up to `acquireTimeoutMs` (B03),
 *   then LockedError naming the holder and its expiry. An expired or released lease is taken over
 *   by CAS on its version. The new fencing token is one above both the lease's and the manifest's
 *   (the token is sourced from the manifest, so it keeps rising even if the lease object is lost).
 * - after winning the lease object the holder fence-stamps the manifest (B04): from then on every
 *   older holder's manifest CAS fails. The stamp re-reads the manifest, so the holder adopts the
 *   state as it is AFTER it won the lease (B09), including a predecessor's last flush.
 * - renew: CAS on our own version of the lease object; refused means we were taken over.
 * - ensureLease: the request-path check before a commit (no background heartbeat is needed for
 *   correctness). Cheap while comfortably inside the TTL; otherwise it renews, which also
 *   self-heals a lease that went past its TTL while nobody took it over (E4-1).
 * - release: CAS-rewrite as released, so the next writer need not wait out the TTL.
 *
 * Clocks. Expiry is judged by the reader's own Clock against `expiresAtMs` written on the
 * holder's clock. Safety never depends on clocks: a holder that wrongly believes it still holds
 * the lease is stopped by the fence stamp (its manifest CAS fails). Clock skew only moves when a
 * takeover may happen. A taker whose clock runs δ ahead of the holder's sees expiry δ early;
 * `takeoverGraceMs` is added before a taker acts, so with |skew| ≤ takeoverGraceMs no holder is
 * taken over while its own clock says the lease is valid. The holder renews when less than
 * `renewMarginMs` remains on its clock, so a request-path renewal lands before expiry even with
 * store latency. Assumption (documented, not enforced): skew between instances stays below
 * takeoverGraceMs (default 5 s; NTP-synced cloud instances are within milliseconds).
 */
import { isNamedError } from "../named-error.ts";
import type { BlobStore, VersionToken } from "../blobstore/blob-store.ts";
import {
  conditionalWrite,
  resolveRetry,
  type RetryPolicy,
  SMALL_OBJECT_RETRY,
  withStoreRetries,
} from "../blobstore/conditional-write.ts";
import { FencedError } from "../manifest/errors.ts";
import {
  fenceStamp,
  type ManifestRetryOptions,
  readManifest,
  type VersionedManifest,
} from "../manifest/cas.ts";
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
import { decodeLease, encodeLease, LEASE_FORMAT_VERSION, type LeaseRecord } from "./lease-record.ts";
import type { Acquired, WriterLease } from "./writer-lease.ts";

export type { Acquired, WriterLease } from "./writer-lease.ts";

/** Someone else holds the lease and it has not expired. */
export class LockedError extends Error {
  override name = "LockedError";
  /** Matched by name: a copy of this class from another module instance matches too. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return isNamedError(value, this);
  }
  constructor(
    readonly key: string,
    readonly holder: string,
    readonly expiresAtMs: number,
    readonly waitedMs: number,
  ) {
    super(`${key} is locked by writer "${holder}" until ${expiresAtMs} (epoch ms; waited ${waitedMs} ms)`);
  }
}

export interface StampRequest {
  store: BlobStore;
  manifestKey: string;
  dbId: string;
  writerId: string;
  fencingToken: number;
  retry: ManifestRetryOptions;
}

/** A live holder's claim on the lease, as a would-be taker reads it from the lease record. */
export interface HolderClaim {
  holder: string;
  /** Until when the lease is the holder's: epoch ms on the holder's clock. */
  expiresAtMs: number;
}

/** What the request-path check does with the lease it holds: see LeaseSeams.requestPathCheck. */
export type RequestPathVerdict = "keep" | "renew" | "lost";

/** The replaceable parts of the lease protocol. The defaults are the engine; variants swap one. */
export interface LeaseSeams {
  /** How long acquire waits out a live holder before LockedError. */
  acquireTimeoutMs: number;
  /** What a new holder does to the manifest once it won the lease object: the fence stamp. */
  takeoverStamp(request: StampRequest): Promise<VersionedManifest>;
  /**
   * Which manifest state the new holder adopts: the one it read before waiting for the lease (if
   * any) or the one as of after the stamp. The engine always adopts the latter.
   */
  adoptManifest(beforeWait: VersionedManifest | null, afterStamp: VersionedManifest): VersionedManifest;
  /**
   * How a would-be taker reads the lease record: null if it is free (released), else who holds
   * it and until when. acquire waits that expiry (plus takeoverGraceMs) out and LockedError names
   * both (E1-1). The engine reads the record as its holder wrote it.
   */
  readClaim(record: LeaseRecord): HolderClaim | null;
  /**
   * The request-path check (ensureLease) from what is left of the lease on the holder's own
   * clock: "keep" it as is, "renew" it first (a CAS on our version: refused means taken over,
   * granted self-heals a lease that lapsed while nobody took it, E4-1), or give it up as "lost".
   * The engine keeps it while more than renewMarginMs is left and renews otherwise; it never
   * answers "lost", since only the renewal CAS can tell whether someone took the lease over.
   */
  requestPathCheck(remainingMs: number, renewMarginMs: number): RequestPathVerdict;
}

export const DEFAULT_LEASE_TTL_MS = 60_000;
/** Longer than TTL + grace, so a successor outwaits a predecessor that died holding the lease. */
export const DEFAULT_ACQUIRE_TIMEOUT_MS = 90_000;

export const realLeaseSeams: LeaseSeams = {
  acquireTimeoutMs: DEFAULT_ACQUIRE_TIMEOUT_MS,
  takeoverStamp: (request) =>
    fenceStamp(request.store, request.manifestKey, {
      fencingToken: request.fencingToken,
      writerId: request.writerId,
      dbId: request.dbId,
      retry: request.retry,
    }),
  adoptManifest: (_beforeWait, afterStamp) => afterStamp,
  readClaim: (record) =>
    record.released ? null : { holder: record.holder, expiresAtMs: record.expiresAtMs },
  requestPathCheck: (remainingMs, renewMarginMs) => (remainingMs > renewMarginMs ? "keep" : "renew"),
};

export interface LeaseOptions {
  store: BlobStore;
  /** The lease object's key (leaseKey(prefix)). */
  key: string;
  /** The manifest's key (manifestKey(prefix)): the source of fencing tokens. */
  manifestKey: string;
  dbId: string;
  /** This writer's identity, unique per process life. */
  holder: string;
  clock: Clock;
  logger?: Logger;
  /**
   * Told the moment acquire is about to return (the writer now believes it holds the lease and
   * may advance the manifest): the typed event the single-writer checker judges claims by.
   */
  onAcquired?: (claim: { holder: string; fencingToken: number }) => void;
  faults?: FaultPoints;
  ttlMs?: number;
  /** Added to the holder's expiry before a taker acts (covers clock skew). */
  takeoverGraceMs?: number;
  /** ensureLease renews when less than this remains. */
  renewMarginMs?: number;
  /** How often acquire looks again while a live holder has it (it also wakes at expiry). */
  pollIntervalMs?: number;
  retry?: Omit<ManifestRetryOptions, "clock">;
  seams?: Partial<LeaseSeams>;
}

export const LEASE_FAULT_POINTS = [
  {
    name: "lease.after-acquire-before-stamp",
    description: "won the lease object, the manifest not yet fence-stamped",
  },
  { name: "lease.after-stamp", description: "manifest fence-stamped, acquire not yet returned" },
  { name: "lease.before-renew", description: "about to CAS-renew the lease" },
] as const;

type Held = { record: LeaseRecord; version: VersionToken };

export class Lease implements WriterLease {
  private readonly ttlMs: number;
  private readonly takeoverGraceMs: number;
  private readonly renewMarginMs: number;
  private readonly pollIntervalMs: number;
  private readonly seams: LeaseSeams;
  private readonly logger: Logger;
  private readonly faults: FaultPoints;
  private readonly retry: RetryPolicy;
  private held: Held | null = null;
  private lost: FencedError | null = null;
  private renewing: Promise<void> | null = null;

  constructor(private readonly options: LeaseOptions) {
    this.ttlMs = options.ttlMs ?? DEFAULT_LEASE_TTL_MS;
    this.takeoverGraceMs = options.takeoverGraceMs ?? 5_000;
    this.renewMarginMs = options.renewMarginMs ?? Math.floor(this.ttlMs / 2);
    this.pollIntervalMs = options.pollIntervalMs ?? 1_000;
    this.seams = { ...realLeaseSeams, ...options.seams };
    this.logger = options.logger ?? silentLogger;
    this.faults = options.faults ?? noFaults;
    this.retry = resolveRetry({ ...options.retry, clock: options.clock }, SMALL_OBJECT_RETRY);
    assert(this.ttlMs > 0 && this.renewMarginMs < this.ttlMs, "renewMarginMs must be below ttlMs");
  }

  get fencingToken(): number {
    assert(this.held, "lease not held");
    return this.held.record.fencingToken;
  }

  get holder(): string {
    return this.options.holder;
  }

  get holds(): boolean {
    return this.held !== null;
  }

  /** Milliseconds left on our own clock (negative once past). */
  remainingMs(): number {
    assert(this.held, "lease not held");
    return this.held.record.expiresAtMs - this.options.clock.nowMs();
  }

  /**
   * Acquires the lease and fence-stamps the manifest. `beforeWait` is a manifest the caller read
   * before (to start restoring early); the result says which state to serve.
   */
  async acquire(beforeWait: VersionedManifest | null = null): Promise<Acquired> {
    assert(!this.held, "acquire while already holding the lease");
    const { key, clock, holder } = this.options;
    const startedMs = clock.nowMs();
    const deadlineMs = startedMs + this.seams.acquireTimeoutMs;
    let waited = false;
    for (;;) {
      const current = await this.readLease();
      const claim = current ? this.seams.readClaim(current.record) : null;
      if (claim && !this.takeable(claim)) {
        const nowMs = clock.nowMs();
        if (nowMs >= deadlineMs) {
          this.logger.log("lease.locked", { key, holder: claim.holder, expiresAtMs: claim.expiresAtMs });
          reach(this.faults, "lease.locked-out");
          throw new LockedError(key, claim.holder, claim.expiresAtMs, nowMs - startedMs);
        }
        // Wake at the expiry (plus grace) or at the next poll, whichever is first: a release
        // is seen at the poll.
        const untilTakeableMs = claim.expiresAtMs + this.takeoverGraceMs - nowMs + 1;
        await clock.sleepMs(Math.max(1, Math.min(this.pollIntervalMs, untilTakeableMs, deadlineMs - nowMs)));
        waited = true;
        if (buggify(this.faults, "lease.poll-late")) await clock.sleepMs(BUGGIFY_DELAY_MS);
        continue;
      }
      // A taker that saw the lease takeable stalls before claiming it (another may claim first).
      if (buggify(this.faults, "lease.slow-before-claim")) await clock.sleepMs(BUGGIFY_DELAY_MS);
      const manifest = await readManifest(this.options.store, this.options.manifestKey, this.retry);
      const floor = Math.max(current?.record.fencingToken ?? 0, manifest?.manifest.fencingToken ?? 0);
      const nowMs = clock.nowMs();
      const record: LeaseRecord = {
        formatVersion: LEASE_FORMAT_VERSION,
        holder,
        fencingToken: floor + 1,
        acquiredAtMs: nowMs,
        expiresAtMs: nowMs + this.ttlMs,
        released: false,
      };
      const version = await this.conditionalWrite(record, current?.version ?? null);
      if (version === null) {
        reach(this.faults, "lease.lost-race");
        continue; // another taker won this round; look again
      }
      this.held = { record, version };
      this.lost = null;
      const tookOver = current !== null;
      if (tookOver) reach(this.faults, "lease.took-over");
      if (tookOver && waited) reach(this.faults, "lease.takeover-after-wait");
      this.logger.log("lease.won", { key, holder, fencingToken: record.fencingToken, tookOver });
      await this.faults.hit("lease.after-acquire-before-stamp");
      if (buggify(this.faults, "lease.slow-before-stamp")) await clock.sleepMs(BUGGIFY_DELAY_MS);
      const stamped = await this.stamp();
      await this.faults.hit("lease.after-stamp");
      const adopted = this.seams.adoptManifest(beforeWait, stamped);
      this.logger.log("lease.acquired", {
        key,
        holder,
        fencingToken: record.fencingToken,
        manifestVersion: adopted.version,
        commitSeq: adopted.manifest.commitSeq,
      });
      this.options.onAcquired?.({ holder, fencingToken: record.fencingToken });
      return { fencingToken: record.fencingToken, manifest: adopted, tookOver };
    }
  }

  private async stamp(): Promise<VersionedManifest> {
    assert(this.held, "stamp without the lease");
    try {
      return await this.seams.takeoverStamp({
        store: this.options.store,
        manifestKey: this.options.manifestKey,
        dbId: this.options.dbId,
        writerId: this.options.holder,
        fencingToken: this.held.record.fencingToken,
        retry: this.retry,
      });
    } catch (error) {
      // A newer holder already stamped (we were slow between winning and stamping): we lost.
      if (error instanceof FencedError) {
        reach(this.faults, "lease.stamp-fenced");
        this.markLost(error);
      }
      throw error;
    }
  }

  /**
   * Renews by CAS on our own version. FencedError if someone took the lease over. Concurrent
   * calls (a heartbeat and a request path's ensureLease) share one renewal: two CASes on the same
   * version would refuse one of them and the holder would fence itself.
   */
  renew(): Promise<void> {
    this.renewing ??= this.renewOnce().finally(() => {
      this.renewing = null;
    });
    return this.renewing;
  }

  private async renewOnce(): Promise<void> {
    const held = this.requireHeld();
    await this.faults.hit("lease.before-renew");
    if (buggify(this.faults, "lease.slow-renew")) await this.options.clock.sleepMs(BUGGIFY_DELAY_MS);
    const nowMs = this.options.clock.nowMs();
    const record: LeaseRecord = {
      ...held.record,
      expiresAtMs: Math.max(nowMs + this.ttlMs, held.record.expiresAtMs),
    };
    const version = await this.conditionalWrite(record, held.version);
    if (version === null) {
      reach(this.faults, "lease.renew-refused");
      const current = await this.readLease().catch(() => null);
      throw this.markLost(
        new FencedError(
          held.record.fencingToken,
          `renew refused: lease now held by ${current?.record.holder ?? "nobody"}`,
          current ? { holder: current.record.holder, fencingToken: current.record.fencingToken } : null,
        ),
      );
    }
    this.held = { record, version };
    this.logger.log("lease.renewed", {
      holder: record.holder,
      fencingToken: record.fencingToken,
      expiresAtMs: record.expiresAtMs,
    });
  }

  /**
   * The request-path check before every commit: throws FencedError if the lease is lost, renews
   * if little of it remains (or it lapsed while idle and nobody took it: self-heal).
   */
  async ensureLease(): Promise<void> {
    const held = this.requireHeld();
    const remainingMs = this.remainingMs();
    const verdict = this.seams.requestPathCheck(remainingMs, this.renewMarginMs);
    if (verdict === "keep") return;
    if (verdict === "lost")
      throw this.markLost(
        new FencedError(
          held.record.fencingToken,
          `request-path check gave the lease up with ${remainingMs} ms left`,
        ),
      );
    await this.renew();
  }

  /** Gives the lease up so a successor need not wait for the TTL. Idempotent. */
  async release(): Promise<void> {
    if (!this.held) return;
    const held = this.held;
    this.held = null;
    if (buggify(this.faults, "lease.slow-release")) await this.options.clock.sleepMs(BUGGIFY_DELAY_MS);
    const record: LeaseRecord = { ...held.record, released: true, expiresAtMs: this.options.clock.nowMs() };
    const version = await this.conditionalWrite(record, held.version);
    this.logger.log("lease.released", {
      holder: record.holder,
      fencingToken: record.fencingToken,
      ok: version !== null,
    });
  }

  /** Records that we were fenced; every later call fails fast with it. */
  markLost(error: FencedError): FencedError {
    if (this.held) this.logger.log("lease.lost", { holder: this.options.holder, reason: error.detail });
    this.held = null;
    this.lost = error;
    return error;
  }

  private requireHeld(): Held {
    if (this.held) return this.held;
    if (this.lost) throw this.lost;
    throw new FencedError(0, "lease not held");
  }

  /** A live claim is takeable once past its expiry plus the grace, on our own clock. */
  private takeable(claim: HolderClaim): boolean {
    return this.options.clock.nowMs() > claim.expiresAtMs + this.takeoverGraceMs;
  }

  private async readLease(): Promise<Held | null> {
    const object = await withStoreRetries(this.retry, () => this.options.store.get(this.options.key));
    if (!object) return null;
    return { record: decodeLease(object.bytes, this.options.key), version: object.version };
  }

  /**
   * Writes `record` if the lease object is still at `expected` (null: absent). Returns the new
   * version, or null if the precondition failed (another writer moved the lease). An ambiguous
   * write is resolved by reading back (conditional-write.ts).
   */
  private async conditionalWrite(
    record: LeaseRecord,
    expected: VersionToken | null,
  ): Promise<VersionToken | null> {
    const outcome = await conditionalWrite(
      this.options.store,
      {
        key: this.options.key,
        bytes: encodeLease(record),
        precondition: expected === null ? { ifNoneMatch: true } : { ifMatch: expected },
        kind: "compare-and-swap",
      },
      this.retry,
    );
    return outcome.landed ? outcome.version : null;
  }
}
