/**
 * What every lease scenario builds: one database prefix on a SimBlobStore, the single-writer
 * tap, and writers (SimProcesses) holding the writer role of the scenario's binding
 * (engine/node/roles.ts; blobsim's engine unless the seams name another). A writer's commits are
 * toy WAL ranges (no database behind them): enough to tell which acked commit survived, which is
 * all the lease properties need. Nothing here knows the engine's record formats: lease and
 * manifest bytes are read through the binding's decoders.
 */
import type { BlobStore } from "../../engine/blobstore/blob-store.ts";
import {
  type AcquiredRole,
  blobsimBinding,
  type DecodedLease,
  type DecodedManifest,
  type EngineBinding,
  type WriterRole,
} from "../../engine/node/index.ts";
import type { FaultPoints } from "../../engine/runtime.ts";
import { checkSingleWriter } from "../../invariants/single-writer.ts";
import { SingleWriterTap } from "../../invariants/single-writer-tap.ts";
import { type BlobStoreOptions, SimBlobStore } from "../../sim/blob-store.ts";
import { withReach } from "../../sim/reach.ts";
import type { SimProcess } from "../../sim/process.ts";
import type { TraceEvent } from "../../sim/trace.ts";
import { virtualize, virtualized } from "../../sim/virtualize.ts";
import type { World } from "../../sim/world.ts";
import type { ScenarioContext } from "../scenario.ts";
import { seamedStore } from "../store/seams.ts";

export const DB_ID = "db1";
export const PREFIX = "db1";
export const LEASE_TTL_MS = 60_000;
export const TAKEOVER_GRACE_MS = 5_000;

/** A writer's tuning a scenario may override. */
export interface WriterTuning {
  acquireTimeoutMs?: number;
  faults?: FaultPoints;
}

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
  readonly binding: EngineBinding;
  readonly leaseKey: string;
  readonly manifestKey: string;
  readonly acked: AckedCommit[] = [];
  readonly world: World;
  private readonly context: ScenarioContext;

  constructor(context: ScenarioContext, storeOptions: Partial<BlobStoreOptions> = {}) {
    this.context = context;
    this.world = context.world;
    this.binding = context.seams.binding ?? blobsimBinding(context.seams.lease);
    const keys = this.binding.keys(PREFIX);
    this.leaseKey = keys.lease;
    this.manifestKey = keys.manifest;
    this.store = new SimBlobStore(context.world, storeOptions);
    this.tap = new SingleWriterTap(context.world, this.store, this.leaseKey, this.manifestKey);
  }

  client(process: SimProcess): BlobStore {
    return seamedStore(this.context.seams.blobstore, this.store.client(process));
  }

  /** The binding's writer for `process` with the scenario's TTL and grace, then `overrides`. */
  lease(process: SimProcess, overrides: WriterTuning = {}): WriterRole {
    const open = () =>
      this.binding.openWriter({
        store: this.client(process),
        prefix: PREFIX,
        dbId: DB_ID,
        holder: process.name,
        clock: process.clock,
        logger: process,
        events: this.tap.events(process),
        leaseTtlMs: LEASE_TTL_MS,
        takeoverGraceMs: TAKEOVER_GRACE_MS,
        ...overrides,
        faults: withReach(this.world, overrides.faults),
      });
    if (!this.binding.realTimers) return open();
    // Code on real timers runs as a virtual process; its timers stop when the process's body ends.
    const writer = virtualized(process, virtualize(process, open));
    process.onExit(() => void writer.close());
    return writer;
  }

  /** The manifest state a successor reads before it waits for the lease. */
  readEarly(process: SimProcess): Promise<unknown> {
    const read = () =>
      this.binding.readEarly({ store: this.client(process), prefix: PREFIX, clock: process.clock });
    return this.binding.realTimers ? virtualize(process, read) : read();
  }

  /** Commits one toy WAL range of `bytes` on `base` under `lease`; records the ack. */
  async commit(
    process: SimProcess,
    lease: WriterRole,
    base: unknown,
    bytes: number,
    faults?: FaultPoints,
  ): Promise<unknown> {
    const token = lease.fencingToken;
    const ack = await lease.commit(base, bytes, withReach(this.world, faults));
    const segmentKey = ack.objectKey;
    this.acked.push({ writer: process.name, fencingToken: token, segmentKey, atMs: this.world.nowMs });
    process.log("commit.acked", {
      segmentKey,
      fencingToken: token,
      ...(ack.commitSeq !== undefined ? { commitSeq: ack.commitSeq } : {}),
    });
    return ack.manifest;
  }

  /** A lease object's bytes, decoded by the binding. */
  decodeLease(bytes: Uint8Array): DecodedLease {
    return this.binding.decodeLease(bytes, this.leaseKey);
  }

  /** Acquires then commits `commits` ranges, pausing `gapMs()` between them. */
  async writerSession(
    process: SimProcess,
    lease: WriterRole,
    commits: number,
    gapMs: () => number,
    faults?: FaultPoints,
  ): Promise<AcquiredRole> {
    const acquired = await lease.acquire();
    let state = acquired.manifest;
    for (let n = 0; n < commits; n++) {
      await process.sleep(gapMs());
      state = await this.commit(process, lease, state, 100 + process.rng.int(0, 900), faults);
    }
    return acquired;
  }

  /** The final manifest as stored (decoded by the binding), or null. */
  finalManifest(): DecodedManifest | null {
    const object = this.store.objects().get(this.manifestKey);
    if (!object) return null;
    return this.binding.decodeManifest(object.bytes, this.manifestKey);
  }

  /** Every acked commit's range must be in the final manifest (acked-write durability). */
  checkAckedDurable(): number {
    const final = this.finalManifest();
    const present = new Set(final?.objects ?? []);
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
      `${lost.length} acked commits missing from the final manifest, first ${first.segmentKey} acked by ${first.writer} at ${first.atMs} ms (final commitSeq ${final?.commitSeq ?? (final ? `unknown, position ${final.durablePosition}` : "none")})`,
      [event],
    );
    return lost.length;
  }

  checkSingleWriter(): number {
    return checkSingleWriter(this.world, this.tap, this.binding);
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
