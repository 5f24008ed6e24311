/**
 * The recovery log: an append-only record of every transition and rejection, each with its
 * cause (REP-5). Entries are frozen once appended; observers (status pages, checkers) subscribe.
 */
import type { Clock } from "../runtime.ts";

export type LogValue = string | number | boolean | null;

/**
 * Every event the engine logs. Typed so that a checker keying on an event fails to compile when
 * the event is renamed, instead of silently matching nothing.
 */
export const RECOVERY_EVENTS = [
  // session lifecycle (sender.ts)
  "session_created",
  "connected",
  "handshake",
  "rebuild_handshake",
  "catch_up_started",
  "catch_up_progress",
  "truncation_recorded",
  "completed",
  "rebuild_source_selected",
  "rebuild_transfer_started",
  "rebuild_transfer_progress",
  "rebuild_tail_replay_started",
  "rebuild_tail_progress",
  "rebuild_completed",
  "budget_escalated",
  "session_invalidated",
  "rejected",
  // sender and registry
  "epoch_advanced",
  "endpoint_updated",
  "sender_stopped",
  "sender_added",
  "sender_removed",
  "assignment_rejected",
  // planner
  "escalated",
  "plan_catch_up",
  "plan_truncate_only",
  "plan_rebuild_snapshot_tail",
  "plan_rebuild_full_base",
  "pin_taken",
  "pin_failed",
  "pin_released",
  // executor
  "exec_catch_up_started",
  "exec_rebuild_started",
  "exec_step_failed",
  "exec_completed",
  "exec_failed",
  "exec_truncation_short",
  "session_invalidated_mid_execution",
] as const;

export type RecoveryEvent = (typeof RECOVERY_EVENTS)[number];

/** The events that end a session; each session has exactly one. */
export const TERMINAL_EVENTS: readonly RecoveryEvent[] = [
  "completed",
  "rebuild_completed",
  "session_invalidated",
];

export interface RecoveryLogEntry {
  readonly seq: number;
  readonly atMs: number;
  readonly replicaId: string;
  /** 0 when the event concerns no session. */
  readonly sessionId: number;
  readonly event: RecoveryEvent;
  /** Why it happened; never empty. */
  readonly cause: string;
  readonly fields: Readonly<Record<string, LogValue>>;
}

export class RecoveryLog {
  private readonly list: RecoveryLogEntry[] = [];
  private readonly observers: Array<(entry: RecoveryLogEntry) => void> = [];

  constructor(private readonly clock: Clock) {}

  record(
    replicaId: string,
    sessionId: number,
    event: RecoveryEvent,
    cause: string,
    fields: Record<string, LogValue> = {},
  ): RecoveryLogEntry {
    const entry: RecoveryLogEntry = Object.freeze({
      seq: this.list.length,
      atMs: this.clock.nowMs(),
      replicaId,
      sessionId,
      event,
      cause: cause === "" ? "unspecified" : cause,
      fields: Object.freeze({ ...fields }),
    });
    this.list.push(entry);
    for (const observe of this.observers) observe(entry);
    return entry;
  }

  get entries(): readonly RecoveryLogEntry[] {
    return this.list;
  }

  forReplica(replicaId: string): RecoveryLogEntry[] {
    return this.list.filter((entry) => entry.replicaId === replicaId);
  }

  subscribe(observe: (entry: RecoveryLogEntry) => void): void {
    this.observers.push(observe);
  }
}
