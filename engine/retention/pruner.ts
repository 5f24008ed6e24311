/**
 * The retention routine: one tick computes the cutoff from the cursor table and the registry's
 * active peers, then physically deletes the oldest ops below it in bounded batches. Ticks are
 * single-flight: a tick asked for while one runs joins it, so two cutoffs never race.
 */
import type { Clock, Logger } from "../runtime.ts";
import { silentLogger } from "../runtime.ts";
import type { RetentionConfig } from "./config.ts";
import { computeRetentionCutoff, type CutoffDecision } from "./floor.ts";
import type { RetentionSeams } from "./seams.ts";
import type { CursorTable, OpsLog } from "./storage.ts";

export interface PrunerOptions {
  log: OpsLog;
  cursors: CursorTable;
  /** Hosts the registry currently lists as active (may include ourselves). */
  activePeers(): Promise<readonly string[]>;
  selfHost: string;
  clock: Clock;
  config: RetentionConfig;
  seams: RetentionSeams;
  logger?: Logger;
}

export interface TickResult {
  decision: CutoffDecision;
  deleted: number;
}

export class RetentionPruner {
  private running: Promise<TickResult> | null = null;
  private readonly logger: Logger;

  constructor(private readonly options: PrunerOptions) {
    this.logger = options.logger ?? silentLogger;
  }

  tick(): Promise<TickResult> {
    if (this.running) return this.running;
    this.running = this.runTick().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async runTick(): Promise<TickResult> {
    const { config, log, cursors } = this.options;
    if (config.retentionMs === null) {
      return { decision: { kind: "skip", reason: "retention off" }, deleted: 0 };
    }
    const activeHosts = await this.options.activePeers();
    const rows = await cursors.list();
    const decision = computeRetentionCutoff({
      rows,
      activeHosts,
      selfHost: this.options.selfHost,
      nowMs: this.options.clock.nowMs(),
      config,
      seams: this.options.seams,
    });
    if (decision.kind === "skip") {
      this.logger.log("retention.skip", { reason: decision.reason });
      return { decision, deleted: 0 };
    }
    let deleted = 0;
    for (let batch = 0; batch < config.maxBatchesPerTick; batch++) {
      const removed = await log.deleteBelow(decision.cutoffId, config.batchLimit);
      deleted += removed;
      if (removed < config.batchLimit) break;
    }
    this.logger.log("retention.prune", { cutoff: decision.cutoffId, floor: decision.floorId, deleted });
    return { decision, deleted };
  }
}
