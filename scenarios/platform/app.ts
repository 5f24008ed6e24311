/**
 * The service program the platform runs ("the app"), built from the engine as a real deployment
 * would be:
 *
 * - boot: read the manifest early (to start restoring early, as the source's service did), wait
 *   for the lease (acquire waits out a live holder up to acquireTimeoutMs, B03), adopt the
 *   manifest as of AFTER the fence stamp (B09), restore it, open the database (modelled CPU
 *   time), open the WAL shipper. Each phase is marked for the cold-start breakdown (E3-1).
 * - request path: a write checks the lease first (ensureLease: renews when little is left, which
 *   also self-heals a lease that lapsed while the CPU was throttled, E4-1), then writes. Strict
 *   mode answers after the manifest CAS; relaxed ("sleep") mode answers at once and leaves the
 *   write to the idle-flush backstop or the SIGTERM flush.
 * - SIGTERM: flush (optionally stretched, to widen the handover window as the source's E4-5
 *   probe did), release the lease, exit 0.
 *
 * The app keeps the oracle's bookkeeping: which writes were acked, and for relaxed mode the
 * durable watermark (a write is flushed once a commit of its instance covered its LSN), which
 * instance was fenced while holding unflushed acked writes, and which died without grace.
 */
import type { WriterLease } from "../../engine/lease/writer-lease.ts";
import { openWriter } from "../../engine/node/open-writer.ts";
import type { Logger } from "../../engine/runtime.ts";
import {
  type DurableDatabase,
  type DurabilityMode,
  IDLE_FLUSH_MS_DEFAULT,
} from "../../engine/wal/durable-database.ts";
import type { WriteRecord } from "../../invariants/durability.ts";
import type { SingleWriterTap } from "../../invariants/single-writer-tap.ts";
import type { SimBlobStore } from "../../sim/blob-store.ts";
import { localDiskFor } from "../../sim/local-disk.ts";
import type { Instance, PlatformApp } from "../../sim/platform.ts";
import type { TraceFields } from "../../sim/trace.ts";
import type { Seams } from "../seams.ts";
import { seamedStore } from "../store/seams.ts";
import { DATA_DIR, DEFAULT_WAL_CONFIG, driverFor, type WalConfig } from "../wal/writer-node.ts";

export const LEASE_TTL_MS = 60_000;
/** Renew on a write when under 3/4 of the TTL is left: the 25 s idle flush lands well inside it. */
export const RENEW_MARGIN_MS = 45_000;
export const TAKEOVER_GRACE_MS = 5_000;

export type AppRequest =
  | { kind: "write"; record: WriteRecord }
  | { kind: "read" }
  /** A cold-start probe's forced restart: answer, then exit with the seam's code (B06). */
  | { kind: "restart" };

export interface AppConfig {
  prefix: string;
  dbId: string;
  mode: DurabilityMode;
  wal: WalConfig;
  /** Database open after restore (PGlite: ~0.7 s flat), modelled as CPU time. */
  dbOpenMs: number;
  /** Extra time the SIGTERM handler waits before its flush (E4-5's instrumented stretch). */
  sigtermStretchMs: number;
  /** A background lease heartbeat, best effort (E4-1 shows it does not fire while idle). */
  heartbeatMs: number | null;
}

export const DEFAULT_APP_CONFIG: AppConfig = {
  prefix: "db",
  dbId: "sim-db",
  mode: "strict",
  wal: { ...DEFAULT_WAL_CONFIG, danglingHeaderProbability: 0 },
  dbOpenMs: 700,
  sigtermStretchMs: 0,
  heartbeatMs: null,
};

interface Running {
  lease: WriterLease;
  durable: DurableDatabase;
  /** Relaxed-acked writes not yet covered by a commit of this instance, with their LSN. */
  unflushed: Array<{ record: WriteRecord; lsn: number }>;
}

/** The fate of one relaxed-acked write, for the loss bound. */
export interface RelaxedFate {
  instance: string;
  flushed: boolean;
}

export class DbApp implements PlatformApp<AppRequest, string> {
  readonly config: AppConfig;
  private readonly running = new Map<Instance, Running>();
  /** Write id → fate, relaxed-mode writes only. */
  readonly relaxed = new Map<number, RelaxedFate>();
  /** Instances fenced while holding relaxed-acked writes no commit covered (B05's signature). */
  readonly fencedHolding = new Map<string, number>();
  /** Instances that completed their SIGTERM handler. */
  readonly graceful = new Set<string>();
  readonly heartbeats: Array<{ instance: string; atMs: number }> = [];
  /** Apply order across every writer of the database (shared by services on one prefix). */
  issues = { next: 0 };

  constructor(
    readonly store: SimBlobStore,
    readonly seams: Seams,
    readonly tap: SingleWriterTap | null,
    config: Partial<AppConfig> = {},
  ) {
    this.config = { ...DEFAULT_APP_CONFIG, ...config };
  }

  get idleFlushMs(): number {
    return this.seams.platform?.idleFlushMs ?? IDLE_FLUSH_MS_DEFAULT;
  }

  durableOf(instance: Instance): DurableDatabase | null {
    return this.running.get(instance)?.durable ?? null;
  }

  async boot(instance: Instance): Promise<void> {
    const process = instance.process;
    const { prefix, dbId, wal } = this.config;
    const opened = await openWriter({
      store: seamedStore(this.seams.blobstore, this.store.client(process)),
      prefix,
      dbId,
      writerId: process.name,
      clock: instance.clock,
      logger: this.loggerFor(instance),
      database: { driver: driverFor(process, wal, this.seams), disk: localDiskFor(process), dir: DATA_DIR },
      takeover: {
        kind: "lease",
        readManifestEarly: true,
        options: {
          ttlMs: LEASE_TTL_MS,
          renewMarginMs: RENEW_MARGIN_MS,
          takeoverGraceMs: TAKEOVER_GRACE_MS,
          seams: this.seams.lease,
          ...(this.tap ? { onAcquired: this.tap.events(process).acquired } : {}),
        },
      },
      restore: {
        chunkBytes: wal.chunkBytes,
        parallelism: wal.parallelism,
        strategy: this.seams.restore ?? {},
      },
      wal: {
        compactAtBytes: wal.compactAtBytes,
        commitIntervalMs: wal.commitIntervalMs,
        strategy: this.seams.wal ?? {},
      },
      durability: { mode: this.config.mode, idleFlushMs: this.idleFlushMs },
      onPhase: async (phase) => {
        if (phase === "taken") instance.mark("leaseMs");
        if (phase === "restored") {
          instance.mark("restoreMs");
          await instance.clock.sleepMs(Math.round(process.rng.logNormal(this.config.dbOpenMs, 0.1)));
        }
        if (phase === "opened") instance.mark("openMs");
      },
    });
    const lease = opened.lease!;
    this.running.set(instance, { lease, durable: opened.durable, unflushed: [] });
    if (this.config.heartbeatMs !== null) this.heartbeat(instance, lease, this.config.heartbeatMs);
  }

  async handle(instance: Instance, request: AppRequest): Promise<string> {
    const running = this.running.get(instance);
    if (!running) throw new Error(`instance ${instance.name} has no database`);
    if (request.kind === "restart") {
      // Flush and hand the lease back first, so the next cold start need not wait it out.
      await running.durable.terminate();
      await running.lease.release();
      this.graceful.add(instance.name);
      instance.requestExit(this.seams.platform?.probeRestartExitCode ?? 0);
      return "restarting";
    }
    if (request.kind === "read") return `${(await running.durable.readRows()).length} rows`;
    await running.lease.ensureLease();
    const { record } = request;
    record.issue = this.issues.next++;
    await running.durable.write(record.rows);
    if (running.durable.mode === "relaxed") {
      const lsn = await running.durable.db.flushLsn();
      running.unflushed.push({ record, lsn });
      this.relaxed.set(record.id, { instance: instance.name, flushed: false });
    }
    return "ok";
  }

  async sigterm(instance: Instance): Promise<void> {
    const running = this.running.get(instance);
    if (!running) return; // still booting: nothing to flush, the lease (if any) expires
    if (this.config.sigtermStretchMs > 0) await instance.clock.sleepMs(this.config.sigtermStretchMs);
    await running.durable.terminate();
    await running.lease.release();
    this.graceful.add(instance.name);
  }

  /** The engine's log lines, traced; commits advance the durable watermark, fencing is noted. */
  private loggerFor(instance: Instance): Logger {
    const base: Logger = instance.process;
    return {
      log: (kind, fields) => {
        base.log(kind, fields as TraceFields | undefined);
        const running = this.running.get(instance);
        if (!running) return;
        if (kind === "wal.commit" && typeof fields?.endLsn === "number") {
          const endLsn = fields.endLsn;
          running.unflushed = running.unflushed.filter(({ record, lsn }) => {
            if (lsn > endLsn) return true;
            const fate = this.relaxed.get(record.id);
            if (fate) fate.flushed = true;
            return false;
          });
        }
        if ((kind === "wal.fenced" || kind === "lease.lost") && running.unflushed.length > 0)
          this.fencedHolding.set(instance.name, running.unflushed.length);
      },
    };
  }

  private heartbeat(instance: Instance, lease: WriterLease, everyMs: number): void {
    void (async () => {
      for (;;) {
        await instance.clock.sleepMs(everyMs);
        this.heartbeats.push({ instance: instance.name, atMs: instance.clock.nowMs() });
        instance.process.log("app.heartbeat");
        await lease.renew().catch(() => undefined);
      }
    })();
  }
}
