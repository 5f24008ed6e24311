/**
 * The serving side of a peer sweep. A peer sends the cursor it holds for us (`after`); we check
 * who it is and that the cursor is a real, plausible op ID, record it (it is how we learn what
 * the peer still needs), and answer with the ops above it plus the prune watermark, both from
 * one snapshot. When the peer's cursor is below the watermark we say so: an explicit gap signal
 * instead of silently skipping what retention removed.
 */
import type { Clock, Logger } from "../runtime.ts";
import { silentLogger } from "../runtime.ts";
import type { RetentionConfig } from "./config.ts";
import { UnknownPeerError } from "./errors.ts";
import { refuseUnlessPlausible } from "./plausibility.ts";
import type { RetentionSeams } from "./seams.ts";
import type { CursorTable, Op, OpsLog } from "./storage.ts";

export interface SweepRequest {
  /** The requesting peer's host. */
  host: string;
  /** The last op the peer holds from us, or null on first contact. */
  after: string | null;
  limit: number;
}

export interface GapSignal {
  /** Everything at or below this ID is gone; the peer may move its cursor here. */
  prunedThroughId: string;
}

export interface SweepResponse {
  ops: Op[];
  gap: GapSignal | null;
}

export interface SweepServerOptions {
  log: OpsLog;
  cursors: CursorTable;
  /** Hosts allowed to sweep us (the registry's peers, active or not). */
  knownPeers(): Promise<readonly string[]>;
  selfHost: string;
  clock: Clock;
  config: RetentionConfig;
  seams: RetentionSeams;
  logger?: Logger;
}

export class SweepServer {
  private readonly logger: Logger;

  constructor(private readonly options: SweepServerOptions) {
    this.logger = options.logger ?? silentLogger;
  }

  async serve(request: SweepRequest): Promise<SweepResponse> {
    const { seams, config } = this.options;
    const host = seams.normalizeHost(String(request.host));
    const known = (await this.options.knownPeers()).map((peer) => seams.normalizeHost(peer));
    if (host === seams.normalizeHost(this.options.selfHost) || !known.includes(host)) {
      throw new UnknownPeerError(request.host);
    }
    const after = request.after;
    if (after !== null) {
      const verdict = seams.judgeCursor(after, this.options.clock.nowMs(), config.plausibility);
      refuseUnlessPlausible("cursor", after, verdict);
    }
    const limit = Math.max(1, Math.min(config.sweepLimitMax, Math.floor(request.limit) || 1));
    const snapshot = await seams.readSnapshot(this.options.log, after, limit);
    const watermark = snapshot.prunedThroughId;
    const gap =
      watermark !== null && (after === null || after < watermark) ? { prunedThroughId: watermark } : null;
    if (after !== null) {
      const existing = await this.options.cursors.get(host);
      if (existing?.lastId !== after) await this.options.cursors.put(host, { lastId: after });
    }
    this.logger.log("sweep.serve", {
      peer: host,
      after,
      ops: snapshot.ops.length,
      gap: gap?.prunedThroughId ?? null,
    });
    return { ops: snapshot.ops, gap };
  }
}
