/**
 * recovery-log-complete (REP-5): the recovery log tells each session's whole story, judged on the
 * typed events (RecoveryEvent), not on causes or free text:
 * - a session's transitions come after its `session_created` and before its one terminal event
 *   (completed, rebuild_completed, session_invalidated); afterwards only bookkeeping may follow
 *   (pins released, late rejections, the executor's own notes);
 * - `completed` follows a handshake (and the truncation when the handshake required one);
 *   `rebuild_completed` follows the rebuild handshake, source selection and transfer;
 * - a replica's next session is created only once the previous one ended in the log, and at the
 *   end of a run every session the engine no longer holds has ended in the log.
 */
import {
  type RecoveryEvent,
  type RecoveryLogEntry,
  type ReplicationEngine,
  TERMINAL_EVENTS,
} from "../engine/replication/index.ts";
import type { World } from "../sim/world.ts";

export const LOG_COMPLETE = "recovery-log-complete";

/** Events that move a session; none may come before its creation or after its end. */
const TRANSITIONS: ReadonlySet<RecoveryEvent> = new Set<RecoveryEvent>([
  "connected",
  "handshake",
  "rebuild_handshake",
  "catch_up_started",
  "catch_up_progress",
  "truncation_recorded",
  "rebuild_source_selected",
  "rebuild_transfer_started",
  "rebuild_transfer_progress",
  "rebuild_tail_replay_started",
  "rebuild_tail_progress",
  "budget_escalated",
  "plan_catch_up",
  "plan_truncate_only",
  "plan_rebuild_snapshot_tail",
  "plan_rebuild_full_base",
  "pin_taken",
]);

interface SessionStory {
  readonly replicaId: string;
  readonly seen: Set<RecoveryEvent>;
  truncationRequired: boolean;
  ended: RecoveryEvent | null;
}

export interface LogCompleteness {
  /** End of run: every session the engine no longer holds has ended in the log. */
  finish(engine: ReplicationEngine): void;
}

export function watchLogCompleteness(
  world: World,
  onLog: (observe: (entry: RecoveryLogEntry) => void) => void,
): LogCompleteness {
  const stories = new Map<number, SessionStory>();
  const lastOf = new Map<string, number>();
  const fail = (entry: RecoveryLogEntry, what: string) =>
    world.violate(
      LOG_COMPLETE,
      `${entry.replicaId} session ${entry.sessionId}: ${what} (log entry ${entry.seq})`,
    );
  onLog((entry) => {
    if (entry.sessionId === 0) return;
    if (entry.event === "session_created") {
      const previous = lastOf.get(entry.replicaId);
      const story = previous === undefined ? undefined : stories.get(previous);
      if (story && story.ended === null)
        fail(entry, `created while session ${previous} never ended in the log`);
      if (stories.has(entry.sessionId)) fail(entry, "created twice");
      stories.set(entry.sessionId, {
        replicaId: entry.replicaId,
        seen: new Set(["session_created"]),
        truncationRequired: false,
        ended: null,
      });
      lastOf.set(entry.replicaId, entry.sessionId);
      return;
    }
    const story = stories.get(entry.sessionId);
    // Rejections may name sessions that never existed (stale or made-up IDs): no story to tell.
    if (!story) {
      if (TRANSITIONS.has(entry.event) || TERMINAL_EVENTS.includes(entry.event))
        fail(entry, `${entry.event} before the session was created`);
      return;
    }
    if (story.ended !== null) {
      if (TRANSITIONS.has(entry.event) || TERMINAL_EVENTS.includes(entry.event))
        fail(entry, `${entry.event} after the session ended with ${story.ended}`);
      return;
    }
    if (
      entry.event === "handshake" &&
      entry.fields.truncateTo !== null &&
      entry.fields.truncateTo !== undefined
    )
      story.truncationRequired = true;
    if (entry.event === "completed") {
      if (!story.seen.has("handshake")) fail(entry, "completed without a handshake");
      if (story.truncationRequired && !story.seen.has("truncation_recorded"))
        fail(entry, "completed without the truncation its handshake required");
    }
    if (entry.event === "rebuild_completed") {
      for (const needed of [
        "rebuild_handshake",
        "rebuild_source_selected",
        "rebuild_transfer_started",
      ] as const)
        if (!story.seen.has(needed)) fail(entry, `rebuild completed without ${needed}`);
    }
    story.seen.add(entry.event);
    if (TERMINAL_EVENTS.includes(entry.event)) story.ended = entry.event;
  });
  return {
    finish(engine) {
      const live = new Set(engine.registry.all().map((sender) => sender.sessionId));
      for (const [sessionId, story] of stories) {
        if (story.ended === null && !live.has(sessionId) && world.violations.length === 0)
          world.violate(
            LOG_COMPLETE,
            `${story.replicaId} session ${sessionId}: gone from the engine but never ended in the log`,
          );
      }
    },
  };
}
