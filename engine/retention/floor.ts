/**
 * The retention cutoff: ops with IDs below it may be deleted. It is the tighter of the age
 * bound (now minus the retention window) and the peer floor (the slowest active peer's cursor
 * minus the safety margin). An active peer without a usable cursor blocks pruning altogether:
 * we cannot know what it still needs.
 */
import type { RetentionConfig } from "./config.ts";
import { opIdAtTime, parseOpId } from "./op-id.ts";
import type { RetentionSeams } from "./seams.ts";
import type { CursorRow } from "./storage.ts";

export type CutoffDecision =
  | { kind: "cutoff"; cutoffId: string; floorId: string | null; peers: number }
  | { kind: "skip"; reason: string };

export interface CutoffInput {
  rows: readonly CursorRow[];
  activeHosts: readonly string[];
  selfHost: string;
  nowMs: number;
  config: RetentionConfig;
  seams: RetentionSeams;
}

export function computeRetentionCutoff(input: CutoffInput): CutoffDecision {
  const { config, seams, nowMs } = input;
  if (config.retentionMs === null) return { kind: "skip", reason: "retention off" };
  const peers = seams.selectPeerCursors({
    rows: input.rows,
    activeHosts: input.activeHosts,
    selfHost: input.selfHost,
    normalizeHost: seams.normalizeHost,
    judge: (value) => seams.judgeCursor(value, nowMs, config.plausibility),
  });
  const blocked = peers.find((peer) => peer.cursorId === null);
  if (blocked) return { kind: "skip", reason: `peer ${blocked.host} has no usable cursor` };
  let floorId: string | null = null;
  for (const peer of peers) if (floorId === null || peer.cursorId! < floorId) floorId = peer.cursorId;

  let cutoffMs = nowMs - config.retentionMs;
  if (floorId !== null) {
    const floorMs = parseOpId(floorId).timeMs - config.cursorSafetyMarginMs;
    cutoffMs = Math.min(cutoffMs, floorMs);
  }
  if (cutoffMs <= 0) return { kind: "skip", reason: "cutoff before the epoch" };
  return { kind: "cutoff", cutoffId: opIdAtTime(cutoffMs), floorId, peers: peers.length };
}
