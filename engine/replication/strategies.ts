/**
 * The engine's replaceable decisions, one per hard-won fix. The defaults ARE the fixes; the
 * engine never asks whether it runs with a replacement. A caller may swap any of them (a
 * different retention proof, a different registry key), and the forensic variants of the
 * simulation put each historical bug back through exactly this record.
 */
import type { Clock } from "../runtime.ts";
import {
  type BudgetEvaluator,
  countFromSessionStart,
  type EntryCounter,
  evaluateWithRequiredTick,
} from "./budget.ts";
import {
  classifyByExactBoundary,
  type OutcomeClassifier,
  type RebuildSource,
  type RebuildSourceSelector,
  type RecoverabilityCheck,
  type RecoverabilityProof,
  type RetainedHistory,
  requireHistory,
  retainedContiguously,
  trustedAndReplayable,
} from "./history.ts";
import { baseReachedSnapshot, type TailReplayGate } from "./rebuild.ts";
import type { Pin } from "./storage.ts";
import { WrongSessionKindError } from "./errors.ts";
import { type Endpoint, endpointDiffers, type SessionKind } from "./types.ts";

/** What a plan binds for a rebuild executor. */
export interface RebuildTargets {
  readonly source: RebuildSource;
  readonly snapshotLsn: number;
  readonly targetLsn: number;
}

export interface PinFailureContext {
  /** Invalidates the session the failed plan was for (and only that session). */
  invalidate(targetState: "needs_rebuild" | "disconnected"): void;
  readonly cause: string;
}

export interface ReplicationStrategies {
  /** V04: the registry key. Fix: the stable replica ID; the endpoint is only an attribute. */
  registryKey(replicaId: string, endpoint: Endpoint): string;
  /** V01: entries replayed by a catch-up. Fix: counted from the session's start LSN. */
  countEntries: EntryCounter;
  /** V11: budget evaluation. Fix: a progress deadline requires the current time. */
  evaluateBudget: BudgetEvaluator;
  /** V11 (the caller side): the time an executor stamps on progress. Fix: the clock's time. */
  progressTickMs(clock: Clock): number | undefined;
  /** V10: are (start, end] all retained? Fix: bounds AND contiguity. */
  isRecoverable: RecoverabilityCheck;
  /** V09: outcome of a handshake. Fix: zero-gap only on equality; ahead ⇒ truncation. */
  classifyOutcome: OutcomeClassifier;
  /** V03: rebuild source. Fix: snapshot+tail only with a trusted checkpoint AND a replayable tail. */
  selectRebuildSource: RebuildSourceSelector;
  /** V02: tail replay gate. Fix: only once the base transfer reached the snapshot LSN. */
  tailReplayGate: TailReplayGate;
  /** V05: what a failed pin does to its session. Fix: invalidate it (no dangling session). */
  onPinFailure(context: PinFailureContext): void;
  /** V12: WAL pin start for a catch-up plan, or null for no pin. Fix: from the replica's flushed LSN; none for truncation only. */
  walPinStart(proof: RecoverabilityProof): number | null;
  /** V06: what a rebuild executor runs. Fix: the plan-bound values, never re-derived. */
  executionTargets(plan: RebuildTargets, currentHistory: () => RetainedHistory | undefined): RebuildTargets;
  /** V07: history input check. Fix: a typed error for missing or inconsistent history. */
  checkHistory(history: RetainedHistory | null | undefined, where: string): RetainedHistory;
  /** V08: the logged cause when an assignment replaces a session. Fix: endpoint_changed only on a real change. */
  supersedeCause(before: Endpoint, after: Endpoint): string;
  /**
   * R01: what a plan checks before it moves the session. Fix: the session's kind matches the
   * plan, checked before `beginConnect`, so a wrong-kind call changes no state (errors.ts rule).
   */
  checkPlanKind(operation: string, expected: SessionKind, actual: SessionKind): void;
  /**
   * R04: which of the storage's pins a freshly started engine releases. Fix: all of them — a new
   * engine owns no session yet, so every held pin belongs to a dead predecessor and would hold
   * WAL retention forever.
   */
  orphanedPins(held: readonly Pin[]): readonly Pin[];
  /**
   * R07: what an address change does to the live session. Fix: invalidate it, so its executor
   * stops at its next step instead of calling the dead address until it fails (the V1.5 bug).
   */
  onEndpointChange(context: { invalidate(): void }): void;
  /**
   * R08: the sender's completion gates for a catch-up or zero-gap session. Fix: a catch-up
   * session only, its truncation recorded if it needed one, converged at the frozen target in
   * catch-up, and in handshake (zero gap) only when start equals target. Null accepts.
   */
  completionGate(session: CompletionFacts): CompletionRejection | null;
  /**
   * R09: how far one acked batch moves a catch-up. Fix: never past what this batch asked for
   * (nor the frozen target), so a replica that over-reports its flushed position cannot make
   * the executor skip entries it never received.
   */
  ackedProgress(flushedLsn: number, askedUpToLsn: number, frozenTargetLsn: number): number;
  /**
   * R10: the state after the Nth catch-up in a row failed in execution. Fix: needs_rebuild from
   * the CATCH_UP_FAILURES_MAX-th on, so a catch-up that never converges is bounded.
   */
  afterFailedCatchUps(failedInARow: number): "needs_rebuild" | "disconnected";
  /**
   * R11: the LSN a catch-up executor ships up to. Fix: the target frozen at the handshake, never
   * the primary's moving committed LSN (`committedNow`, read only by a replacement), so a
   * writer that outpaces catch-up cannot make it chase.
   */
  catchUpTarget(frozenTargetLsn: number, committedNow: () => number | undefined): number;
}

/** Failed catch-up sessions in a row after which the replica needs a rebuild (R10). */
export const CATCH_UP_FAILURES_MAX = 3;

/** What the completion gates look at (a subset of the session). */
export interface CompletionFacts {
  readonly kind: SessionKind;
  readonly phase: string;
  readonly startLsn: number;
  readonly targetLsn: number;
  readonly recoveredTo: number;
  readonly truncateToLsn: number | null;
  readonly truncateRecorded: boolean;
}

export type CompletionRejection = "not_converged" | "truncation_required" | "rebuild_session";

/** The fix's completion gates (R08); the scenario's hostile driver holds them to the truth. */
export function completionGates(session: CompletionFacts): CompletionRejection | null {
  if (session.kind !== "catch_up") return "rebuild_session";
  if (session.truncateToLsn !== null && !session.truncateRecorded) return "truncation_required";
  if (session.phase === "handshake") return session.targetLsn === session.startLsn ? null : "not_converged";
  if (session.phase !== "catch_up" || session.recoveredTo < session.targetLsn) return "not_converged";
  return null;
}

export const defaultStrategies: ReplicationStrategies = {
  registryKey: (replicaId) => replicaId,
  countEntries: countFromSessionStart,
  evaluateBudget: evaluateWithRequiredTick,
  progressTickMs: (clock) => clock.nowMs(),
  isRecoverable: retainedContiguously,
  classifyOutcome: classifyByExactBoundary,
  selectRebuildSource: trustedAndReplayable,
  tailReplayGate: baseReachedSnapshot,
  onPinFailure: (context) => context.invalidate("needs_rebuild"),
  walPinStart: (proof) => (proof.truncateToLsn !== null ? null : proof.replayStartExclusive),
  executionTargets: (plan) => plan,
  checkHistory: requireHistory,
  supersedeCause: (before, after) =>
    endpointDiffers(before, after) ? "endpoint_changed" : "assignment_intent",
  orphanedPins: (held) => held,
  onEndpointChange: (context) => context.invalidate(),
  completionGate: completionGates,
  catchUpTarget: (frozenTargetLsn) => frozenTargetLsn,
  afterFailedCatchUps: (failed) => (failed >= CATCH_UP_FAILURES_MAX ? "needs_rebuild" : "disconnected"),
  ackedProgress: (flushed, askedUpTo, frozenTarget) => Math.min(flushed, askedUpTo, frozenTarget),
  checkPlanKind: (operation, expected, actual) => {
    if (actual !== expected) throw new WrongSessionKindError(operation, actual);
  },
};

export function resolveStrategies(overrides: Partial<ReplicationStrategies> = {}): ReplicationStrategies {
  return { ...defaultStrategies, ...overrides };
}
