/**
 * One recovery attempt for one replica at one epoch. Owned by its Sender, which gates every
 * mutation by session ID. The catch-up target is frozen when catch-up begins (REP-4).
 */
import type { BudgetTracker, CatchUpBudget } from "./budget.ts";
import type { RebuildState } from "./rebuild.ts";
import { type SessionKind, type SessionPhase, phaseTransitionAllowed } from "./types.ts";

export class Session {
  phase: SessionPhase = "init";
  invalidateReason: string | null = null;
  startLsn = 0;
  targetLsn = 0;
  frozenTargetLsn: number | null = null;
  recoveredTo = 0;
  truncateToLsn: number | null = null;
  truncateRecorded = false;
  readonly tracker: BudgetTracker = { startedAtMs: null, lastProgressAtMs: null, entriesReplayed: 0 };

  constructor(
    readonly id: number,
    readonly replicaId: string,
    readonly epoch: number,
    readonly kind: SessionKind,
    readonly budget: CatchUpBudget,
    readonly rebuild: RebuildState | null,
  ) {}

  get active(): boolean {
    return this.phase !== "completed" && this.phase !== "invalidated";
  }

  advance(to: SessionPhase): boolean {
    if (!this.active || !phaseTransitionAllowed(this.phase, to)) return false;
    this.phase = to;
    return true;
  }

  /** Recovery range (start exclusive, target inclusive); progress starts at the start (V01). */
  setRange(startLsn: number, targetLsn: number): void {
    this.startLsn = startLsn;
    this.targetLsn = targetLsn;
    this.recoveredTo = startLsn;
  }

  converged(): boolean {
    return this.recoveredTo >= this.targetLsn;
  }

  invalidate(reason: string): void {
    if (!this.active) return;
    this.phase = "invalidated";
    this.invalidateReason = reason;
    this.rebuild?.abort(reason);
  }

  snapshot(): SessionSnapshot {
    return {
      id: this.id,
      replicaId: this.replicaId,
      epoch: this.epoch,
      kind: this.kind,
      phase: this.phase,
      invalidateReason: this.invalidateReason,
      startLsn: this.startLsn,
      targetLsn: this.targetLsn,
      frozenTargetLsn: this.frozenTargetLsn,
      recoveredTo: this.recoveredTo,
      truncateToLsn: this.truncateToLsn,
      truncateRecorded: this.truncateRecorded,
      entriesReplayed: this.tracker.entriesReplayed,
      rebuildSource: this.rebuild?.source ?? null,
      rebuildPhase: this.rebuild?.phase ?? null,
    };
  }
}

/** A disconnected, read-only copy of a session for status pages and tests. */
export interface SessionSnapshot {
  readonly id: number;
  readonly replicaId: string;
  readonly epoch: number;
  readonly kind: SessionKind;
  readonly phase: SessionPhase;
  readonly invalidateReason: string | null;
  readonly startLsn: number;
  readonly targetLsn: number;
  readonly frozenTargetLsn: number | null;
  readonly recoveredTo: number;
  readonly truncateToLsn: number | null;
  readonly truncateRecorded: boolean;
  readonly entriesReplayed: number;
  readonly rebuildSource: string | null;
  readonly rebuildPhase: string | null;
}
