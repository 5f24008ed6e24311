import { describe, expect, it } from "vitest";
import type { Clock } from "../runtime.ts";
import { evaluateWithRequiredTick } from "./budget.ts";
import { ReplicationEngine } from "./engine.ts";
import {
  BudgetExceededError,
  InvalidAssignmentError,
  LsnOutOfRangeError,
  MissingHistoryError,
  PinFailedError,
  ProgressError,
  RebuildGateError,
  SessionInvalidatedError,
  StaleEpochError,
  StaleSessionError,
  TickRequiredError,
  TransportError,
  UnknownReplicaError,
  WrongSessionKindError,
} from "./errors.ts";
import {
  classifyByExactBoundary,
  type RetainedHistory,
  requireHistory,
  retainedContiguously,
  trustedAndReplayable,
} from "./history.ts";
import { RebuildState, baseReachedSnapshot } from "./rebuild.ts";
import type { LinkContext, Pin, PinOwner, ReplicaLink, ReplicationStorage } from "./storage.ts";
import { CATCH_UP_FAILURES_MAX } from "./strategies.ts";

const history = (over: Partial<RetainedHistory> = {}): RetainedHistory => ({
  tailLsn: 10,
  headLsn: 100,
  committedLsn: 90,
  checkpointLsn: 50,
  checkpointTrusted: true,
  missingLsns: [],
  ...over,
});

function fakeClock(): Clock & { advance(ms: number): void } {
  let now = 1_000;
  return {
    nowMs: () => now,
    sleepMs: async (ms) => {
      now += ms;
    },
    advance(ms) {
      now += ms;
    },
  };
}

class FakeStorage implements ReplicationStorage {
  current: RetainedHistory | undefined = history();
  pins = new Map<number, Pin>();
  fail: Partial<Record<Pin["kind"], boolean>> = {};
  private next = 0;
  retainedHistory() {
    return this.current;
  }
  private hold(kind: Pin["kind"], lsn: number, owner: PinOwner): Pin {
    if (this.fail[kind]) throw new PinFailedError(kind, "refused");
    const pin = { id: ++this.next, kind, lsn, owner };
    this.pins.set(pin.id, pin);
    return pin;
  }
  pinWalRetention(owner: PinOwner, from: number) {
    return this.hold("wal", from, owner);
  }
  pinSnapshot(owner: PinOwner, lsn: number) {
    return this.hold("snapshot", lsn, owner);
  }
  pinFullBase(owner: PinOwner, lsn: number) {
    return this.hold("full_base", lsn, owner);
  }
  release(pin: Pin) {
    this.pins.delete(pin.id);
  }
}

/** A replica that applies everything it is sent, with an optional hook per call. */
class FakeLink implements ReplicaLink {
  flushed: number;
  onCall: (op: string) => void = () => undefined;
  constructor(flushed: number) {
    this.flushed = flushed;
  }
  async handshake() {
    return this.flushed;
  }
  async streamWal(_c: LinkContext, _from: number, to: number) {
    this.onCall("stream");
    this.flushed = to;
    return to;
  }
  async truncate(_c: LinkContext, to: number) {
    this.onCall("truncate");
    this.flushed = to;
    return to;
  }
  async transferSnapshot(_c: LinkContext, lsn: number) {
    this.onCall("snapshot");
    return lsn;
  }
  async transferFullBase(_c: LinkContext, lsn: number) {
    this.onCall("full_base");
    return lsn;
  }
}

function setup(storage = new FakeStorage()) {
  const clock = fakeClock();
  const engine = new ReplicationEngine({ clock, storage, executor: { batchEntriesMax: 10 } });
  const endpoint = { dataAddr: "10.0.0.2:1", ctrlAddr: "10.0.0.2:2", version: 1 };
  engine.registry.applyAssignment({
    epoch: 1,
    replicas: [{ replicaId: "r1", endpoint }],
    recoveryTargets: { r1: "catch_up" },
  });
  const sessionId = engine.registry.sender("r1").sessionId!;
  return { engine, storage, clock, endpoint, sessionId };
}

describe("retained history and recoverability", () => {
  it("is exact at the tail boundary and requires contiguity (A6, V10)", () => {
    const h = history({ tailLsn: 10, headLsn: 100 });
    expect(retainedContiguously(h, 10, 90)).toBe(true);
    expect(retainedContiguously(h, 9, 90)).toBe(false);
    expect(retainedContiguously(h, 10, 100)).toBe(true);
    expect(retainedContiguously(h, 10, 101)).toBe(false);
    expect(retainedContiguously(history({ missingLsns: [40] }), 20, 90)).toBe(false);
    expect(retainedContiguously(history({ missingLsns: [40] }), 40, 90)).toBe(true);
  });

  it("classifies zero-gap only on equality and truncates a replica ahead (A8, V09)", () => {
    expect(classifyByExactBoundary(90, history(), retainedContiguously).outcome).toBe("zero_gap");
    const ahead = classifyByExactBoundary(95, history(), retainedContiguously);
    expect(ahead.outcome).toBe("catch_up");
    expect(ahead.truncateToLsn).toBe(90);
    const gap = classifyByExactBoundary(5, history(), retainedContiguously);
    expect(gap.outcome).toBe("needs_rebuild");
    expect(gap.reason).toMatch(/gap_beyond_retention/);
    expect(classifyByExactBoundary(30, history({ missingLsns: [60] }), retainedContiguously).reason).toMatch(
      /hole at 60/,
    );
  });

  it("chooses snapshot+tail only with a trusted checkpoint and a replayable tail (REP-1, V03)", () => {
    expect(trustedAndReplayable(history(), retainedContiguously).source).toBe("snapshot_tail");
    expect(trustedAndReplayable(history({ checkpointTrusted: false }), retainedContiguously).reason).toBe(
      "untrusted_checkpoint",
    );
    const unreplayable = trustedAndReplayable(history({ tailLsn: 60 }), retainedContiguously);
    expect(unreplayable.source).toBe("full_base");
    expect(unreplayable.reason).toMatch(/trusted_checkpoint_unreplayable_tail/);
  });

  it("rejects missing or inconsistent history with typed errors (V07)", () => {
    expect(() => requireHistory(undefined, "test")).toThrow(MissingHistoryError);
    expect(() => requireHistory(history({ tailLsn: 200 }), "test")).toThrow(LsnOutOfRangeError);
    expect(() => requireHistory(history({ committedLsn: -1 }), "test")).toThrow(LsnOutOfRangeError);
    expect(() => requireHistory(history({ missingLsns: [5] }), "test")).toThrow(LsnOutOfRangeError);
  });
});

describe("budgets and the rebuild gate", () => {
  it("counts entries from the session start and requires a tick for a stall deadline (V01, V11)", () => {
    const budget = { maxEntries: 50, maxDurationMs: 0, progressDeadlineMs: 0 };
    expect(
      evaluateWithRequiredTick(budget, { startedAtMs: 0, lastProgressAtMs: 0, entriesReplayed: 30 }, 0, "t"),
    ).toBeNull();
    const stall = { maxEntries: 0, maxDurationMs: 0, progressDeadlineMs: 10 };
    expect(() =>
      evaluateWithRequiredTick(
        stall,
        { startedAtMs: 0, lastProgressAtMs: 0, entriesReplayed: 0 },
        undefined,
        "t",
      ),
    ).toThrow(TickRequiredError);
    expect(
      evaluateWithRequiredTick(stall, { startedAtMs: 0, lastProgressAtMs: 0, entriesReplayed: 0 }, 11, "t"),
    ).toBe("progress_stalled");
  });

  it("refuses tail replay before the base reached the snapshot LSN (V02)", () => {
    const rebuild = new RebuildState(baseReachedSnapshot);
    rebuild.selectSource("snapshot_tail", 50, 90);
    rebuild.beginTransfer();
    rebuild.recordTransfer(40);
    expect(() => rebuild.beginTailReplay()).toThrow(RebuildGateError);
    rebuild.recordTransfer(50);
    rebuild.beginTailReplay();
    expect(() => rebuild.complete()).toThrow(RebuildGateError);
    rebuild.recordTailReplay(90);
    rebuild.complete();
    expect(rebuild.phase).toBe("completed");
  });
});

describe("engine: planner, executors, fencing", () => {
  it("catches up with a WAL pin from the replica's flushed LSN and releases it (A4, V12, REP-2)", async () => {
    const { engine, storage, sessionId } = setup();
    const plan = engine.planner.planCatchUp("r1", sessionId, 70);
    if (plan.kind !== "catch_up") throw new Error(plan.kind);
    expect(plan.pins.map((p) => [p.kind, p.lsn])).toEqual([["wal", 70]]);
    await engine.executor.executeCatchUp(plan, new FakeLink(70));
    expect(engine.registry.sender("r1").state).toBe("in_sync");
    expect(storage.pins.size).toBe(0);
  });

  it("takes no WAL pin for a truncation-only plan and truncates before completing (A8, V12)", async () => {
    const { engine, storage, sessionId } = setup();
    const plan = engine.planner.planCatchUp("r1", sessionId, 95);
    if (plan.kind !== "catch_up") throw new Error(plan.kind);
    expect(plan.pins).toEqual([]);
    expect(plan.truncateToLsn).toBe(90);
    const link = new FakeLink(95);
    await engine.executor.executeCatchUp(plan, link);
    expect(link.flushed).toBe(90);
    expect(storage.pins.size).toBe(0);
  });

  it("a plan for the wrong session kind is refused before anything moves (R01)", () => {
    const storage = new FakeStorage();
    const { engine } = setup(storage);
    const sender = engine.registry.sender("r1");
    const catchUp = sender.sessionId!;
    const before = JSON.stringify(engine.status());
    expect(() => engine.planner.planRebuild("r1", catchUp)).toThrow(WrongSessionKindError);
    expect(JSON.stringify(engine.status())).toBe(before);
    expect(sender.sessionSnapshot()?.phase).toBe("init");
    engine.registry.applyAssignment({
      epoch: 1,
      replicas: [{ replicaId: "r1", endpoint: sender.endpoint }],
      recoveryTargets: { r1: "rebuild" },
    });
    const rebuild = sender.sessionId!;
    const again = JSON.stringify(engine.status());
    expect(() => engine.planner.planCatchUp("r1", rebuild, 5)).toThrow(WrongSessionKindError);
    expect(JSON.stringify(engine.status())).toBe(again);
    expect(storage.pins.size).toBe(0);
  });

  it("invalidates the session and releases taken pins when a later pin fails (V05)", () => {
    const storage = new FakeStorage();
    storage.fail.wal = true;
    const { engine } = setup(storage);
    engine.registry.applyAssignment({
      epoch: 1,
      replicas: [{ replicaId: "r1", endpoint: engine.registry.sender("r1").endpoint }],
      recoveryTargets: { r1: "rebuild" },
    });
    const sessionId = engine.registry.sender("r1").sessionId!;
    expect(() => engine.planner.planRebuild("r1", sessionId)).toThrow(PinFailedError);
    expect(engine.registry.sender("r1").hasActiveSession()).toBe(false);
    expect(storage.pins.size).toBe(0);
    expect(
      engine.log.entries.some(
        (e) => e.event === "session_invalidated" && e.cause === "wal_pin_failed_during_rebuild",
      ),
    ).toBe(true);
  });

  it("stops at an epoch bump mid-execution and releases every pin (A3, REP-2)", async () => {
    const { engine, storage, sessionId, endpoint } = setup();
    const plan = engine.planner.planCatchUp("r1", sessionId, 20);
    if (plan.kind !== "catch_up") throw new Error(plan.kind);
    const link = new FakeLink(20);
    let calls = 0;
    link.onCall = () => {
      if (++calls === 2)
        engine.registry.applyAssignment({ epoch: 2, replicas: [{ replicaId: "r1", endpoint }] });
    };
    await expect(engine.executor.executeCatchUp(plan, link)).rejects.toThrow(SessionInvalidatedError);
    expect(storage.pins.size).toBe(0);
    expect(() => engine.registry.sender("r1").recordCatchUpProgress(sessionId, 50, 0)).toThrow(
      StaleSessionError,
    );
    expect(() => engine.registry.applyAssignment({ epoch: 1, replicas: [] })).toThrow(StaleEpochError);
  });

  it("rejects progress beyond the frozen target (REP-4)", () => {
    const { engine, sessionId } = setup();
    engine.planner.planCatchUp("r1", sessionId, 70);
    const sender = engine.registry.sender("r1");
    sender.beginCatchUp(sessionId, 1_000);
    expect(() => sender.recordCatchUpProgress(sessionId, 91, 1_001)).toThrow(ProgressError);
    sender.recordCatchUpProgress(sessionId, 90, 1_001);
    sender.completeCatchUp(sessionId);
    expect(sender.state).toBe("in_sync");
  });

  it("escalates a stalled catch-up at the first late progress (A5)", () => {
    const storage = new FakeStorage();
    const clock = fakeClock();
    const engine = new ReplicationEngine({ clock, storage });
    const endpoint = { dataAddr: "a", ctrlAddr: "a", version: 0 };
    engine.registry.applyAssignment({
      epoch: 1,
      replicas: [{ replicaId: "r1", endpoint }],
      recoveryTargets: { r1: "catch_up" },
      budget: { maxEntries: 0, maxDurationMs: 0, progressDeadlineMs: 50 },
    });
    const sender = engine.registry.sender("r1");
    const sessionId = sender.sessionId!;
    engine.planner.planCatchUp("r1", sessionId, 70);
    sender.beginCatchUp(sessionId, clock.nowMs());
    clock.advance(60);
    expect(() => sender.recordCatchUpProgress(sessionId, 80, clock.nowMs())).toThrow(BudgetExceededError);
    expect(sender.state).toBe("needs_rebuild");
    expect(() => sender.recordCatchUpProgress(sessionId, 80, undefined)).toThrow(StaleSessionError);
  });

  it("keeps the sender on an address change and logs endpoint_changed only then (A10, V04, V08)", () => {
    const { engine, endpoint } = setup();
    const before = engine.registry.sender("r1");
    engine.registry.applyAssignment({
      epoch: 1,
      replicas: [{ replicaId: "r1", endpoint }],
      recoveryTargets: { r1: "catch_up" },
    });
    expect(engine.log.entries.filter((e) => e.cause === "endpoint_changed")).toEqual([]);
    const moved = { ...endpoint, dataAddr: "10.0.0.9:1", version: 2 };
    engine.registry.applyAssignment({ epoch: 1, replicas: [{ replicaId: "r1", endpoint: moved }] });
    expect(engine.registry.sender("r1")).toBe(before);
    expect(before.hasActiveSession()).toBe(false);
    expect(engine.log.entries.filter((e) => e.cause === "endpoint_changed").map((e) => e.event)).toEqual([
      "session_invalidated",
    ]);
  });

  it("answers bad input with typed errors and changes nothing", () => {
    const { engine, storage, sessionId } = setup();
    const status = JSON.stringify(engine.status());
    expect(() => engine.planner.planCatchUp("ghost", sessionId, 0)).toThrow(UnknownReplicaError);
    expect(() => engine.planner.planCatchUp("r1", sessionId, -3)).toThrow(LsnOutOfRangeError);
    expect(() => engine.planner.planCatchUp("r1", sessionId, Number.NaN)).toThrow(LsnOutOfRangeError);
    expect(() => engine.registry.sender("r1").beginConnect(sessionId + 7)).toThrow(StaleSessionError);
    expect(() =>
      engine.registry.applyAssignment({
        epoch: 1,
        replicas: [{ replicaId: "", endpoint: { dataAddr: "", ctrlAddr: "", version: 0 } }],
      }),
    ).toThrow(InvalidAssignmentError);
    expect(() =>
      engine.registry.applyAssignment({ epoch: 1, replicas: [], recoveryTargets: { zz: "catch_up" } }),
    ).toThrow(UnknownReplicaError);
    expect(JSON.stringify(engine.status())).toBe(status);
    storage.current = undefined;
    expect(() => engine.planner.planCatchUp("r1", sessionId, 50)).toThrow(MissingHistoryError);
    expect(engine.registry.sender("r1").sessionSnapshot()?.phase).toBe("init");
    expect(engine.log.entries.every((e) => e.cause.length > 0 && e.cause !== "unspecified")).toBe(true);
  });
});

/**
 * The divergences from the Go design that issue #23 lists, each decided here (see
 * docs/replication-checklist.md, "Divergences from the Go design"): kept ones pin blobsim's
 * behaviour, aligned ones pin the Go behaviour.
 */
describe("divergences from the Go design (issue #23)", () => {
  it("kept: a catch-up WAL-pin failure escalates to needs_rebuild (Go: disconnected, retry)", () => {
    const storage = new FakeStorage();
    storage.fail.wal = true;
    const { engine, sessionId } = setup(storage);
    expect(() => engine.planner.planCatchUp("r1", sessionId, 70)).toThrow(PinFailedError);
    const sender = engine.registry.sender("r1");
    expect(sender.hasActiveSession()).toBe(false);
    expect(sender.state).toBe("needs_rebuild");
  });

  it("kept: a failed execution invalidates its session, not only its pins (Go: pins only)", async () => {
    const { engine, storage, sessionId } = setup();
    const plan = engine.planner.planCatchUp("r1", sessionId, 95);
    if (plan.kind !== "catch_up") throw new Error(plan.kind);
    const link = new FakeLink(95);
    link.truncate = async () => {
      throw new Error("connection reset");
    };
    await expect(engine.executor.executeCatchUp(plan, link)).rejects.toThrow(TransportError);
    const sender = engine.registry.sender("r1");
    expect(sender.hasActiveSession()).toBe(false);
    expect(sender.state).toBe("disconnected");
    expect(storage.pins.size).toBe(0);
  });

  it("kept: a stale assignment is rejected whole, topology included (Go: applies the topology)", () => {
    const { engine, endpoint } = setup();
    engine.registry.applyAssignment({ epoch: 2, replicas: [{ replicaId: "r1", endpoint }] });
    const before = JSON.stringify(engine.status());
    const r2 = { dataAddr: "10.0.0.3:1", ctrlAddr: "10.0.0.3:2", version: 1 };
    expect(() =>
      engine.registry.applyAssignment({
        epoch: 1,
        replicas: [
          { replicaId: "r1", endpoint },
          { replicaId: "r2", endpoint: r2 },
        ],
      }),
    ).toThrow(StaleEpochError);
    expect(engine.registry.has("r2")).toBe(false);
    expect(JSON.stringify(engine.status())).toBe(before);
  });

  it("kept: a second attach replaces the live session (Go refuses it)", () => {
    const { engine, endpoint, sessionId } = setup();
    engine.registry.applyAssignment({
      epoch: 1,
      replicas: [{ replicaId: "r1", endpoint }],
      recoveryTargets: { r1: "rebuild" },
    });
    const sender = engine.registry.sender("r1");
    expect(sender.sessionId).not.toBe(sessionId);
    expect(sender.sessionSnapshot()?.kind).toBe("rebuild");
    expect(() => sender.beginConnect(sessionId)).toThrow(StaleSessionError);
  });

  it("kept: no cancel call — invalidation is the cancel; the executor stops and releases its pins", async () => {
    const { engine, storage, sessionId } = setup();
    const plan = engine.planner.planCatchUp("r1", sessionId, 20);
    if (plan.kind !== "catch_up") throw new Error(plan.kind);
    expect(storage.pins.size).toBe(1);
    const moved = { dataAddr: "10.0.0.9:1", ctrlAddr: "10.0.0.9:2", version: 2 };
    engine.registry.applyAssignment({ epoch: 1, replicas: [{ replicaId: "r1", endpoint: moved }] });
    await expect(engine.executor.executeCatchUp(plan, new FakeLink(20))).rejects.toThrow(StaleSessionError);
    expect(storage.pins.size).toBe(0);
  });

  it("aligned: N catch-up sessions failed in a row lead to needs_rebuild (Go: maximum attempts)", async () => {
    const { engine, endpoint } = setup();
    const sender = engine.registry.sender("r1");
    const states: string[] = [];
    for (let attempt = 1; attempt <= CATCH_UP_FAILURES_MAX; attempt++) {
      if (attempt > 1)
        engine.registry.applyAssignment({
          epoch: 1,
          replicas: [{ replicaId: "r1", endpoint }],
          recoveryTargets: { r1: "catch_up" },
        });
      const plan = engine.planner.planCatchUp("r1", sender.sessionId!, 95);
      if (plan.kind !== "catch_up") throw new Error(plan.kind);
      const link = new FakeLink(95);
      link.truncate = async () => {
        throw new Error("connection reset");
      };
      await expect(engine.executor.executeCatchUp(plan, link)).rejects.toThrow(TransportError);
      states.push(sender.state);
    }
    expect(states).toEqual([...Array(CATCH_UP_FAILURES_MAX - 1).fill("disconnected"), "needs_rebuild"]);
    expect(sender.failedCatchUps).toBe(0);
  });

  it("aligned: an over-reported ack never moves catch-up past what the batch asked (frozen target)", async () => {
    const { engine, sessionId } = setup();
    const plan = engine.planner.planCatchUp("r1", sessionId, 20);
    if (plan.kind !== "catch_up") throw new Error(plan.kind);
    const asked: number[] = [];
    const link = new FakeLink(20);
    link.streamWal = async (_c, _from, to) => {
      asked.push(to);
      return to + 50;
    };
    await engine.executor.executeCatchUp(plan, link);
    const progress = engine.log.entries.filter((e) => e.event === "catch_up_progress");
    expect(progress.map((e) => e.fields.recoveredTo)).toEqual(asked);
    expect(asked.at(-1)).toBe(90);
  });
});
