/**
 * The sweeping side: pull ops from an upstream above the cursor we hold for it, apply them, and
 * move the cursor. The cursor is loaded with a plausibility check (an implausible value counts
 * as missing and is never sent back), a gap signal is honoured only for an existing cursor, and
 * the cursor with its gap is persisted only once the whole body is applied. A gap header that is
 * unusable (garbage, far future) on a sweep that holds a cursor fails the sweep with a typed
 * error rather than being ignored: it may have replaced a real gap.
 */
import type { Clock, Logger } from "../runtime.ts";
import { silentLogger } from "../runtime.ts";
import type { RetentionConfig } from "./config.ts";
import { SweepProtocolError } from "./errors.ts";
import { refuseUnlessPlausible } from "./plausibility.ts";
import type { RetentionSeams } from "./seams.ts";
import type { SweepRequest, SweepResponse } from "./sweep-server.ts";
import type { CursorTable, GapMark, Op } from "./storage.ts";

export interface SweepClientOptions {
  upstreamHost: string;
  selfHost: string;
  cursors: CursorTable;
  fetch(request: SweepRequest): Promise<SweepResponse>;
  /** Applies one op durably; may throw (the sweep then stops, persisting nothing). */
  applyOp(op: Op): Promise<void>;
  clock: Clock;
  config: RetentionConfig;
  seams: RetentionSeams;
  limit: number;
  logger?: Logger;
}

export interface SweepOutcome {
  applied: number;
  cursor: string | null;
  gapHonoured: boolean;
  /** The upstream sent a full page: there is probably more. */
  more: boolean;
}

export async function sweepOnce(options: SweepClientOptions): Promise<SweepOutcome> {
  const { seams, config, cursors, upstreamHost } = options;
  const logger = options.logger ?? silentLogger;
  const judge = (value: string) => seams.judgeCursor(value, options.clock.nowMs(), config.plausibility);
  const loaded = await cursors.get(upstreamHost);
  let cursor: string | null = null;
  if (loaded !== null) {
    if (judge(loaded.lastId).ok) cursor = loaded.lastId;
    else logger.log("sweep.cursor-missing", { upstream: upstreamHost, reason: "implausible" });
  }
  const response = await options.fetch({ host: options.selfHost, after: cursor, limit: options.limit });

  // A gap header we cannot use while holding a cursor may stand in for a real gap: applying
  // the body anyway would skip ops silently, so the whole response is refused (nothing applied).
  if (response.gap && cursor !== null)
    refuseUnlessPlausible("gap", response.gap.prunedThroughId, judge(response.gap.prunedThroughId));

  let gap: GapMark | null = null;
  if (response.gap && seams.gapEligible({ cursor, gap: response.gap, judge })) {
    gap = { fromId: cursor, throughId: response.gap.prunedThroughId };
    await seams.persistPolicy.afterStage({
      cursors,
      upstreamHost,
      loaded,
      gap,
      stagedCursor: gap.throughId,
      judge,
    });
  } else if (response.gap) {
    logger.log("sweep.gap-ignored", { upstream: upstreamHost, cursor, floor: response.gap.prunedThroughId });
  }

  let last = cursor;
  for (const op of response.ops) {
    if (last !== null && !(op.id > last)) throw new SweepProtocolError(`op ${op.id} not above ${last}`);
    refuseUnlessPlausible("op", op.id, judge(op.id));
    await options.applyOp(op);
    last = op.id;
  }

  let newCursor = last;
  if (gap !== null && (newCursor === null || gap.throughId > newCursor)) newCursor = gap.throughId;
  if (newCursor === null || newCursor === cursor) {
    return { applied: response.ops.length, cursor, gapHonoured: false, more: false };
  }
  const durable = await seams.persistPolicy.atEnd({ cursors, upstreamHost, loaded, newCursor, gap, judge });
  if (gap !== null && durable)
    logger.log("sweep.gap-honoured", { upstream: upstreamHost, floor: gap.throughId });
  return {
    applied: response.ops.length,
    cursor: newCursor,
    gapHonoured: gap !== null && durable,
    more: response.ops.length >= options.limit,
  };
}
