/**
 * Catch-up budgets. A catch-up that runs too long, replays too many entries, or stops making
 * progress escalates to needs_rebuild. Zero means "no limit" for that dimension.
 *
 * Entries are counted from the session's start LSN (V01: never the replica's existing prefix).
 * A stall can only be seen by whoever looks at the time, so with a progress deadline every
 * progress record and every check must carry the current time (V11).
 */
import { type BudgetViolation, TickRequiredError } from "./errors.ts";

export interface CatchUpBudget {
  readonly maxDurationMs: number;
  readonly maxEntries: number;
  readonly progressDeadlineMs: number;
}

export const NO_BUDGET: CatchUpBudget = { maxDurationMs: 0, maxEntries: 0, progressDeadlineMs: 0 };

export interface BudgetTracker {
  startedAtMs: number | null;
  lastProgressAtMs: number | null;
  entriesReplayed: number;
}

/** Entries replayed so far in a session that started at startLsn and reached recoveredTo. */
export type EntryCounter = (startLsn: number, recoveredTo: number) => number;

export const countFromSessionStart: EntryCounter = (startLsn, recoveredTo) => recoveredTo - startLsn;

/** Evaluates a budget at nowMs (undefined: the caller did not say what time it is). */
export type BudgetEvaluator = (
  budget: CatchUpBudget,
  tracker: Readonly<BudgetTracker>,
  nowMs: number | undefined,
  operation: string,
) => BudgetViolation | null;

export const evaluateWithRequiredTick: BudgetEvaluator = (budget, tracker, nowMs, operation) => {
  if (budget.maxEntries > 0 && tracker.entriesReplayed > budget.maxEntries) return "entries_exceeded";
  const needsTime = budget.maxDurationMs > 0 || budget.progressDeadlineMs > 0;
  if (!needsTime) return null;
  if (nowMs === undefined) throw new TickRequiredError(operation);
  if (
    budget.maxDurationMs > 0 &&
    tracker.startedAtMs !== null &&
    nowMs - tracker.startedAtMs > budget.maxDurationMs
  ) {
    return "duration_exceeded";
  }
  const since = tracker.lastProgressAtMs ?? tracker.startedAtMs;
  if (budget.progressDeadlineMs > 0) {
    if (since === null) throw new TickRequiredError(operation);
    if (nowMs - since > budget.progressDeadlineMs) return "progress_stalled";
  }
  return null;
};
