import { describe, expect, it } from "vitest";
import { ImplausibleIdError, InvalidOpIdError, UnknownPeerError } from "./errors.ts";
import { MemoryCursorTable, MemoryOpsLog } from "./memory-storage.ts";
import { OpIdGenerator, opIdAtTime, ZERO_OP_ID } from "./op-id.ts";
import { RetentionPruner } from "./pruner.ts";
import {
  defaultRetentionSeams,
  persistAtEndOfSweep,
  resolveRetentionSeams,
  type RetentionSeams,
} from "./seams.ts";
import type { Op, OpsLog, SweepSnapshot } from "./storage.ts";
import { sweepOnce } from "./sweep-client.ts";
import { type SweepResponse, SweepServer } from "./sweep-server.ts";
import { appendOps, ManualClock, testConfig } from "./test-support.ts";

const PRIMARY = "primary.example";

async function setup(seams: RetentionSeams = defaultRetentionSeams) {
  const clock = new ManualClock();
  const log = new MemoryOpsLog();
  const primaryCursors = new MemoryCursorTable();
  const peerCursors = new MemoryCursorTable();
  const config = testConfig();
  const ops = await appendOps(log, clock, new OpIdGenerator(), 40);
  const server = new SweepServer({
    log,
    cursors: primaryCursors,
    knownPeers: async () => [PRIMARY, "a.example"],
    selfHost: PRIMARY,
    clock,
    config,
    seams,
  });
  const applied: string[] = [];
  let failAt: string | null = null;
  let response: ((r: SweepResponse) => SweepResponse) | null = null;
  const sweep = (limit = 100) =>
    sweepOnce({
      upstreamHost: PRIMARY,
      selfHost: "a.example",
      cursors: peerCursors,
      fetch: async (request) => {
        const served = await server.serve(request);
        return response ? response(served) : served;
      },
      applyOp: async (op: Op) => {
        if (op.id === failAt) throw new Error("disk full");
        applied.push(op.id);
      },
      clock,
      config,
      seams,
      limit,
    });
  const prune = async (throughIndex: number) => {
    // Everything up to ops[throughIndex] goes, as retention would once the peer was inactive.
    while ((await log.deleteBelow(ops[throughIndex + 1]!, 100)) > 0);
  };
  return {
    clock,
    log,
    ops,
    server,
    primaryCursors,
    peerCursors,
    applied,
    sweep,
    prune,
    failAt: (id: string | null) => (failAt = id),
    tamper: (fn: typeof response) => (response = fn),
  };
}

describe("SweepServer: bad input gets a typed error and changes nothing", () => {
  it.each([
    ["unknown host", "intruder.example", null, UnknownPeerError],
    ["ourselves", "Primary.Example/", null, UnknownPeerError],
    ["garbage cursor", "a.example", "bafy-content-id", InvalidOpIdError],
    ["lower-case cursor", "a.example", opIdAtTime(1_767_225_600_000).toLowerCase(), InvalidOpIdError],
    ["far-future cursor", "a.example", opIdAtTime(1_767_225_600_000 + 40 * 86_400_000), ImplausibleIdError],
    ["epoch cursor", "a.example", ZERO_OP_ID, ImplausibleIdError],
  ])("%s", async (_, host, after, errorType) => {
    const world = await setup();
    await expect(world.server.serve({ host, after, limit: 10 })).rejects.toBeInstanceOf(errorType);
    expect(await world.primaryCursors.list()).toEqual([]);
  });

  it("records the peer's cursor and signals a gap when the cursor is below the watermark (RET-4)", async () => {
    const world = await setup();
    await world.prune(9);
    const response = await world.server.serve({ host: "A.Example", after: world.ops[4]!, limit: 5 });
    expect(response.gap).toEqual({ prunedThroughId: world.ops[9] });
    expect(response.ops.map((op) => op.id)).toEqual(world.ops.slice(10, 15));
    expect((await world.primaryCursors.get("a.example"))?.lastId).toBe(world.ops[4]);
  });
});

describe("sweepOnce", () => {
  it("applies the body and persists the cursor at its end", async () => {
    const world = await setup();
    const outcome = await world.sweep(25);
    expect(outcome).toMatchObject({ applied: 25, cursor: world.ops[24], more: true });
    expect(world.applied).toEqual(world.ops.slice(0, 25));
    expect((await world.peerCursors.get(PRIMARY))?.lastId).toBe(world.ops[24]);
  });

  it("treats an implausible stored cursor as missing and never echoes or keeps it (RET-3)", async () => {
    for (const bad of [opIdAtTime(1_767_225_600_000 + 40 * 86_400_000), ZERO_OP_ID, "bafy-not-an-id"]) {
      const world = await setup();
      await world.peerCursors.put(PRIMARY, { lastId: bad });
      await world.sweep();
      expect(world.applied).toHaveLength(40);
      expect((await world.peerCursors.get(PRIMARY))?.lastId).toBe(world.ops[39]);
      expect(await world.primaryCursors.list()).toEqual([]); // `after` was null: nothing echoed
    }
  });

  it("honours a gap for an existing cursor and records it with the cursor (RET-4)", async () => {
    const world = await setup();
    await world.sweep(3);
    await world.prune(19);
    const outcome = await world.sweep(100);
    expect(outcome.gapHonoured).toBe(true);
    const row = await world.peerCursors.get(PRIMARY);
    expect(row).toMatchObject({
      lastId: world.ops[39],
      gap: { fromId: world.ops[2], throughId: world.ops[19] },
    });
  });

  it("ignores a gap on first contact, even one placed ahead of everything (M03)", async () => {
    const world = await setup();
    world.tamper((r) => ({ ...r, gap: { prunedThroughId: opIdAtTime(world.clock.now + 10_000) } }));
    await world.sweep();
    expect(world.applied).toHaveLength(40);
    expect((await world.peerCursors.get(PRIMARY))?.lastId).toBe(world.ops[39]);
  });

  it("refuses a response whose gap header is unusable while it holds a cursor", async () => {
    const world = await setup();
    await world.sweep(3);
    for (const floor of ["", "garbage", opIdAtTime(world.clock.now + 86_400_000)]) {
      world.tamper((r) => ({ ...r, gap: { prunedThroughId: floor } }));
      await expect(world.sweep()).rejects.toThrow(/gap|op ID/);
    }
    expect(world.applied).toHaveLength(3);
    expect((await world.peerCursors.get(PRIMARY))?.lastId).toBe(world.ops[2]);
  });

  it("persists nothing when the body fails part-way, so the gap is offered again (M04)", async () => {
    const world = await setup();
    await world.sweep(3);
    await world.prune(19);
    world.failAt(world.ops[25]!);
    await expect(world.sweep()).rejects.toThrow("disk full");
    expect((await world.peerCursors.get(PRIMARY))?.lastId).toBe(world.ops[2]);
    world.failAt(null);
    expect((await world.sweep()).gapHonoured).toBe(true);
  });

  it("the M04 policy (persist when staged) leaves the cursor past the gap with no record of it", async () => {
    const buggy = resolveRetentionSeams({
      persistPolicy: {
        afterStage: async (input) => {
          await input.cursors.put(input.upstreamHost, { lastId: input.stagedCursor });
        },
        atEnd: persistAtEndOfSweep.atEnd,
      },
    });
    const world = await setup(buggy);
    await world.sweep(3);
    await world.prune(19);
    world.failAt(world.ops[25]!);
    await expect(world.sweep()).rejects.toThrow("disk full");
    const row = await world.peerCursors.get(PRIMARY);
    expect(row?.lastId).toBe(world.ops[19]);
    expect(row?.gap).toBeUndefined();
  });
});

describe("one snapshot for the watermark and the body (RET-5)", () => {
  /** A log whose watermark read lets a prune run before the next read. */
  function racingLog(inner: MemoryOpsLog, pruneNow: () => Promise<void>): OpsLog {
    return {
      append: (op) => inner.append(op),
      snapshot: async (after, limit) => {
        const snapshot = await inner.snapshot(after, limit);
        await pruneNow();
        return snapshot;
      },
      prunedThroughId: async () => {
        const watermark = await inner.prunedThroughId();
        await pruneNow();
        return watermark;
      },
      readAfter: (after, limit) => inner.readAfter(after, limit),
      deleteBelow: (cutoff, limit) => inner.deleteBelow(cutoff, limit),
      physicalSize: () => inner.physicalSize(),
    };
  }

  async function servedAfterRace(
    readSnapshot?: RetentionSeams["readSnapshot"],
  ): Promise<{ served: SweepSnapshot; ops: string[] }> {
    const clock = new ManualClock();
    const inner = new MemoryOpsLog();
    const ops = await appendOps(inner, clock, new OpIdGenerator(), 40);
    await inner.deleteBelow(ops[10]!, 100);
    const log = racingLog(inner, async () => void (await inner.deleteBelow(ops[20]!, 100)));
    const seams = resolveRetentionSeams(readSnapshot ? { readSnapshot } : {});
    const server = new SweepServer({
      log,
      cursors: new MemoryCursorTable(),
      knownPeers: async () => ["a.example"],
      selfHost: PRIMARY,
      clock,
      config: testConfig(),
      seams,
    });
    const response = await server.serve({ host: "a.example", after: ops[2]!, limit: 100 });
    return { served: { prunedThroughId: response.gap?.prunedThroughId ?? null, ops: response.ops }, ops };
  }

  it("serves a body that starts right above the watermark it reports", async () => {
    const { served, ops } = await servedAfterRace();
    expect(served.prunedThroughId).toBe(ops[9]);
    expect(served.ops[0]?.id).toBe(ops[10]);
  });

  it("two separate reads (M05) serve a body with a hole the gap does not cover", async () => {
    const { served, ops } = await servedAfterRace(async (log, after, limit) => ({
      prunedThroughId: await log.prunedThroughId(),
      ops: await log.readAfter(after, limit),
    }));
    expect(served.prunedThroughId).toBe(ops[9]);
    expect(served.ops[0]?.id).toBe(ops[20]);
  });
});

describe("pruner and sweeps together", () => {
  it("never prunes what the active peer has not applied", async () => {
    const world = await setup();
    const pruner = new RetentionPruner({
      log: world.log,
      cursors: world.primaryCursors,
      activePeers: async () => [PRIMARY, "a.example"],
      selfHost: PRIMARY,
      clock: world.clock,
      config: testConfig({ retentionMs: 1_000, cursorSafetyMarginMs: 0 }),
      seams: defaultRetentionSeams,
    });
    expect((await pruner.tick()).deleted).toBe(0); // no cursor yet: blocked
    await world.sweep(10);
    await world.sweep(10); // reports ops[9]
    await pruner.tick();
    const left = await world.log.readAfter(null, 100);
    expect(left[0]?.id).toBe(world.ops[9]);
  });
});
