/**
 * The replaceable parts of the retention engine, each a small strategy whose default is the fix
 * for one known bug (../spec BUGS.md, "Retention floor"). A caller may swap any of them; the
 * engine never knows whether it runs with the defaults.
 */
import { CursorConflictError } from "./errors.ts";
import { normalizeHost } from "./host.ts";
import { judgeOpId, type PlausibilityWindow, type Verdict } from "./plausibility.ts";
import type { CursorRow, CursorTable, GapMark, OpsLog, SweepSnapshot } from "./storage.ts";

/** One peer whose cursor bounds the floor; a null cursor blocks all pruning. */
export interface PeerCursor {
  host: string;
  cursorId: string | null;
}

export interface PeerCursorInput {
  rows: readonly CursorRow[];
  /** Active peer hosts as the registry lists them (may include ourselves). */
  activeHosts: readonly string[];
  selfHost: string;
  normalizeHost(host: string): string;
  /** Plausibility judgement of a stored value at this moment. */
  judge(value: string): Verdict;
}

export interface GapEligibilityInput {
  /** Our durable cursor for this upstream, or null on first contact. */
  cursor: string | null;
  gap: { prunedThroughId: string };
  judge(value: string): Verdict;
}

export interface PersistInput {
  cursors: CursorTable;
  upstreamHost: string;
  /** The row as loaded at the start of the sweep (even if its value was implausible). */
  loaded: CursorRow | null;
  /** Where the cursor stands once the whole body is applied. */
  newCursor: string;
  /** The gap crossed in this sweep, if any. */
  gap: GapMark | null;
  judge(value: string): Verdict;
}

export interface GapPersistPolicy {
  /** Called once a gap is staged, before any of the body is applied. */
  afterStage(input: Omit<PersistInput, "newCursor"> & { stagedCursor: string }): Promise<void>;
  /**
   * Called once the whole body is applied. Persists the cursor (and the gap with it) and says
   * whether the durable cursor now sits at or above the staged gap floor.
   */
  atEnd(input: PersistInput): Promise<boolean>;
}

export interface RetentionSeams {
  normalizeHost(host: string): string;
  judgeCursor(value: string, nowMs: number, window: PlausibilityWindow): Verdict;
  selectPeerCursors(input: PeerCursorInput): PeerCursor[];
  gapEligible(input: GapEligibilityInput): boolean;
  persistPolicy: GapPersistPolicy;
  readSnapshot(log: OpsLog, after: string | null, limit: number): Promise<SweepSnapshot>;
}

/**
 * M01 fix: only registry-listed active peers (never ourselves) count; rows of other workers are
 * ignored; an unparseable or implausible cursor of an active peer is missing, not zero.
 */
export function selectActivePeerCursors(input: PeerCursorInput): PeerCursor[] {
  const self = input.normalizeHost(input.selfHost);
  const rowsByHost = new Map<string, CursorRow>();
  for (const row of input.rows) rowsByHost.set(input.normalizeHost(row.host), row);
  const peers = new Set(input.activeHosts.map((host) => input.normalizeHost(host)));
  peers.delete(self);
  return [...peers].sort().map((host) => {
    const row = rowsByHost.get(host);
    const usable = row !== undefined && input.judge(row.lastId).ok;
    return { host, cursorId: usable ? row.lastId : null };
  });
}

/** M03 fix: a gap moves only an existing cursor, forward, to a plausible floor. */
export function gapOnlyWithExistingCursor(input: GapEligibilityInput): boolean {
  if (input.cursor === null) return false;
  if (!input.judge(input.gap.prunedThroughId).ok) return false;
  return input.gap.prunedThroughId > input.cursor;
}

/**
 * M04 fix: nothing is persisted when a gap is staged; at the end the cursor and its gap are
 * written together, conditionally, never lowering a durable cursor another sweep advanced.
 */
export const persistAtEndOfSweep: GapPersistPolicy = {
  async afterStage() {},
  async atEnd(input) {
    let row = input.loaded;
    for (let attempt = 0; attempt < 3; attempt++) {
      const current = row !== null && input.judge(row.lastId).ok ? row.lastId : null;
      if (current !== null && current >= input.newCursor) break;
      const value = input.gap ? { lastId: input.newCursor, gap: input.gap } : { lastId: input.newCursor };
      try {
        await input.cursors.put(input.upstreamHost, value, { ifVersion: row?.version ?? null });
        break;
      } catch (error) {
        if (!(error instanceof CursorConflictError)) throw error;
        row = await input.cursors.get(input.upstreamHost);
      }
    }
    const durable = await input.cursors.get(input.upstreamHost);
    const floor = input.gap?.throughId ?? input.newCursor;
    return durable !== null && input.judge(durable.lastId).ok && durable.lastId >= floor;
  },
};

/** M05 fix: watermark and body come from one snapshot. */
export function readOneSnapshot(log: OpsLog, after: string | null, limit: number): Promise<SweepSnapshot> {
  return log.snapshot(after, limit);
}

/** M02 fix lives here: parse and check the time window. */
export const judgeCursor = judgeOpId;

export const defaultRetentionSeams: RetentionSeams = {
  normalizeHost,
  judgeCursor,
  selectPeerCursors: selectActivePeerCursors,
  gapEligible: gapOnlyWithExistingCursor,
  persistPolicy: persistAtEndOfSweep,
  readSnapshot: readOneSnapshot,
};

export function resolveRetentionSeams(partial: Partial<RetentionSeams> = {}): RetentionSeams {
  return { ...defaultRetentionSeams, ...partial };
}
