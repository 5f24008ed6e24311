/**
 * The request path of a writer: a database whose writes are acknowledged by durability mode.
 *
 * - strict: a write is acked only after the commit that covers it has CASed the manifest
 *   (DUR-1). Concurrent writes share that commit (group commit, shipper.ts).
 * - relaxed ("sleep"): a write is acked once it is in the local database; the idle-flush
 *   backstop commits at most `idleFlushMs` after the first unflushed write. The backstop is
 *   shorter than the lease TTL (25 s vs 60 s), so a successor that waits out the lease sees the
 *   flush (B05). `terminate()` (SIGTERM) flushes before closing.
 */
import type { Database, Row } from "../db/database.ts";
import {
  BUGGIFY_DELAY_MS,
  buggify,
  type Clock,
  type FaultPoints,
  type Logger,
  noFaults,
  silentLogger,
} from "../runtime.ts";
import type { CommitOutcome, WalShipper } from "./shipper.ts";

export type DurabilityMode = "strict" | "relaxed";

/** Idle-flush backstop; must stay below the lease TTL (60 s). */
export const IDLE_FLUSH_MS_DEFAULT = 25_000;

export interface DurableDatabaseOptions {
  mode: DurabilityMode;
  clock: Clock;
  faults?: FaultPoints;
  logger?: Logger;
  idleFlushMs?: number;
}

/**
 * The committer role: what a request path holds to write and read the database durably.
 * DurableDatabase is the engine's; another engine's can stand in behind this interface.
 */
export interface Committer {
  readonly mode: DurabilityMode;
  /** Applies the rows as one transaction; resolves when the mode allows the ack. */
  write(rows: readonly Row[]): Promise<void>;
  readRows(): Promise<Row[]>;
  /** Makes everything written so far durable. */
  flush(): Promise<CommitOutcome>;
  /** SIGTERM: flush what was acked early, then stop. */
  terminate(): Promise<void>;
}

export class DatabaseClosedError extends Error {
  override name = "DatabaseClosedError";
}

export class DurableDatabase implements Committer {
  private closed = false;
  private idleFlushArmed = false;
  private readonly faults: FaultPoints;
  private readonly logger: Logger;

  constructor(
    readonly db: Database,
    readonly shipper: WalShipper,
    private readonly options: DurableDatabaseOptions,
  ) {
    this.faults = options.faults ?? noFaults;
    this.logger = options.logger ?? silentLogger;
  }

  get mode(): DurabilityMode {
    return this.options.mode;
  }

  /** Applies the rows as one transaction; resolves when the mode allows the ack. */
  async write(rows: readonly Row[]): Promise<void> {
    if (this.closed) throw new DatabaseClosedError("database is closed");
    await this.db.writeRows(rows);
    if (buggify(this.faults, "write.slow-before-sync")) await this.options.clock.sleepMs(BUGGIFY_DELAY_MS);
    if (this.options.mode === "relaxed") {
      this.armIdleFlush();
      return;
    }
    await this.shipper.sync();
    if (buggify(this.faults, "write.slow-ack")) await this.options.clock.sleepMs(BUGGIFY_DELAY_MS);
    // The kill point after the ack: one tick later, once the caller has taken the answer.
    void this.options.clock.sleepMs(0).then(() => this.faults.hit("commit.after-ack"));
  }

  readRows(): Promise<Row[]> {
    return this.db.readRows();
  }

  /** Makes everything written so far durable. */
  flush(): Promise<CommitOutcome> {
    return this.shipper.sync();
  }

  /** SIGTERM: flush what relaxed mode acked early, then stop. */
  async terminate(): Promise<void> {
    if (this.closed) return;
    if (buggify(this.faults, "terminate.slow-flush")) await this.options.clock.sleepMs(BUGGIFY_DELAY_MS);
    await this.flush();
    this.closed = true;
    await this.db.close();
  }

  private armIdleFlush(): void {
    if (this.idleFlushArmed) return;
    this.idleFlushArmed = true;
    // An idle flush that fires late (a busy event loop): relaxed acks stay unshipped longer.
    const lateMs = buggify(this.faults, "idle-flush.late") ? BUGGIFY_DELAY_MS : 0;
    const idleFlushMs = (this.options.idleFlushMs ?? IDLE_FLUSH_MS_DEFAULT) + lateMs;
    void this.options.clock.sleepMs(idleFlushMs).then(async () => {
      this.idleFlushArmed = false;
      if (this.closed) return;
      try {
        await this.shipper.sync();
      } catch (error) {
        this.logger.log("wal.idle-flush-failed", {
          error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
        });
      }
    });
  }
}
