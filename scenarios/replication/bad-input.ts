/**
 * Bad input thrown at the live replication engine mid-run: an unknown replica, out-of-range
 * LSNs, stale session IDs, a plan of the wrong kind for the live session. Each must get its own typed error and leave the engine's status
 * exactly as it was.
 */
import {
  LsnOutOfRangeError,
  type ReplicationEngine,
  StaleSessionError,
  UnknownReplicaError,
  WrongSessionKindError,
} from "../../engine/replication/index.ts";
import { checkTypedError, TYPED_ERRORS } from "../../invariants/replication-fencing.ts";
import type { Rng } from "../../sim/rng.ts";
import type { World } from "../../sim/world.ts";

/** Bad input against the live engine: each must get its typed error and change nothing. */
export function badInput(
  world: World,
  engine: ReplicationEngine,
  rng: Rng,
  replicaIds: string[],
  metrics: Record<string, number>,
): void {
  const before = JSON.stringify(engine.status());
  const replicaId = rng.pick(replicaIds);
  const sender = engine.registry.has(replicaId) ? engine.registry.sender(replicaId) : null;
  const sessionId = sender?.sessionId ?? 1;
  const cases: Array<[string, () => unknown, new (...args: never[]) => Error]> = [
    ["unknown replica", () => engine.planner.planCatchUp("ghost", sessionId, 0), UnknownReplicaError],
    ["negative flushed LSN", () => engine.planner.planCatchUp(replicaId, sessionId, -1), LsnOutOfRangeError],
    [
      "fractional flushed LSN",
      () => engine.planner.planCatchUp(replicaId, sessionId, 2.5),
      LsnOutOfRangeError,
    ],
    [
      "stale session ID",
      () => sender?.beginConnect(sessionId + 1_000) ?? engine.registry.sender("ghost"),
      sender ? StaleSessionError : UnknownReplicaError,
    ],
    [
      "stale catch-up progress",
      () =>
        sender?.recordCatchUpProgress(sessionId + 1_000, 1, world.nowMs) ?? engine.registry.sender("ghost"),
      sender ? StaleSessionError : UnknownReplicaError,
    ],
  ];
  // A plan for the other kind of the live session (R01): refused before beginConnect moves it.
  const live = sender?.sessionSnapshot();
  if (sender && live && sender.sessionId !== null) {
    const liveId = sender.sessionId;
    cases.push([
      `plan of the wrong kind for a ${live.kind} session in ${live.phase}`,
      () =>
        live.kind === "catch_up"
          ? engine.planner.planRebuild(replicaId, liveId)
          : engine.planner.planCatchUp(replicaId, liveId, 0),
      WrongSessionKindError,
    ]);
  }
  const [what, call, expected] = rng.pick(cases);
  try {
    call();
    world.violate(TYPED_ERRORS, `bad input (${what}) was accepted`);
  } catch (error) {
    if (!checkTypedError(world, error, `bad input (${what})`)) return;
    if (!(error instanceof expected))
      world.violate(
        "typed-errors",
        `bad input (${what}) got ${(error as Error).name}, expected ${expected.name}`,
      );
    metrics.typedRejections = (metrics.typedRejections ?? 0) + 1;
  }
  if (JSON.stringify(engine.status()) !== before)
    world.violate(TYPED_ERRORS, `bad input (${what}) changed the engine's state`);
}
