/**
 * What every lease scenario builds: one database prefix on a SimBlobStore, the single-writer
 * tap, and writers (SimProcesses) that hold a Lease and commit WAL ranges to the manifest through
 * commitFenced. A writer's commits are toy WAL ranges (no database behind them): enough to tell
 * which acked commit survived, which is all the lease properties need.
 */
import type { BlobStore } from "../../engine/blobstore/blob-store.ts";
import { type Acquired, commitFenced, leaseKey } from "../../engine/lease/index.ts";
import { type Manifest, manifestKey, type VersionedManifest } from "../../engine/manifest/index.ts";
import { type LeaseTuning, openLease, type WriterLease } from "../../engine/node/index.ts";
import type { FaultPoints } from "../../engine/runtime.ts";
import { checkSingleWriter } from "../../invariants/single-writer.ts";
import { SingleWriterTap } from "../../invariants/single-writer-tap.ts";
import { type BlobStoreOptions, SimBlobStore } from "../../sim/blob-store.ts";
import { withReach } from "../../sim/reach.ts";
import type { SimProcess } from "../../sim/process.ts";
import type { TraceEvent } from "../../sim/trace.ts";
import type { World } from "../../sim/world.ts";
import type { ScenarioContext } from "../scenario.ts";
import { seamedStore } from "../store/seams.ts";

export const DB_ID = "db1";
export const PREFIX = "db1";
export const LEASE_TTL_MS = 60_000;
export const TAKEOVER_GRACE_MS = 5_000;

/** One acked commit: its WAL range must be in the final manifest. */
export interface AckedCommit {
  writer: string;
  fencingToken: number;
  segmentKey: string;
  atMs: number;
}

export class LeaseWorld {
  readonly store: SimBlobStore;
  readonly tap: SingleWriterTap;
  readonly leaseKey = leaseKey(PREFIX);
  readonly manifestKey = manifestKey(PREFIX);
  readonly acked: AckedCommit[] = [];
  readonly world: World;
  private readonly context: ScenarioContext;

  constructor(context: ScenarioContext, storeOptions: Partial<BlobStoreOptions> = {}) {
    this.context = context;
    this.world = context.world;
    this.store = new SimBlobStore(context.world, storeOptions);
    this.tap = new SingleWriterTap(context.world, this.store, this.leaseKey, this.manifestKey);
  }

  client(process: SimProcess): BlobStore {
    return seamedStore(this.context.seams.blobstore, this.store.client(process));
  }

  /** A lease for `process` with the engine defaults, the variant's seams, then `overrides`. */
  lease(process: SimProcess, overrides: LeaseTuning = {}): WriterLease {
    return openLease({
      store: this.client(process),
      prefix: PREFIX,
      dbId: DB_ID,
      holder: process.name,
      clock: process.clock,
      logger: this.tap.logger(process),
      ttlMs: LEASE_TTL_MS,
      takeoverGraceMs: TAKEOVER_GRACE_MS,
      ...overrides,
      faults: withReach(this.world, overrides.faults),
      seams: { ...this.context.seams.lease, ...overrides.seams },
    });
  }

  /** Commits one toy WAL range of `bytes` on `base` under `lease`; records the ack. */
  async commit(
    process: SimProcess,
    lease: WriterLease,
    base: VersionedManifest,
    bytes: number,
    faults?: FaultPoints,
  ): Promise<VersionedManifest> {
    const token = lease.fencingToken;
    const startLsn = base.manifest.resumeLsn;
    const endLsn = startLsn + bytes;
    const segmentKey = `${PREFIX}/wal/${token}-${startLsn}-${endLsn}`;
    const next: Manifest = {
      ...base.manifest,
      fencingToken: token,
      writerId: lease.holder,
      commitSeq: base.manifest.commitSeq + 1,
      segments: [
        ...base.manifest.segments,
        { key: segmentKey, startLsn, endLsn, bytes, sha256: `sha-${segmentKey}`, fencingToken: token },
      ],
      resumeLsn: endLsn,
    };
    const committed = await commitFenced(
      {
        store: this.client(process),
        manifestKey: this.manifestKey,
        lease,
        retry: { clock: process.clock },
        faults: withReach(this.world, faults),
      },
      base,
      next,
    );
    this.acked.push({ writer: process.name, fencingToken: token, segmentKey, atMs: this.world.nowMs });
    process.log("commit.acked", { segmentKey, fencingToken: token, commitSeq: next.commitSeq });
    return committed;
  }

  /** Acquires then commits `commits` ranges, pausing `gapMs()` between them. */
  async writerSession(
    process: SimProcess,
    lease: WriterLease,
    commits: number,
    gapMs: () => number,
    faults?: FaultPoints,
  ): Promise<Acquired> {
    const acquired = await lease.acquire();
    let state = acquired.manifest;
    for (let n = 0; n < commits; n++) {
      await process.sleep(gapMs());
      state = await this.commit(process, lease, state, 100 + process.rng.int(0, 900), faults);
    }
    return acquired;
  }

  /** The final manifest as stored (decoded), or null. */
  finalManifest(): Manifest | null {
    const object = this.store.objects().get(this.manifestKey);
    if (!object) return null;
    return JSON.parse(new TextDecoder().decode(object.bytes)) as Manifest;
  }

  /** Every acked commit's range must be in the final manifest (acked-write durability). */
  checkAckedDurable(): number {
    const final = this.finalManifest();
    const present = new Set(final?.segments.map((segment) => segment.key) ?? []);
    const lost = this.acked.filter((ack) => !present.has(ack.segmentKey));
    if (lost.length === 0) return 0;
    const first = lost[0]!;
    const event: TraceEvent = {
      t: first.atMs,
      p: first.writer,
      k: "commit.acked",
      f: { segmentKey: first.segmentKey, fencingToken: first.fencingToken },
    };
    this.world.violate(
      "acked-write-durability",
      `${lost.length} acked commits missing from the final manifest, first ${first.segmentKey} acked by ${first.writer} at ${first.atMs} ms (final commitSeq ${final?.commitSeq ?? "none"})`,
      [event],
    );
    return lost.length;
  }

  checkSingleWriter(): number {
    return checkSingleWriter(this.world, this.tap);
  }
}

/** Fault points that run `onHit(point, visit)` and then hold the caller while it is paused. */
export function pausingFaults(
  process: SimProcess,
  onHit: (point: string, visit: number) => void,
): FaultPoints {
  const visits = new Map<string, number>();
  return {
    hit(point) {
      const visit = (visits.get(point) ?? 0) + 1;
      visits.set(point, visit);
      onHit(point, visit);
      return process.guard(Promise.resolve());
    },
  };
}

/** Starts `body` in `process`; a crash is traced and passed to `onCrash`, never rethrown. */
export function launch(
  process: SimProcess,
  body: (self: SimProcess) => Promise<void>,
  onCrash: (error: unknown) => void = () => undefined,
): void {
  void process.start(body).catch(onCrash);
}
