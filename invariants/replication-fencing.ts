/**
 * Checkers for ownership, fencing and bookkeeping of the replication engine:
 * - no-stale-epoch-effect: nothing is sent to a replica under an epoch older than the
 *   registry's, and replicas never apply traffic of a fenced epoch or session (A3), checked on
 *   every delivery by `replicaApplyWatch` (old-epoch replays included).
 * - sender-identity: an address change keeps the replica's sender (same incarnation) (A10).
 * - pin-symmetry / pin-coverage: every pin taken is released when its execution ends; every
 *   executor read is covered by its own plan's pins; truncation-only plans hold none (REP-2/3).
 * - no-dangling-session: a failed plan leaves no live session; nothing is live at the end.
 * - log-causes: every log entry has a cause; endpoint_changed only on a real change (REP-5).
 * - no-stale-endpoint: once a replica's address changed, nothing is sent to its old one (A10).
 * - typed-errors: the engine answers bad input and failures with ReplicationError, never a
 *   TypeError or other crash.
 */
import { ReplicationError, type RecoveryLogEntry } from "../engine/replication/index.ts";
import type { FenceMark } from "../sim/replica.ts";
import type { World } from "../sim/world.ts";

export const NO_STALE_EPOCH = "no-stale-epoch-effect";
export const SENDER_IDENTITY = "sender-identity";
export const PIN_SYMMETRY = "pin-symmetry";
export const PIN_COVERAGE = "pin-coverage";
export const NO_DANGLING_SESSION = "no-dangling-session";
export const LOG_CAUSES = "log-causes";
export const TYPED_ERRORS = "typed-errors";
export const NO_STALE_ENDPOINT = "no-stale-endpoint";

export function checkTypedError(world: World, error: unknown, operation: string): boolean {
  if (error instanceof ReplicationError) return true;
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  world.violate(TYPED_ERRORS, `${operation} failed with an untyped error: ${text}`);
  return false;
}

/**
 * Watches the log for causes: every entry has one, and endpoint_changed appears only at a time
 * the control plane really changed that replica's address.
 */
export function watchLogCauses(
  world: World,
  onLog: (observe: (entry: RecoveryLogEntry) => void) => void,
  realAddressChangeAt: (replicaId: string, atMs: number) => boolean,
): void {
  onLog((entry) => {
    if (!entry.cause || entry.cause === "unspecified") {
      world.violate(LOG_CAUSES, `log entry ${entry.seq} (${entry.event}) has no cause`);
    }
    if (entry.cause === "endpoint_changed" && !realAddressChangeAt(entry.replicaId, entry.atMs)) {
      world.violate(
        LOG_CAUSES,
        `${entry.replicaId} session ${entry.sessionId}: ${entry.event} logged as endpoint_changed but the address did not change`,
      );
    }
  });
}

/** What one delivery to a replica did, as the checker of what replicas apply sees it. */
export interface ReplicaDelivery {
  readonly replicaId: string;
  readonly op: string;
  readonly mark: FenceMark;
  readonly accepted: boolean;
  /** Mutations the replica applied while handling it. */
  readonly applied: number;
  /** True when the harness re-delivered an old request (the old-epoch replay injector). */
  readonly replayed: boolean;
}

const below = (a: FenceMark, b: FenceMark) =>
  a.epoch < b.epoch || (a.epoch === b.epoch && a.sessionId < b.sessionId);

/**
 * The checker on what replicas apply (A3), kept apart from the replica's own fence: it tracks the
 * highest (epoch, session) each replica accepted and fails any delivery below it that changed the
 * replica. Old-epoch traffic may arrive (duplicates, reordering, the replay injector); it must be
 * refused or be a no-op.
 */
export function replicaApplyWatch(world: World): (delivery: ReplicaDelivery) => void {
  const high = new Map<string, FenceMark>();
  return (delivery) => {
    const mark = high.get(delivery.replicaId) ?? { epoch: 0, sessionId: 0 };
    if (delivery.applied > 0 && below(delivery.mark, mark)) {
      world.violate(
        NO_STALE_EPOCH,
        `${delivery.replicaId} applied ${delivery.applied} mutation(s) of a ${delivery.replayed ? "replayed " : ""}${delivery.op} at epoch ${delivery.mark.epoch} session ${delivery.mark.sessionId}, below its accepted epoch ${mark.epoch} session ${mark.sessionId}`,
      );
    }
    if (delivery.accepted && below(mark, delivery.mark)) high.set(delivery.replicaId, delivery.mark);
  };
}
