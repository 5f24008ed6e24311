/**
 * The primary's ops log as the simulation runs it: the engine's in-memory log behind a storage
 * latency. Fault model: every call does its work at the instant it is made and then takes a
 * seeded latency to return, so other tasks of the primary (a retention tick, another sweep) run
 * in between two calls of one task. After each read the world may start a retention tick right
 * there (`afterRead`): that is how a prune lands between a watermark read and a body read. Every
 * physical deletion is reported to the oracle with the IDs removed.
 */
import { MemoryOpsLog } from "../../engine/retention/memory-storage.ts";
import type { Op, OpsLog, SweepSnapshot } from "../../engine/retention/storage.ts";
import type { SimProcess } from "../../sim/process.ts";
import type { Rng } from "../../sim/rng.ts";

export interface SimOpsLogOptions {
  owner: SimProcess;
  rng: Rng;
  /** Mean latency of one storage call. */
  latencyMeanMs: number;
  onAppend(id: string): void;
  onDelete(ids: readonly string[]): void;
  afterRead(kind: "snapshot" | "watermark" | "body"): void;
}

export class SimOpsLog implements OpsLog {
  readonly inner = new MemoryOpsLog();

  constructor(private readonly options: SimOpsLogOptions) {}

  async append(op: Op): Promise<void> {
    await this.inner.append(op);
    this.options.onAppend(op.id);
    await this.delay();
  }

  async snapshot(after: string | null, limit: number): Promise<SweepSnapshot> {
    const result = await this.inner.snapshot(after, limit);
    this.options.afterRead("snapshot");
    await this.delay();
    return result;
  }

  async prunedThroughId(): Promise<string | null> {
    const result = await this.inner.prunedThroughId();
    this.options.afterRead("watermark");
    await this.delay();
    return result;
  }

  async readAfter(after: string | null, limit: number): Promise<Op[]> {
    const result = await this.inner.readAfter(after, limit);
    this.options.afterRead("body");
    await this.delay();
    return result;
  }

  async deleteBelow(cutoffId: string, limit: number): Promise<number> {
    const ids = this.inner.peekBelow(cutoffId, limit);
    const removed = await this.inner.deleteBelow(cutoffId, limit);
    this.options.onDelete(ids);
    await this.delay();
    return removed;
  }

  physicalSize(): Promise<{ rows: number; bytes: number }> {
    return this.inner.physicalSize();
  }

  private delay(): Promise<void> {
    const latencyMs = Math.max(1, Math.round(this.options.rng.exponential(this.options.latencyMeanMs)));
    return this.options.owner.sleep(latencyMs);
  }
}
