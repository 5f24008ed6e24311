/**
 * Property: over random schedules of appends, clock jumps, peer sweeps (some failing part-way),
 * peers dropping out of and back into the active set, and retention ticks, (1) no tick deletes an
 * op an active peer still needs, and (2) every op at or below a peer's durable cursor was applied,
 * pruned before its first contact, or covered by a recorded gap that had really been pruned.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MemoryCursorTable, MemoryOpsLog } from "./memory-storage.ts";
import { OpIdGenerator } from "./op-id.ts";
import { RetentionPruner } from "./pruner.ts";
import {
  defaultRetentionSeams,
  persistAtEndOfSweep,
  resolveRetentionSeams,
  type RetentionSeams,
} from "./seams.ts";
import type { GapMark, Op } from "./storage.ts";
import { sweepOnce } from "./sweep-client.ts";
import { SweepServer } from "./sweep-server.ts";
import { ManualClock, testConfig } from "./test-support.ts";

const PEERS = ["a.example", "b.example", "c.example"];
const PRIMARY = "primary.example";
export const stats = { gaps: 0, ticksDeleting: 0 };

type Action =
  | { kind: "append"; count: number; stepMs: number }
  | { kind: "advance"; ms: number }
  | { kind: "sweep"; peer: number; limit: number; failAfter: number | null }
  | { kind: "tick" }
  | { kind: "toggle"; peer: number };

const action: fc.Arbitrary<Action> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("append" as const),
      count: fc.integer({ min: 1, max: 8 }),
      stepMs: fc.integer({ min: 1, max: 4_000 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant("advance" as const), ms: fc.integer({ min: 1, max: 90_000 }) }),
  },
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant("sweep" as const),
      peer: fc.integer({ min: 0, max: PEERS.length - 1 }),
      limit: fc.integer({ min: 1, max: 12 }),
      failAfter: fc.option(fc.integer({ min: 0, max: 6 }), { nil: null }),
    }),
  },
  { weight: 3, arbitrary: fc.constant({ kind: "tick" as const }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("toggle" as const),
      peer: fc.integer({ min: 0, max: PEERS.length - 1 }),
    }),
  },
);

async function runSchedule(
  actions: Action[],
  seams: RetentionSeams = defaultRetentionSeams,
): Promise<string[]> {
  const problems: string[] = [];
  const clock = new ManualClock();
  const config = testConfig({
    retentionMs: 20_000,
    cursorSafetyMarginMs: 2_000,
    batchLimit: 4,
    maxBatchesPerTick: 2,
  });
  const log = new MemoryOpsLog();
  const primaryCursors = new MemoryCursorTable();
  const ids = new OpIdGenerator();
  const history: { id: string; prunedAt: number | null }[] = [];
  let step = 0;
  const active = new Set(PEERS);
  const peers = PEERS.map((host) => ({
    host,
    cursors: new MemoryCursorTable(),
    applied: new Set<string>(),
    durable: null as string | null,
    gaps: [] as (GapMark & { at: number })[],
    firstPersist: null as number | null,
  }));
  const server = new SweepServer({
    log,
    cursors: primaryCursors,
    knownPeers: async () => [PRIMARY, ...PEERS],
    selfHost: PRIMARY,
    clock,
    config,
    seams,
  });
  let tickActive: string[] = [];
  const pruner = new RetentionPruner({
    log: {
      ...log,
      append: (op) => log.append(op),
      snapshot: (a, l) => log.snapshot(a, l),
      prunedThroughId: () => log.prunedThroughId(),
      readAfter: (a, l) => log.readAfter(a, l),
      physicalSize: () => log.physicalSize(),
      deleteBelow: async (cutoff, limit) => {
        for (const id of log.peekBelow(cutoff, limit)) {
          history.find((entry) => entry.id === id)!.prunedAt = step;
          for (const peer of peers.filter((p) => tickActive.includes(p.host))) {
            if (!peer.applied.has(id) && !(peer.durable !== null && peer.durable >= id)) {
              problems.push(`deleted ${id} needed by ${peer.host}`);
            }
          }
        }
        return log.deleteBelow(cutoff, limit);
      },
    },
    cursors: primaryCursors,
    activePeers: async () => (tickActive = [PRIMARY, ...PEERS.filter((host) => active.has(host))]),
    selfHost: PRIMARY,
    clock,
    config,
    seams,
  });

  for (const act of actions) {
    step++;
    if (act.kind === "append") {
      for (let i = 0; i < act.count; i++) {
        clock.now += act.stepMs;
        const id = ids.next(clock.now);
        await log.append({ id, table: "t", body: "x" });
        history.push({ id, prunedAt: null });
      }
    } else if (act.kind === "advance") {
      clock.now += act.ms;
    } else if (act.kind === "tick") {
      const tickResult = await pruner.tick();
      if (tickResult.deleted > 0) stats.ticksDeleting += 1;
    } else if (act.kind === "toggle") {
      const host = PEERS[act.peer]!;
      if (active.has(host)) active.delete(host);
      else active.add(host);
    } else {
      const peer = peers[act.peer]!;
      let applies = 0;
      const watched = {
        get: (host: string) => peer.cursors.get(host),
        list: () => peer.cursors.list(),
        put: async (
          host: string,
          value: { lastId: string; gap?: GapMark },
          pre?: { ifVersion: string | null },
        ) => {
          const version = await peer.cursors.put(host, value, pre);
          peer.durable = value.lastId;
          peer.firstPersist ??= step;
          if (value.gap) peer.gaps.push({ ...value.gap, at: step });
          return version;
        },
      };
      await sweepOnce({
        upstreamHost: PRIMARY,
        selfHost: peer.host,
        cursors: watched,
        fetch: (request) => server.serve(request),
        applyOp: async (op: Op) => {
          if (act.failAfter !== null && applies++ >= act.failAfter) throw new Error("apply failed");
          peer.applied.add(op.id);
        },
        clock,
        config,
        seams,
        limit: act.limit,
      }).then(
        (outcome) => void (outcome.gapHonoured && (stats.gaps += 1)),
        (error: Error) => {
          if (error.message !== "apply failed") throw error;
        },
      );
    }
    for (const peer of peers) {
      if (peer.durable === null) continue;
      for (const entry of history) {
        if (entry.id > peer.durable) break;
        if (peer.applied.has(entry.id)) continue;
        const pruned = entry.prunedAt;
        if (pruned !== null && peer.firstPersist !== null && pruned <= peer.firstPersist) continue;
        const covered = peer.gaps.some(
          (gap) =>
            (gap.fromId === null || gap.fromId < entry.id) &&
            entry.id <= gap.throughId &&
            pruned !== null &&
            pruned <= gap.at,
        );
        if (!covered) problems.push(`${peer.host} skipped ${entry.id} silently`);
      }
    }
    if (problems.length > 0) return problems;
  }
  return problems;
}

describe("retention over random peer schedules (RET-1, RET-2, RET-4)", () => {
  it("never prunes a live peer's need and never skips an op silently", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(action, { minLength: 30, maxLength: 120, size: "max" }), async (actions) => {
        expect(await runSchedule(actions)).toEqual([]);
      }),
      { numRuns: 100, seed: 20_260_101 },
    );
    expect(stats.gaps).toBeGreaterThan(0); // the schedules do reach the gap path
    expect(stats.ticksDeleting).toBeGreaterThan(0);
  });

  it("the same property catches a persist-when-staged policy (M04) and an every-peer floor", async () => {
    const property = (seams: RetentionSeams) =>
      fc.asyncProperty(fc.array(action, { minLength: 30, maxLength: 120, size: "max" }), async (actions) => {
        expect(await runSchedule(actions, seams)).toEqual([]);
      });
    const persistEarly = resolveRetentionSeams({
      persistPolicy: {
        afterStage: async (input) =>
          void (await input.cursors.put(input.upstreamHost, { lastId: input.stagedCursor })),
        atEnd: persistAtEndOfSweep.atEnd,
      },
    });
    const fastestPeerOnly = resolveRetentionSeams({
      selectPeerCursors: (input) => {
        const peers = defaultRetentionSeams.selectPeerCursors(input);
        return peers.some((peer) => peer.cursorId === null)
          ? peers
          : peers.sort((a, b) => (a.cursorId! < b.cursorId! ? 1 : -1)).slice(0, 1);
      },
    });
    for (const [name, buggy] of [
      ["persistEarly", persistEarly],
      ["fastestPeerOnly", fastestPeerOnly],
    ] as const) {
      const result = await fc.check(property(buggy), { numRuns: 400, seed: 20_260_101, endOnFailure: true });
      expect({ name, failed: result.failed }).toEqual({ name, failed: true });
    }
  });
});
